// A task that runs every `intervalMs` on one instance at a time (an advisory lock),
// never overlapping itself, that can be woken early and stopped gracefully. A run
// that fails is logged and tried again at the next tick.
import type { TryLock } from "../db/advisory-lock.js";

export type TaskLog = { warn(details: object, message: string): void };

export type RunResult<T> = { ran: false } | { ran: true; value: T };

export type PeriodicTaskOptions<T> = {
  name: string;
  /** 0 turns the timer off; runOnce() still works (tests, CLIs). */
  intervalMs: number;
  lockKey: number;
  tryLock: TryLock;
  run: () => Promise<T>;
  log: TaskLog;
};

export class PeriodicTask<T> {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private started = false;
  private again = false;

  constructor(private readonly options: PeriodicTaskOptions<T>) {}

  /**
   * One run now, unless another instance holds the lock or this one is running
   * (then `ran: false`). `whileLocked` runs inside the lock after the work (tests).
   */
  async runOnce(whileLocked?: () => Promise<void>): Promise<RunResult<T>> {
    if (this.running) return { ran: false };
    const run = this.options.tryLock(this.options.lockKey, async () => {
      const value = await this.options.run();
      await whileLocked?.();
      return value;
    });
    this.running = run;
    try {
      const result = await run;
      return result.acquired ? { ran: true, value: result.value } : { ran: false };
    } finally {
      this.running = undefined;
    }
  }

  start(): void {
    if (this.started || this.options.intervalMs <= 0) return;
    this.started = true;
    this.schedule(this.options.intervalMs);
  }

  /** Runs soon instead of at the next tick (coalesced); nothing when the timer is off. */
  wake(): void {
    if (!this.started) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  /** Stops the timer and waits for a run in flight to finish. */
  async stop(): Promise<void> {
    this.started = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.running) await this.running.catch(() => {});
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    try {
      await this.runOnce();
    } catch (error) {
      this.options.log.warn(
        { err: error, task: this.options.name },
        `${this.options.name} failed; retrying at the next tick`,
      );
    }
    if (!this.started) return;
    const rerun = this.again;
    this.again = false;
    this.schedule(rerun ? 0 : this.options.intervalMs);
  }
}
