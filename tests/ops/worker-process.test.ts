// Where background jobs run, with the real processes: in the API by default (on the
// embedded database too), or in `npm run worker` (src/worker.ts) beside API instances
// started with WORKERS=false on one PostgreSQL server; the worker refuses the
// embedded database, and stops on SIGTERM with exit code 0.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { connectDatabase } from "../../src/db/prisma.js";
import type { JobContext } from "../../src/deps.js";
import { JobQueue } from "../../src/jobs/job-queue.js";
import { idempotencyKeyPurge } from "../../src/modules/appeals/appeal.jobs.js";
import { MODULES } from "../../src/modules/index.js";
import { jobsOf } from "../../src/modules/module.js";
import { query } from "../helpers/sql.js";
import { createTestDatabase, onRealServer, type TestDatabase } from "../helpers/test-database.js";
import { type Receiver, startReceiver } from "../helpers/webhook-receiver.js";
import { type Child, runTs } from "../modules/auth/child-process.js";

/** Starting a process through tsx takes seconds, the embedded database more, on a busy machine. */
const PROCESS_TEST_TIMEOUT_MS = 180_000;

const children: Child[] = [];
const databases: TestDatabase[] = [];
const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(children.splice(0).map((child) => child.stop()));
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
  await Promise.all(databases.splice(0).map((database) => database.drop()));
});

function start(script: "src/server.ts" | "src/worker.ts", env: Record<string, string>): Child {
  const child = runTs(script, [], { PORT: "0", LOG_LEVEL: "info", AUTH: "off", ...env });
  children.push(child);
  return child;
}

async function listeningPort(child: Child): Promise<number> {
  const [, port] = await child.waitFor(/Server listening at http:\/\/[^"\s]+:(\d+)/, 120_000);
  return Number(port);
}

/** Waits for a condition the processes make true (bounded); never a fixed sleep. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("npm run worker on the embedded database", () => {
  it(
    "refuses to start without DATABASE_URL, saying why",
    async () => {
      const worker = start("src/worker.ts", { DATA_DIR: mkdtempSync(join(tmpdir(), "lds-worker-")) });
      expect(await worker.exited).toBe(1);
      expect(worker.stderr()).toContain(
        "npm run worker needs DATABASE_URL: the embedded database (DATA_DIR) serves one process, the API",
      );
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it(
    "and the API refuses WORKERS=false there: no worker could run the jobs",
    async () => {
      const api = start("src/server.ts", {
        DATA_DIR: mkdtempSync(join(tmpdir(), "lds-worker-")),
        WORKERS: "false",
      });
      expect(await api.exited).toBe(1);
      expect(api.stderr()).toContain("WORKERS=false needs DATABASE_URL");
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it(
    "the API runs the jobs itself there: pg-boss starts on the embedded database, its queues exist",
    async () => {
      const api = start("src/server.ts", { DATA_DIR: mkdtempSync(join(tmpdir(), "lds-worker-")) });
      const port = await listeningPort(api);
      await api.waitFor(/background jobs: run in this process \(WORKERS=true\)/);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toContain('lds_jobs{queue="appeals.idempotency-key-purge",state="created"} 0\n');
      expect(metrics).toContain('lds_jobs_failed_total{queue="appeals.idempotency-key-purge"} 0\n');
      expect(await api.stop()).toBe(0);
    },
    PROCESS_TEST_TIMEOUT_MS,
  );
});

describe.skipIf(!onRealServer)(
  "API instances with WORKERS=false and npm run worker on one PostgreSQL",
  () => {
    it(
      "the API only sends, the worker runs the job, and both stop cleanly on SIGTERM",
      async () => {
        const database = await createTestDatabase();
        databases.push(database);
        const env = { DATABASE_URL: database.url, WEBHOOK_ALLOW_PRIVATE_URLS: "true" };
        const api = start("src/server.ts", { ...env, WORKERS: "false" });
        const port = await listeningPort(api);
        await api.waitFor(/background jobs: WORKERS=false, this instance only sends them/);
        // Webhook delivery is background work too: the worker's, not this API's.
        const hook = await startReceiver();
        receivers.push(hook);
        const registered = await fetch(`http://127.0.0.1:${port}/webhooks`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ url: hook.url, event_types: ["appeal.created"] }),
        });
        expect(registered.status).toBe(201);
        hook.secret = ((await registered.json()) as { secret: string }).secret;

        // An idempotency key older than 24 hours, stored through the API.
        const source = await fetch(`http://127.0.0.1:${port}/sources`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: "worker source" }),
        });
        const { id: sourceId } = (await source.json()) as { id: number };
        const appeal = await fetch(`http://127.0.0.1:${port}/appeals`, {
          method: "POST",
          headers: { "content-type": "application/json", "idempotency-key": "worker-old-key" },
          body: JSON.stringify({ source_id: sourceId, lead_external_id: "worker-lead" }),
        });
        expect(appeal.status).toBe(201);
        await query(database.url, "UPDATE idempotency_keys SET created_at = now() - interval '25 hours'");

        // The purge, sent as any instance would (the API created its queue at start).
        const pool = connectDatabase({ url: database.url, poolSize: 1 });
        const sender = new JobQueue<never>({
          pool: pool.pool,
          declarations: jobsOf(MODULES),
          context: () => ({}) as never,
          workers: false,
          pollIntervalMs: 1_000,
          log: { warn() {} },
        });
        let id: string | null;
        try {
          await sender.start();
          id = await sender.send(idempotencyKeyPurge, {});
          await sender.stop({ timeoutMs: 0 });
        } finally {
          await pool.close();
        }
        const state = () =>
          query<{ state: string; output: unknown }>(
            database.url,
            "SELECT state::text, output FROM pgboss.job WHERE id = $1",
            [id],
          );
        expect(await state()).toEqual([{ state: "created", output: null }]);

        // Everything so far ran with the API alone: it sent no webhook.
        expect(hook.received).toEqual([]);
        const worker = start("src/worker.ts", { ...env, JOBS_POLL_INTERVAL_MS: "200" });
        await worker.waitFor(
          /worker: running background jobs \(appeals\.idempotency-key-purge, bot-state\.idle-purge, bookings\.reminder\)/,
          120_000,
        );
        const done = await until(state, (rows) => rows[0]?.state === "completed", "the purge job");
        expect(done).toEqual([{ state: "completed", output: { forgotten: 1 } }]);
        expect(await query(database.url, "SELECT key FROM idempotency_keys")).toEqual([]);
        await until(
          async () => hook.received,
          (received) => received.length > 0,
          "the webhook delivery",
        );
        expect(hook.received.map((r) => [r.type, r.verified])).toEqual([["appeal.created", true]]);

        expect(await worker.stop()).toBe(0);
        expect(worker.stdout()).toContain("SIGTERM received: finishing the jobs in flight");
        expect(worker.stdout()).toContain("worker closed");
        expect(await api.stop()).toBe(0);
      },
      PROCESS_TEST_TIMEOUT_MS,
    );
  },
);
