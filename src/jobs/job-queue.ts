// The service's background jobs on its own PostgreSQL, through pg-boss 10 on the
// service's own pool (its `db.executeSql` option: the embedded database has a budget
// of 10 connections, and a pool of pg-boss's own would exceed it).
//
// Every instance creates pg-boss's schema (pg-boss's own migration) and the declared
// queues at start, and may send. Only instances with workers (WORKERS, the default;
// `npm run worker`) take jobs, send the scheduled ones and run pg-boss's maintenance.

import type pg from "pg";
import PgBoss from "pg-boss";
import { cronIsDue, parseCron } from "./cron.js";
import type { AnyJobDeclaration, JobDeclaration } from "./job.js";
import { poolJobDb, type Transaction, transactionJobDb } from "./job-db.js";
import { executeJob, type JobLog, type JobOutcome, PollingLoop } from "./job-runner.js";

export type { JobOutcome } from "./job-runner.js";

/** Failed jobs stay in the job table (visible to the lds_jobs gauge and getJob) this long, then are archived. */
const FAILED_KEPT_SECONDS = 7 * 24 * 60 * 60;
/** runDue() stops with an error past this many runs: a job that keeps sending itself would never drain. */
const MAX_RUNS_PER_DRAIN = 10_000;

export type JobQueueOptions<Context> = {
  pool: pg.Pool;
  declarations: readonly AnyJobDeclaration<Context>[];
  /** What handlers receive (the services); read when a job runs, so it may be bound after construction. */
  context: () => Context;
  /** Take jobs, send scheduled ones and run maintenance here; false: create queues and send only. */
  workers: boolean;
  /** How long a worker waits before asking again when its queue was empty. */
  pollIntervalMs: number;
  /** Create or upgrade pg-boss's schema at start (MIGRATE_ON_START); false only checks it is current. */
  migrate?: boolean;
  log: JobLog;
  /** A job ended `failed`: its retries are spent (the lds_jobs_failed_total counter). */
  onFailed?: (queue: string) => void;
};

export type SendOptions = {
  /** Send through this transaction: the job exists only if it commits. */
  transaction?: Transaction;
  /** Not before this time, or this many seconds from now. */
  startAfter?: Date | number;
  /** With the "short", "singleton" or "stately" policies, the key their limits apply per. */
  singletonKey?: string;
};

export type RunDueOptions = {
  /**
   * A test clock: send the scheduled jobs whose cron ticked in the minute before `at`
   * (pg-boss's own rule). Without it, every scheduled job is sent once, as if all were due.
   */
  at?: Date;
  /** Also run retries and delayed jobs now, as if their time had come. */
  includeDelayed?: boolean;
};

/** A fetch, and the run of what it fetched (`id` once known). */
type InFlight = { queue: string; id: string | undefined; done: Promise<JobOutcome | undefined> };

export type JobCount = { queue: string; state: string; count: number };

export class JobQueue<Context> {
  private readonly boss: PgBoss;
  private readonly byName: Map<string, AnyJobDeclaration<Context>>;
  private readonly loops = new Map<string, PollingLoop>();
  private readonly inFlight = new Set<InFlight>();
  /** The outcome lists of runDue() calls in progress: they also get what this process's workers ran. */
  private readonly collectors = new Set<JobOutcome[]>();
  private started = false;

  constructor(private readonly options: JobQueueOptions<Context>) {
    this.byName = new Map(options.declarations.map((declaration) => [declaration.name, declaration]));
    if (this.byName.size !== options.declarations.length)
      throw new Error("two jobs are declared with one name");
    for (const declaration of options.declarations) {
      if (declaration.schedule) parseCron(declaration.schedule.cron); // a bad expression fails at start, everywhere
    }
    this.boss = new PgBoss({
      db: poolJobDb(options.pool),
      migrate: options.migrate ?? true,
      // pg-boss's timekeeper (cron, one instance per tick) and maintenance (expiring runs
      // of dead processes, archiving) run where jobs are taken.
      schedule: options.workers,
      supervise: options.workers,
      archiveFailedAfterSeconds: FAILED_KEPT_SECONDS,
    });
    // An EventEmitter's 'error' without a listener throws: pg-boss reports its timers' failures here.
    this.boss.on("error", (error) =>
      options.log.warn({ err: error }, "background jobs: pg-boss reported an error"),
    );
  }

  get declarations(): readonly AnyJobDeclaration<Context>[] {
    return this.options.declarations;
  }

  /** pg-boss's schema (created or upgraded), every declared queue, then the schedules and workers. */
  async start(): Promise<void> {
    if (this.started) return;
    await this.boss.start();
    for (const declaration of this.options.declarations) {
      const queue = {
        name: declaration.name,
        policy: declaration.policy,
        retryLimit: declaration.retry.limit,
        retryDelay: declaration.retry.delaySeconds,
        retryBackoff: declaration.retry.backoff,
        ...(declaration.expireInSeconds !== undefined && { expireInSeconds: declaration.expireInSeconds }),
      };
      // createQueue leaves an existing queue as it is; updateQueue applies a changed declaration.
      await this.boss.createQueue(declaration.name, queue);
      await this.boss.updateQueue(declaration.name, queue);
    }
    if (this.options.workers) {
      await this.applySchedules();
      for (const declaration of this.options.declarations) {
        const loop = new PollingLoop(
          declaration.name,
          this.options.pollIntervalMs,
          async () => (await this.takeOne(declaration, false)) !== undefined,
          this.options.log,
        );
        this.loops.set(declaration.name, loop);
        loop.start();
      }
    }
    this.started = true;
  }

  /** Sends a job (pg-boss's id), or null when the queue's policy drops it (one already waits). */
  async send<Data extends object>(
    job: JobDeclaration<Data, never>,
    data: Data,
    options: SendOptions = {},
  ): Promise<string | null> {
    if (!this.started) throw new Error(`job ${job.name} sent before the job queue started`);
    if (this.byName.get(job.name) !== job)
      throw new Error(`job ${job.name} is not declared to this job queue (no module lists it)`);
    const { transaction, startAfter, singletonKey } = options;
    const id = await this.boss.send(job.name, data, {
      ...(transaction && { db: transactionJobDb(transaction) }),
      ...(startAfter !== undefined && { startAfter }),
      ...(singletonKey !== undefined && { singletonKey }),
    });
    // Outside a transaction the job exists now: a worker of this process takes it at once.
    if (id && !transaction) this.loops.get(job.name)?.wake();
    return id;
  }

  /**
   * Runs what is due now, in this process, and waits until nothing due is left
   * (including what this process's workers took meanwhile): tests and tools, so
   * nothing waits for a cron tick or a polling interval. Returns each run's outcome.
   */
  async runDue({ at, includeDelayed = false }: RunDueOptions = {}): Promise<JobOutcome[]> {
    if (!this.started) throw new Error("runDue() before the job queue started");
    const outcomes: JobOutcome[] = [];
    this.collectors.add(outcomes);
    try {
      for (const declaration of this.options.declarations) {
        const { schedule } = declaration;
        if (schedule && (at === undefined || cronIsDue(schedule.cron, at))) {
          await this.send(declaration, schedule.data);
        }
      }
      for (let ran = true; ran; ) {
        ran = false;
        for (const declaration of this.options.declarations) {
          while (await this.takeOne(declaration, includeDelayed)) {
            ran = true;
            if (outcomes.length >= MAX_RUNS_PER_DRAIN)
              throw new Error(`runDue(): over ${MAX_RUNS_PER_DRAIN} runs`);
          }
        }
        if (this.inFlight.size > 0) {
          await Promise.allSettled([...this.inFlight].map((run) => run.done));
          ran = true;
        }
      }
      return outcomes;
    } finally {
      this.collectors.delete(outcomes);
    }
  }

  /** A job as pg-boss keeps it (state, retries, output), or null. */
  getJob(queue: string, id: string): Promise<PgBoss.JobWithMetadata<object> | null> {
    return this.boss.getJobById(queue, id, { includeArchive: true });
  }

  /** Jobs per queue and state, for the lds_jobs gauge; nothing before start. */
  async countByState(): Promise<JobCount[]> {
    if (!this.started) return [];
    const { rows } = await this.options.pool.query<JobCount>(
      "SELECT name AS queue, state::text AS state, count(*)::int AS count FROM pgboss.job GROUP BY 1, 2 ORDER BY 1, 2",
    );
    return rows;
  }

  /**
   * Takes no more jobs, gives the ones running up to `timeoutMs` to finish, fails those
   * still running then (they are retried, elsewhere or at the next start, if retries
   * remain), then stops pg-boss's timers. The pool stays open: it is the caller's.
   * Resolves true when every running job finished in time.
   */
  async stop({ timeoutMs }: { timeoutMs: number }): Promise<boolean> {
    if (!this.started) return true;
    this.started = false;
    const loopsStopped = Promise.all([...this.loops.values()].map((loop) => loop.stop()));
    this.loops.clear();
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      loopsStopped.then(() => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (!finished) {
      for (const run of this.inFlight) {
        if (run.id === undefined) continue;
        this.options.log.warn(
          { queue: run.queue, job: run.id },
          `background job still running after ${timeoutMs} ms: marked failed, to be retried`,
        );
        await this.boss
          .fail(run.queue, run.id, { message: "the process stopped while the job ran" })
          .catch((error: unknown) => this.options.log.warn({ err: error }, "could not mark the job failed"));
      }
    }
    // Its own timers only: the timekeeper's internal queue, maintenance. Not graceful: nothing of ours is left.
    await this.boss.stop({ graceful: false, close: false });
    return finished;
  }

  /**
   * Runs the next job of the queue that is due, if any. Tracked from before the fetch, so
   * a runDue() that found nothing because this process's worker just took the job waits
   * for that run instead of returning early.
   */
  private async takeOne(
    declaration: AnyJobDeclaration<Context>,
    ignoreStartAfter: boolean,
  ): Promise<JobOutcome | undefined> {
    const entry: InFlight = { queue: declaration.name, id: undefined, done: Promise.resolve(undefined) };
    entry.done = this.fetchAndRun(declaration, ignoreStartAfter, entry);
    this.inFlight.add(entry);
    try {
      return await entry.done;
    } finally {
      this.inFlight.delete(entry);
    }
  }

  private async fetchAndRun(
    declaration: AnyJobDeclaration<Context>,
    ignoreStartAfter: boolean,
    entry: InFlight,
  ): Promise<JobOutcome | undefined> {
    const [job] = await this.boss.fetch<object>(declaration.name, {
      includeMetadata: true,
      batchSize: 1,
      ignoreStartAfter,
    });
    if (!job) return undefined;
    entry.id = job.id;
    const outcome = await executeJob(this.boss, declaration, job, this.options.context());
    if (outcome.state !== "completed") {
      this.options.log.warn(
        { queue: outcome.queue, job: outcome.id, error: outcome.output },
        outcome.state === "failed"
          ? `background job ${outcome.queue} failed for good (retries spent)`
          : `background job ${outcome.queue} failed; it will be retried`,
      );
    }
    if (outcome.state === "failed") this.options.onFailed?.(declaration.name);
    for (const outcomes of this.collectors) outcomes.push(outcome);
    return outcome;
  }

  /** The declared cron schedules, and none left over from jobs no longer scheduled. */
  private async applySchedules(): Promise<void> {
    const scheduled = new Set<string>();
    for (const declaration of this.options.declarations) {
      if (!declaration.schedule) continue;
      scheduled.add(declaration.name);
      await this.boss.schedule(declaration.name, declaration.schedule.cron, declaration.schedule.data, {
        tz: "UTC",
      });
    }
    for (const existing of await this.boss.getSchedules()) {
      if (!scheduled.has(existing.name)) await this.boss.unschedule(existing.name);
    }
  }
}
