// Runs one fetched job to its end state, and the polling loop that fetches them.
// Ours rather than pg-boss's work(): its worker does not await the statement that
// completes or fails a job, so a database blip at that moment is an unhandled
// rejection, which ends a Node process. Here every statement is awaited, a final
// failure is counted, and stop() can wait for the job in flight, bounded.
import type PgBoss from "pg-boss";
import type { AnyJobDeclaration } from "./job.js";

export type JobLog = { warn(details: object, message: string): void };

/** How a run ended: done, failed with a retry to come, or failed for good (retries spent). */
export type JobOutcome = {
  queue: string;
  id: string;
  state: "completed" | "retry" | "failed";
  /** What the handler returned (completed) or the error's message (retry, failed). */
  output: unknown;
};

type Fetched = PgBoss.JobWithMetadata<object>;

/** A handler slower than its job's expiry loses: the job fails (and is retried), as pg-boss's own worker does. */
class Expired extends Error {
  override name = "JobExpired";
}

export async function executeJob<Context>(
  boss: PgBoss,
  declaration: AnyJobDeclaration<Context>,
  job: Fetched,
  context: Context,
): Promise<JobOutcome> {
  const base = { queue: declaration.name, id: job.id };
  try {
    const output = await withDeadline(
      declaration.run({ id: job.id, data: job.data, retryCount: job.retryCount }, context),
      Number(job.expireInSeconds) * 1000,
    );
    await boss.complete(declaration.name, job.id, toOutput(output));
    return { ...base, state: "completed", output };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // pg-boss stores the error (message and stack) as the job's output, and decides in SQL:
    // retry_count < retry_limit goes to `retry` with its backoff, else to `failed`.
    await boss.fail(declaration.name, job.id, error instanceof Error ? error : { message });
    return { ...base, state: job.retryCount >= job.retryLimit ? "failed" : "retry", output: message };
  }
}

/** pg-boss keeps an object as the output, anything else as { value }; undefined as nothing. */
function toOutput(value: unknown): object | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === "object" && !Array.isArray(value) ? value : { value };
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Expired(`ran longer than its expiry (${ms} ms)`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Takes one job after another while there are any, then waits `intervalMs` (or a
 * wake()) before asking again. A failure to take one (the database is away) is
 * logged and tried again after the interval.
 */
export class PollingLoop {
  private stopping = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  /** A wake() that came while a take was in flight: the next pause ends at once, or it was lost. */
  private woken = false;

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    /** Runs the next job if one is due; false when there was none. */
    private readonly takeOne: () => Promise<boolean>,
    private readonly log: JobLog,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.woken = true;
  }

  /** Takes no more jobs; resolves once the job in flight (if any) has ended. */
  stop(): Promise<void> {
    this.stopping = true;
    this.wakeUp?.();
    return this.loop ?? Promise.resolve();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let ran = false;
      this.woken = false; // this take looks at everything sent before it
      try {
        ran = await this.takeOne();
      } catch (error) {
        this.log.warn(
          { err: error, queue: this.name },
          `job queue ${this.name}: could not take or finish a job`,
        );
      }
      if (!ran && !this.stopping) await this.pause();
    }
  }

  private pause(): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.intervalMs);
      this.wakeUp = done;
    });
  }
}
