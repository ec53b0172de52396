// A wake() that arrives while the loop is taking a job must not be lost: the job sent then
// (after the take looked) would otherwise wait a whole poll interval. This was the flake of
// job-queue.test.ts's stop test under load: its interval is 60 s, the test's timeout 30 s.
import { describe, expect, it } from "vitest";
import { PollingLoop } from "../../src/jobs/job-runner.js";

function deferred() {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe("PollingLoop", () => {
  it("takes again at once when woken during a take, without waiting for its interval", async () => {
    const firstTakeRunning = deferred();
    const finishFirstTake = deferred();
    const secondTake = deferred();
    let takes = 0;
    const loop = new PollingLoop(
      "test",
      3_600_000, // an hour: only a wake can start the second take within the test
      async () => {
        takes++;
        if (takes === 1) {
          firstTakeRunning.resolve();
          await finishFirstTake.promise; // a job is sent (and the loop woken) meanwhile
          return false; // this take had looked before the job existed
        }
        secondTake.resolve();
        return false;
      },
      { warn() {} },
    );
    loop.start();
    await firstTakeRunning.promise;
    loop.wake();
    finishFirstTake.resolve();
    await secondTake.promise;
    expect(takes).toBe(2);
    await loop.stop();
  });
});
