// The heavy reads' pacing on a fake clock: unpaced while the intake has room; while it is
// busy, one statement at a time, each followed by its rest (t·(1 − share)/share), the rest cut
// short when the intake stops being busy, and a 503 past the longest wait.
import { describe, expect, it } from "vitest";
import { UnavailableError } from "../../src/core/errors.js";
import { createHeavyPacing } from "../../src/db/heavy-pacing.js";

function fakeTime() {
  const clock = { t: 0 };
  return {
    clock,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.t += ms;
    },
    /** A deadline fires after the statements already done have settled (a macrotask later). */
    timer: (ms: number) =>
      new Promise<void>((resolve) =>
        setTimeout(() => {
          clock.t += ms;
          resolve();
        }, 0),
      ),
    /** A statement that takes `ms` of the fake clock and reports when it started. */
    statement: (ms: number, starts: number[]) => async () => {
      starts.push(clock.t);
      clock.t += ms;
      return ms;
    },
  };
}

describe("heavy pacing", () => {
  it("runs statements unpaced while the intake has room", async () => {
    const time = fakeTime();
    const pacing = createHeavyPacing({ busy: () => false, busyShare: 0.25, maxWaitMs: 5_000, ...time });
    const starts: number[] = [];
    for (let i = 0; i < 3; i++) await pacing.run(time.statement(10, starts));
    expect(starts).toEqual([0, 10, 20]);
  });

  it("rests three times a statement's time after it at a 25% share while busy", async () => {
    const time = fakeTime();
    const pacing = createHeavyPacing({ busy: () => true, busyShare: 0.25, maxWaitMs: 5_000, ...time });
    const starts: number[] = [];
    const results = await Promise.all([
      pacing.run(time.statement(10, starts)),
      pacing.run(time.statement(20, starts)),
      pacing.run(time.statement(5, starts)),
    ]);
    expect(results).toEqual([10, 20, 5]);
    // 0..10, rest 30; 40..60, rest 60; 120.
    expect(starts).toEqual([0, 40, 120]);
  });

  it("cuts a rest short when the intake stops being busy", async () => {
    const time = fakeTime();
    let busy = true;
    const pacing = createHeavyPacing({ busy: () => busy, busyShare: 0.2, maxWaitMs: 5_000, ...time });
    const starts: number[] = [];
    await pacing.run(time.statement(100, starts)); // rest 400 ms follows
    const second = pacing.run(async () => {
      starts.push(time.clock.t);
      return 0;
    });
    const stopBusy = (async () => {
      // The second statement is resting; the intake calms down at t = 160.
      while (time.clock.t < 160) await Promise.resolve();
      busy = false;
    })();
    await Promise.all([second, stopBusy]);
    expect(starts[0]).toBe(0);
    expect(starts[1]).toBeGreaterThanOrEqual(160);
    expect(starts[1]).toBeLessThan(500);
  });

  it("refuses a statement that cannot start within the longest wait; the lane goes on", async () => {
    const time = fakeTime();
    const pacing = createHeavyPacing({ busy: () => true, busyShare: 0.1, maxWaitMs: 500, ...time });
    const starts: number[] = [];
    await pacing.run(time.statement(100, starts)); // 0..100, then a rest of 900 ms > 500
    await expect(pacing.run(time.statement(1, starts))).rejects.toBeInstanceOf(UnavailableError);
    expect(starts).toEqual([0]);
    // Still busy: the next one waits out the rest (until 1000) and starts at once after it.
    await pacing.run(time.statement(1, starts), { refusable: false });
    expect(starts).toEqual([0, 1000]);
  });

  it("refuses a statement waiting behind a running one past the longest wait, and keeps one at a time", async () => {
    const time = fakeTime();
    const pacing = createHeavyPacing({ busy: () => true, busyShare: 0.5, maxWaitMs: 500, ...time });
    const starts: number[] = [];
    let finish = () => {};
    const long = pacing.run(
      () =>
        new Promise<number>((resolve) => {
          starts.push(time.clock.t);
          finish = () => resolve(0);
        }),
    );
    // Waits behind the running statement; the pacing's clock passes the deadline meanwhile.
    await expect(pacing.run(time.statement(1, starts))).rejects.toBeInstanceOf(UnavailableError);
    expect(time.clock.t).toBeGreaterThan(500);
    // The one after the refused one does not start before the running one ends.
    const after = pacing.run(time.statement(1, starts), { refusable: false });
    await Promise.resolve();
    expect(starts).toEqual([0]);
    const endedAt = time.clock.t;
    finish();
    await long;
    await after;
    // It ran after the long one, after that one's rest (as long as it ran, at a 50% share).
    expect(starts).toEqual([0, 2 * endedAt]);
  });

  it("never refuses a statement that may not be refused (an export's next batch)", async () => {
    const time = fakeTime();
    const pacing = createHeavyPacing({ busy: () => true, busyShare: 0.1, maxWaitMs: 10, ...time });
    const starts: number[] = [];
    await pacing.run(time.statement(100, starts));
    await pacing.run(time.statement(100, starts), { refusable: false });
    expect(starts).toEqual([0, 1000]);
  });

  it("is off at a share of 1 and refuses a share outside (0, 1]", async () => {
    const time = fakeTime();
    const pacing = createHeavyPacing({ busy: () => true, busyShare: 1, maxWaitMs: 1, ...time });
    const starts: number[] = [];
    await Promise.all([pacing.run(time.statement(10, starts)), pacing.run(time.statement(10, starts))]);
    expect(starts).toEqual([0, 10]);
    expect(() => createHeavyPacing({ busy: () => true, busyShare: 0, maxWaitMs: 1 })).toThrow("busyShare");
    expect(() => createHeavyPacing({ busy: () => true, busyShare: 1.5, maxWaitMs: 1 })).toThrow("busyShare");
  });
});
