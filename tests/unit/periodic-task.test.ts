// The timer behind the distribution sweep: never overlapping itself,
// skipping when another instance holds the lock, retrying after a failure, woken
// early, and stopped gracefully (stop() waits for the run in flight).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { TryLock } from "../../src/db/advisory-lock.js";
import { PeriodicTask } from "../../src/jobs/periodic-task.js";

/** A lock that is free unless `held`, like pg_try_advisory_lock. */
function fakeLock() {
  const lock = { held: false, taken: 0 };
  const tryLock: TryLock = async (_key, work) => {
    if (lock.held) return { acquired: false };
    lock.held = true;
    lock.taken++;
    try {
      return { acquired: true, value: await work() };
    } finally {
      lock.held = false;
    }
  };
  return { lock, tryLock };
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe("PeriodicTask", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("runs every interval once started, and not before", async () => {
    const { tryLock } = fakeLock();
    let runs = 0;
    const task = new PeriodicTask({
      name: "t",
      intervalMs: 1000,
      lockKey: 1,
      tryLock,
      log: { warn() {} },
      run: async () => ++runs,
    });
    task.start();
    await vi.advanceTimersByTimeAsync(999);
    expect(runs).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toBe(1);
    await vi.advanceTimersByTimeAsync(3000);
    expect(runs).toBe(4);
    await task.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toBe(4);
  });

  it("skips a run while another holder has the lock, and while it runs itself", async () => {
    const { lock, tryLock } = fakeLock();
    const gate = deferred();
    let runs = 0;
    const task = new PeriodicTask({
      name: "t",
      intervalMs: 0,
      lockKey: 1,
      tryLock,
      log: { warn() {} },
      run: async () => {
        runs++;
        await gate.promise;
        return runs;
      },
    });
    lock.held = true;
    expect(await task.runOnce()).toEqual({ ran: false });
    lock.held = false;
    const first = task.runOnce();
    expect(await task.runOnce()).toEqual({ ran: false });
    gate.resolve();
    expect(await first).toEqual({ ran: true, value: 1 });
    expect(runs).toBe(1);
  });

  it("logs a failed run and runs again at the next tick", async () => {
    const { tryLock } = fakeLock();
    const warnings: string[] = [];
    let calls = 0;
    const task = new PeriodicTask({
      name: "the sweep",
      intervalMs: 100,
      lockKey: 1,
      tryLock,
      log: { warn: (_details, message) => warnings.push(message) },
      run: async () => {
        calls++;
        if (calls === 1) throw new Error("database blip");
        return calls;
      },
    });
    task.start();
    await vi.advanceTimersByTimeAsync(100);
    expect(warnings).toEqual(["the sweep failed; retrying at the next tick"]);
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toBe(2);
    await task.stop();
  });

  it("wake() runs at once instead of at the next tick, once more if woken while running", async () => {
    const { tryLock } = fakeLock();
    const gate = deferred();
    let runs = 0;
    const task = new PeriodicTask({
      name: "t",
      intervalMs: 60_000,
      lockKey: 1,
      tryLock,
      log: { warn() {} },
      run: async () => {
        runs++;
        if (runs === 1) await gate.promise;
        return runs;
      },
    });
    task.wake(); // not started: nothing
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toBe(0);
    task.start();
    task.wake();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toBe(1);
    task.wake(); // while running: one more run right after
    task.wake();
    gate.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toBe(2);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(runs).toBe(2);
    await task.stop();
  });

  it("stop() waits for the run in flight", async () => {
    const { tryLock } = fakeLock();
    const gate = deferred();
    let finished = false;
    const task = new PeriodicTask({
      name: "t",
      intervalMs: 10,
      lockKey: 1,
      tryLock,
      log: { warn() {} },
      run: async () => {
        await gate.promise;
        finished = true;
        return 0;
      },
    });
    task.start();
    await vi.advanceTimersByTimeAsync(10);
    let stopped = false;
    const stopping = task.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect([finished, stopped]).toEqual([true, true]);
  });
});
