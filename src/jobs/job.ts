// What a module declares about one of its background jobs: a queue on PostgreSQL
// (pg-boss), its retry policy, an optional cron schedule, and the handler. The
// declarations live with the module they serve (appeal.jobs.ts) and its manifest lists
// them (`jobs`, src/modules/module.ts); the composition root gives the job queue every
// module's.

/** pg-boss's queue policies: how many jobs of a queue may wait and run at once. */
export type JobPolicy =
  /** any number waiting and running */
  | "standard"
  /** at most one waiting (a send while one waits is dropped), any number running */
  | "short"
  /** any number waiting, at most one running */
  | "singleton"
  /** at most one waiting and one running: a periodic job that must not pile up or overlap */
  | "stately";

export type JobRetryPolicy = {
  /** Attempts after the first one; then the job ends `failed`. Required: nothing is retried forever. */
  limit: number;
  /** Seconds before the first retry. */
  delaySeconds: number;
  /** Doubles the delay at each retry, with up to as much again of random jitter (pg-boss's backoff). */
  backoff: boolean;
};

/** One run of a job, as its handler sees it. */
export type JobRun<Data> = {
  id: string;
  /** The data it was sent with, as JSON gave it back (dates are strings). */
  data: Data;
  /** 0 on the first attempt, 1 on the first retry, ... */
  retryCount: number;
};

export type JobDeclaration<Data extends object, Context> = {
  /** The queue's name, unique in the service: the module, a dot, what it does. */
  readonly name: string;
  readonly policy: JobPolicy;
  readonly retry: JobRetryPolicy;
  /** A run taking longer than this fails (and is retried); pg-boss's default is 15 minutes. */
  readonly expireInSeconds?: number;
  /**
   * A cron expression in UTC, minute granularity (pg-boss's), and the data each
   * tick sends. One instance sends each tick, wherever workers run.
   */
  readonly schedule?: { readonly cron: string; readonly data: Data };
  /**
   * The work. It may run more than once for one job (a retry after a failure or after a
   * process died mid-run), so it must be safe to repeat. What it returns is kept as the
   * job's output.
   */
  readonly run: (job: JobRun<Data>, context: Context) => Promise<unknown>;
};

/** Any declaration whose handler can run with `Context` (the composition root's services). */
// biome-ignore lint/suspicious/noExplicitAny: a module, and the queue, hold jobs of every data type.
export type AnyJobDeclaration<Context> = JobDeclaration<any, Context>;

/** Names a declaration's type in one place; the same object is what services send. */
export function defineJob<Data extends object, Context>(
  declaration: JobDeclaration<Data, Context>,
): JobDeclaration<Data, Context> {
  return Object.freeze(declaration);
}
