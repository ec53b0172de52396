// The periodic sweep of the distribution engine. Every assignment the engine owes
// is made by a drain right after the change that freed capacity; but a process
// that dies, a statement that times out or a database blip between a committed
// close and its drain leaves a pending appeal beside a free operator, and so does a
// request's drain that stopped at its bound. Every SWEEP_INTERVAL_MS one instance
// (an advisory lock) drains every source, so no appeal waits beside free capacity
// longer than one interval.
//
// Not a pg-boss job: pg-boss's cron ticks once a minute at best, and the sweep runs
// every 5 s; a job re-sending itself would add a poll interval of latency to every
// wake() and a row per sweep. So it stays a timer, on every instance (API and
// worker alike), one at a time under its advisory lock; a request whose drain
// stopped at its bound wakes its own instance's sweep at once.
import { ADVISORY_LOCKS, type TryLock } from "../../db/advisory-lock.js";
import { PeriodicTask, type TaskLog } from "../../jobs/periodic-task.js";
import type { DistributionService } from "./distribution.service.js";

/** The actor recorded on the sweep's appeal.drained events. */
export const SWEEP_ACTOR = "sweep";

/**
 * Every sweep checks operators' active_load against their active appeals (cheap: the
 * active appeals only); every this many sweeps it also checks appeal_counts, which
 * counts every appeal (~0.3 s of one core per million): with the default interval,
 * every 5 minutes.
 */
export const FULL_DRIFT_CHECK_EVERY = 60;

export type SweepOptions = {
  intervalMs: number;
  tryLock: TryLock;
  log: TaskLog;
  /** The drift check (logs and counts, repairs nothing), after each drain; `full` includes appeal_counts. */
  checkDrift?: (full: boolean) => Promise<unknown>;
};

export class DistributionSweeper {
  private readonly task: PeriodicTask<number>;
  private sweeps = 0;

  constructor(distribution: Pick<DistributionService, "drainAll">, options: SweepOptions) {
    this.task = new PeriodicTask({
      name: "distribution sweep",
      intervalMs: options.intervalMs,
      lockKey: ADVISORY_LOCKS.distributionSweep,
      tryLock: options.tryLock,
      log: options.log,
      run: async () => {
        const assigned = await distribution.drainAll(SWEEP_ACTOR);
        // The first sweep of a process checks everything, then every FULL_DRIFT_CHECK_EVERY-th.
        await options.checkDrift?.(this.sweeps++ % FULL_DRIFT_CHECK_EVERY === 0);
        return assigned;
      },
    });
  }

  /** One sweep now; `ran: false` when another instance (or this one) is sweeping. */
  async runOnce(
    options: { whileLocked?: () => Promise<void> } = {},
  ): Promise<{ ran: boolean; assigned: number }> {
    const result = await this.task.runOnce(options.whileLocked);
    return result.ran ? { ran: true, assigned: result.value } : { ran: false, assigned: 0 };
  }

  start(): void {
    this.task.start();
  }

  wake(): void {
    this.task.wake();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }
}
