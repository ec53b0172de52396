// The jobs layer on pg-boss, on the service's own pool: on the test database and,
// when that is a real server, on an embedded PGlite of the file's own too (the
// zero-setup default). Sent in a transaction: only a commit makes a job. Retries
// with backoff end in `failed`, counted; schedules are due by pg-boss's rule; stop()
// lets the running job finish, bounded. Nothing sleeps: runDue() runs what is due.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "../../src/db/embedded.js";
import { connectDatabase, type Database } from "../../src/db/prisma.js";
import { type AnyJobDeclaration, defineJob } from "../../src/jobs/job.js";
import { JobQueue } from "../../src/jobs/job-queue.js";
import { createMetrics } from "../../src/modules/metrics/metrics.js";
import { unique } from "../helpers/factories.js";
import { query } from "../helpers/sql.js";
import { createTestDatabase, onRealServer } from "../helpers/test-database.js";

type Place = { url: string; close(): Promise<void> };

const targets: { name: string; open(): Promise<Place> }[] = [
  {
    name: "the test database",
    async open() {
      const database = await createTestDatabase();
      return { url: database.url, close: () => database.drop() };
    },
  },
  // On the embedded fallback the test database is a PGlite already.
  ...(onRealServer
    ? [
        {
          name: "an embedded PGlite",
          async open(): Promise<Place> {
            const embedded = await startEmbeddedPostgres(mkdtempSync(join(tmpdir(), "lds-jobs-")));
            return { url: embedded.url, close: () => embedded.stop() };
          },
        },
      ]
    : []),
];

type Context = { ran: string[] };

/** A job that records its note and returns it. */
const noting = (name = unique("test.note")) =>
  defineJob({
    name,
    policy: "standard",
    retry: { limit: 0, delaySeconds: 0, backoff: false },
    run: async ({ data }: { data: { note: string } }, context: Context) => {
      context.ran.push(data.note);
      return { noted: data.note };
    },
  });

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe.each(targets)("JobQueue on $name", (target) => {
  let place: Place;
  let database: Database;
  const queues: JobQueue<Context>[] = [];
  const context: Context = { ran: [] };

  beforeAll(async () => {
    place = await target.open();
    database = connectDatabase({ url: place.url, poolSize: 10 });
    await database.pool.query("CREATE TABLE job_test_notes (note text PRIMARY KEY)");
  }, 120_000);
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((queue) => queue.stop({ timeoutMs: 1_000 })));
    context.ran.length = 0;
  });
  afterAll(async () => {
    await database?.close();
    await place?.close();
  });

  async function startQueue(
    declarations: AnyJobDeclaration<Context>[],
    { workers = false, onFailed }: { workers?: boolean; onFailed?: (queue: string) => void } = {},
  ): Promise<JobQueue<Context>> {
    const queue = new JobQueue<Context>({
      pool: database.pool,
      declarations,
      context: () => context,
      workers,
      pollIntervalMs: 60_000, // never reached: a send wakes this process's worker, runDue() does the rest
      log: { warn() {} },
      ...(onFailed && { onFailed }),
    });
    queues.push(queue);
    await queue.start();
    return queue;
  }

  it("creates pg-boss's schema and every declared queue with its policy and retries at start", async () => {
    const note = noting();
    const failing = defineJob({
      name: unique("test.policy"),
      policy: "stately",
      retry: { limit: 4, delaySeconds: 30, backoff: true },
      expireInSeconds: 120,
      run: async () => undefined,
    });
    await startQueue([note, failing]);
    const rows = await query(
      place.url,
      `SELECT name, policy, retry_limit, retry_delay, retry_backoff, expire_seconds
       FROM pgboss.queue WHERE name = ANY($1) ORDER BY name`,
      [[note.name, failing.name]],
    );
    expect(rows).toEqual(
      [
        {
          name: note.name,
          policy: "standard",
          retry_limit: 0,
          retry_delay: 0,
          retry_backoff: false,
          expire_seconds: null,
        },
        {
          name: failing.name,
          policy: "stately",
          retry_limit: 4,
          retry_delay: 30,
          retry_backoff: true,
          expire_seconds: 120,
        },
      ].sort((a, b) => a.name.localeCompare(b.name)),
    );
  });

  it("sends in a Prisma transaction: a rollback leaves no job, a commit's job runs", async () => {
    const note = noting();
    const queue = await startQueue([note]);
    let rolledBack: string | null = null;
    await expect(
      database.prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe("INSERT INTO job_test_notes (note) VALUES ('prisma-rolled-back')");
        rolledBack = await queue.send(note, { note: "prisma-rolled-back" }, { transaction: tx });
        throw new Error("the change fails after the job was sent");
      }),
    ).rejects.toThrow("the change fails after the job was sent");
    const committed = await database.prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe("INSERT INTO job_test_notes (note) VALUES ('prisma-committed')");
      return queue.send(note, { note: "prisma-committed" }, { transaction: tx });
    });

    expect(rolledBack).toMatch(/^[0-9a-f-]{36}$/);
    expect(await queue.getJob(note.name, rolledBack as unknown as string)).toBeNull();
    const outcomes = await queue.runDue();
    expect(outcomes).toEqual([
      { queue: note.name, id: committed, state: "completed", output: { noted: "prisma-committed" } },
    ]);
    expect(context.ran).toEqual(["prisma-committed"]);
    expect((await queue.getJob(note.name, committed as string))?.state).toBe("completed");
    expect(await query(place.url, "SELECT note FROM job_test_notes WHERE note LIKE 'prisma-%'")).toEqual([
      { note: "prisma-committed" },
    ]);
  });

  it("sends in a raw pg transaction (BEGIN on a pooled connection) the same way", async () => {
    const note = noting();
    const queue = await startQueue([note]);
    const client = await database.pool.connect();
    let rolledBack: string | null;
    let committed: string | null;
    try {
      await client.query("BEGIN");
      await client.query("INSERT INTO job_test_notes (note) VALUES ('pg-rolled-back')");
      rolledBack = await queue.send(note, { note: "pg-rolled-back" }, { transaction: client });
      await client.query("ROLLBACK");
      await client.query("BEGIN");
      await client.query("INSERT INTO job_test_notes (note) VALUES ('pg-committed')");
      committed = await queue.send(note, { note: "pg-committed" }, { transaction: client });
      await client.query("COMMIT");
    } finally {
      client.release();
    }
    expect(await queue.getJob(note.name, rolledBack as string)).toBeNull();
    expect(await queue.runDue()).toEqual([
      { queue: note.name, id: committed, state: "completed", output: { noted: "pg-committed" } },
    ]);
    expect(context.ran).toEqual(["pg-committed"]);
  });

  it("retries a job that throws with a doubling delay, then ends it failed and counts it; never again", async () => {
    const failing = defineJob({
      name: unique("test.failing"),
      policy: "standard",
      retry: { limit: 2, delaySeconds: 60, backoff: true },
      run: async ({ retryCount }: { retryCount: number }) => {
        throw new Error(`attempt ${retryCount + 1} failed`);
      },
    });
    const metrics = createMetrics({
      pool: database.pool,
      countPending: async () => 0,
      jobQueues: [failing.name],
      countJobs: () => queue.countByState(),
    });
    const queue = await startQueue([failing], { onFailed: (name) => metrics.jobFailed(name) });
    const id = (await queue.send(failing, {})) as string;
    const waitSeconds = async () =>
      (
        await query<{ state: string; retry_count: number; wait: number }>(
          place.url,
          `SELECT state::text, retry_count, extract(epoch FROM start_after - now())::float AS wait
           FROM pgboss.job WHERE id = $1`,
          [id],
        )
      )[0];
    /** The clock moves on to the retry's time (the test clock of the database's rows). */
    const timePasses = () =>
      query(place.url, "UPDATE pgboss.job SET start_after = now() WHERE id = $1", [id]);

    expect(await queue.runDue()).toEqual([
      { queue: failing.name, id, state: "retry", output: "attempt 1 failed" },
    ]);
    // Backoff: the first retry waits 60..120 s (the delay plus up to as much again of jitter).
    const first = await waitSeconds();
    expect(first).toMatchObject({ state: "retry", retry_count: 0 });
    expect(first?.wait).toBeGreaterThan(55);
    expect(first?.wait).toBeLessThanOrEqual(120);
    expect(await queue.runDue()).toEqual([]); // not due yet

    await timePasses();
    expect(await queue.runDue()).toEqual([
      { queue: failing.name, id, state: "retry", output: "attempt 2 failed" },
    ]);
    const second = await waitSeconds();
    expect(second).toMatchObject({ state: "retry", retry_count: 1 });
    expect(second?.wait).toBeGreaterThan(115); // the delay doubled: 120..240 s
    expect(second?.wait).toBeLessThanOrEqual(240);

    expect(await queue.runDue({ includeDelayed: true })).toEqual([
      { queue: failing.name, id, state: "failed", output: "attempt 3 failed" },
    ]);
    expect(await queue.runDue({ includeDelayed: true })).toEqual([]); // failed is final
    const job = await queue.getJob(failing.name, id);
    expect([job?.state, job?.retryCount, (job?.output as { message?: string } | undefined)?.message]).toEqual(
      ["failed", 2, "attempt 3 failed"],
    );

    const exposition = await metrics.registry.metrics();
    expect(exposition).toContain(`lds_jobs_failed_total{queue="${failing.name}"} 1\n`);
    expect(exposition).toContain(`lds_jobs{queue="${failing.name}",state="failed"} 1\n`);
    expect(exposition).toContain(`lds_jobs{queue="${failing.name}",state="retry"} 0\n`);
  });

  it("registers cron schedules where workers run, and runDue({ at }) sends what is due by pg-boss's rule", async () => {
    const hourly = defineJob({
      name: unique("test.yearly"),
      policy: "stately",
      retry: { limit: 1, delaySeconds: 1, backoff: false },
      // Feb 29th at midnight: pg-boss's own timekeeper, running in the worker, never finds it due now.
      schedule: { cron: "0 0 29 2 *", data: { note: "hourly" } },
      run: async ({ data }: { data: { note: string } }, { ran }: Context) => {
        ran.push(data.note);
        return { noted: data.note };
      },
    });
    const sender = await startQueue([hourly], { workers: false });
    const schedules = () =>
      query(place.url, "SELECT name, cron, timezone, data FROM pgboss.schedule WHERE name = $1", [
        hourly.name,
      ]);
    expect(await schedules()).toEqual([]); // WORKERS=false schedules nothing

    const worker = await startQueue([hourly], { workers: true });
    expect(await schedules()).toEqual([
      { name: hourly.name, cron: "0 0 29 2 *", timezone: "UTC", data: { note: "hourly" } },
    ]);
    expect(await worker.runDue({ at: new Date("2028-02-29T00:30:00Z") })).toEqual([]);
    const due = await worker.runDue({ at: new Date("2028-02-29T00:00:30Z") });
    expect(due.map(({ queue, state, output }) => ({ queue, state, output }))).toEqual([
      { queue: hourly.name, state: "completed", output: { noted: "hourly" } },
    ]);
    // Without a clock every schedule counts as due: one run.
    expect((await sender.runDue()).map((outcome) => outcome.state)).toEqual(["completed"]);
    expect(context.ran).toEqual(["hourly", "hourly"]);
  });

  it("on stop, takes no more jobs and waits for the running one to finish", async () => {
    const started = deferred();
    const release = deferred();
    const slow = defineJob({
      name: unique("test.slow"),
      policy: "standard",
      retry: { limit: 1, delaySeconds: 1, backoff: false },
      run: async () => {
        started.resolve();
        await release.promise;
        return { finished: true };
      },
    });
    const queue = await startQueue([slow], { workers: true });
    const id = (await queue.send(slow, {})) as string; // wakes this process's worker
    await started.promise;
    let stopped = false;
    const stopping = queue.stop({ timeoutMs: 30_000 }).then((finished) => {
      stopped = true;
      return finished;
    });
    await Promise.resolve();
    expect(stopped).toBe(false);
    release.resolve();
    expect(await stopping).toBe(true);
    expect((await queue.getJob(slow.name, id))?.state).toBe("completed");
  });

  it("on stop, fails a job still running at the bound, so that it is retried", async () => {
    const started = deferred();
    const stuck = defineJob({
      name: unique("test.stuck"),
      policy: "standard",
      retry: { limit: 1, delaySeconds: 1, backoff: false },
      run: async () => {
        started.resolve();
        await new Promise(() => {}); // never ends
      },
    });
    const queue = await startQueue([stuck], { workers: true });
    const id = (await queue.send(stuck, {})) as string;
    await started.promise;
    expect(await queue.stop({ timeoutMs: 100 })).toBe(false);
    const job = await queue.getJob(stuck.name, id);
    expect([job?.state, (job?.output as { message?: string } | undefined)?.message]).toEqual([
      "retry",
      "the process stopped while the job ran",
    ]);
  });

  it("refuses a job it was not given, and a send before start", async () => {
    const declared = noting();
    const queue = new JobQueue<Context>({
      pool: database.pool,
      declarations: [declared],
      context: () => context,
      workers: false,
      pollIntervalMs: 1_000,
      log: { warn() {} },
    });
    await expect(queue.send(declared, { note: "early" })).rejects.toThrow(
      `job ${declared.name} sent before the job queue started`,
    );
    queues.push(queue);
    await queue.start();
    const stranger = noting();
    await expect(queue.send(stranger, { note: "x" })).rejects.toThrow(
      `job ${stranger.name} is not declared to this job queue (no module lists it)`,
    );
  });
});
