// PostgreSQL goes away under a steady stream of POST /appeals and comes back:
// requests answer 503 problem+json within seconds (no hang), /ready says 503,
// the app recovers by itself, every acknowledged appeal is stored exactly once,
// and retrying the failed requests with their Idempotency-Key creates no duplicate.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isDatabaseUnavailable } from "../../src/http/database-errors.js";
import { createOperator, createSource, setWeights } from "../helpers/factories.js";
import { query } from "../helpers/sql.js";
import { type AppOptions, type RunningApp, startTestApp } from "../helpers/test-app.js";
import { createTestDatabase, onRealServer, type TestDatabase } from "../helpers/test-database.js";
import { PROBLEM_CONTENT_TYPE } from "../http/problem-assertions.js";
import { TcpProxy } from "./tcp-proxy.js";

type Attempt = {
  key: string;
  payload: { lead_external_id: string; source_id: number; message: string };
  startedAt: number;
  ms: number;
  status: number;
  code?: string;
  contentType?: string;
  appealId?: number;
  /** Answered from the idempotency key: the first request had been stored. */
  replayed?: boolean;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

/** An app on a fresh test database, reaching PostgreSQL only through a proxy the test can cut. */
async function startBehindProxy(
  options: AppOptions,
): Promise<{ database: TestDatabase; proxy: TcpProxy; running: RunningApp }> {
  const database = await createTestDatabase();
  const direct = new URL(database.url);
  const proxy = new TcpProxy(direct.hostname, Number(direct.port || 5432));
  const viaProxy = new URL(database.url);
  viaProxy.port = String(await proxy.start());
  return { database, proxy, running: await startTestApp(viaProxy.toString(), options) };
}

describe.skipIf(!onRealServer)("database outage", () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let running: RunningApp;
  let sourceId: number;

  beforeAll(async () => {
    // The production settings: 5 s statement and connection timeouts, a 10 s request deadline.
    ({ database, proxy, running } = await startBehindProxy({
      poolSize: 5,
      statementTimeoutMs: 5_000,
      http: { requestTimeoutMs: 10_000 },
    }));
    const operator = await createOperator(running.app, { max_load: 10_000 });
    sourceId = (await createSource(running.app)).id;
    await setWeights(running.app, sourceId, [{ operator_id: operator.id, weight: 1 }]);
  });

  afterAll(async () => {
    await running?.close();
    await proxy?.stop();
    await database?.drop();
  });

  let sequence = 0;
  async function post(attempt: Omit<Attempt, "startedAt" | "ms" | "status">): Promise<Attempt> {
    const startedAt = performance.now();
    const response = await running.app.inject({
      method: "POST",
      url: "/appeals",
      headers: { "idempotency-key": attempt.key },
      payload: attempt.payload,
    });
    const result: Attempt = {
      ...attempt,
      startedAt,
      ms: performance.now() - startedAt,
      status: response.statusCode,
      contentType: String(response.headers["content-type"]),
      replayed: response.headers["idempotency-replayed"] === "true",
    };
    const body = response.json() as { code?: string; appeal_id?: number };
    if (response.statusCode < 300) result.appealId = body.appeal_id as number;
    else result.code = body.code as string;
    return result;
  }

  function newAttempt(): Omit<Attempt, "startedAt" | "ms" | "status"> {
    sequence += 1;
    return {
      key: `outage-key-${sequence}`,
      payload: { lead_external_id: `outage-lead-${sequence}`, source_id: sourceId, message: `#${sequence}` },
    };
  }

  async function ready(): Promise<{ status: number; ms: number }> {
    const started = performance.now();
    const response = await running.app.inject({ method: "GET", url: "/ready" });
    return { status: response.statusCode, ms: performance.now() - started };
  }

  it("answers 503 quickly while PostgreSQL is away, recovers by itself, and loses or duplicates nothing", async () => {
    const attempts: Attempt[] = [];
    let loading = true;
    const worker = async () => {
      while (loading) attempts.push(await post(newAttempt()));
    };
    const workers = Array.from({ length: 4 }, worker);

    // Phases end on counts, not on time: the machines are shared and their speed varies.
    const until = async (done: () => boolean) => {
      const started = performance.now();
      while (!done() && performance.now() - started < 30_000) await sleep(50);
    };
    await until(() => attempts.filter((a) => a.status === 201).length >= 20);
    const cutAt = performance.now();
    await proxy.cut();
    await sleep(300);
    const readyWhileDown = await ready();
    await until(() => attempts.filter((a) => a.startedAt >= cutAt + 50).length >= 30);
    await sleep(1_000);
    const restoredAt = performance.now();
    await proxy.restore();
    let readyAgain = await ready();
    while (readyAgain.status !== 200 && performance.now() - restoredAt < 15_000) {
      await sleep(100);
      readyAgain = await ready();
    }
    const readyAfterMs = performance.now() - restoredAt;
    await until(() => attempts.filter((a) => a.startedAt >= restoredAt + readyAfterMs).length >= 20);
    loading = false;
    await Promise.all(workers);

    const before = attempts.filter((a) => a.startedAt + a.ms < cutAt);
    const during = attempts.filter((a) => a.startedAt >= cutAt + 50 && a.startedAt + a.ms < restoredAt);
    const after = attempts.filter((a) => a.startedAt >= restoredAt + readyAfterMs);
    const failed = attempts.filter((a) => a.status !== 201);
    console.info(
      `[outage] ${attempts.length} requests: ${before.length} before the cut, ${during.length} during ` +
        `(median ${median(during.map((a) => a.ms)).toFixed(1)} ms, max ${Math.max(...during.map((a) => a.ms)).toFixed(1)} ms), ` +
        `${after.length} after; ${failed.length} failed; /ready down in ${readyWhileDown.ms.toFixed(1)} ms, ` +
        `up again ${readyAfterMs.toFixed(0)} ms after the restore`,
    );

    // Before: a steady stream of 201s.
    expect(before.length).toBeGreaterThan(10);
    expect(before.every((a) => a.status === 201)).toBe(true);
    // During: 503 problem+json `unavailable`, each within a few seconds; never a hang or a 500.
    expect(during.length).toBeGreaterThan(10);
    for (const attempt of during) {
      expect(attempt.status, attempt.key).toBe(503);
      expect(attempt.contentType).toBe(PROBLEM_CONTENT_TYPE);
      expect(attempt.code).toBe("unavailable");
    }
    for (const attempt of failed) {
      expect([503], attempt.key).toContain(attempt.status);
      expect(["unavailable", "timeout"]).toContain(attempt.code);
    }
    expect(readyWhileDown.status).toBe(503);
    // Back by itself: /ready and intake succeed again.
    expect(readyAgain.status).toBe(200);
    expect(after.length).toBeGreaterThan(5);
    expect(after.every((a) => a.status === 201)).toBe(true);
    expect((await running.app.inject({ method: "GET", url: "/health" })).statusCode).toBe(200);

    // Every acknowledged appeal is stored, once, under its key.
    const stored = await query<{ key: string; appeal_id: number; lead: string }>(
      database.url,
      `SELECT k.key, k.appeal_id, l.external_id AS lead
       FROM idempotency_keys k JOIN appeals a ON a.id = k.appeal_id JOIN leads l ON l.id = a.lead_id`,
    );
    const byKey = new Map(stored.map((row) => [row.key, row]));
    for (const attempt of attempts.filter((a) => a.status === 201)) {
      expect(byKey.get(attempt.key)?.appeal_id, attempt.key).toBe(attempt.appealId);
    }

    // Retrying each failed request with its key yields exactly one appeal per key.
    for (const attempt of failed) {
      const retry = await post({ key: attempt.key, payload: attempt.payload });
      expect([200, 201], `${attempt.key}: ${retry.status} ${retry.code}`).toContain(retry.status);
      // A replay only if the failed attempt had in fact committed before its connection broke.
      expect(retry.replayed, attempt.key).toBe(byKey.has(attempt.key));
    }
    console.info(
      `[outage] retried ${failed.length} failed requests: ` +
        `${failed.filter((a) => byKey.has(a.key)).length} had committed before their connection broke (replayed)`,
    );
    const [totals] = await query<{ appeals: number; keys: number; leads: number; max_per_lead: number }>(
      database.url,
      `SELECT (SELECT count(*)::int FROM appeals) AS appeals,
              (SELECT count(*)::int FROM idempotency_keys) AS keys,
              (SELECT count(*)::int FROM leads WHERE external_id LIKE 'outage-lead-%') AS leads,
              (SELECT coalesce(max(n), 0)::int FROM (SELECT count(*) AS n FROM appeals GROUP BY lead_id) x) AS max_per_lead`,
    );
    expect(totals).toEqual({
      appeals: attempts.length,
      keys: attempts.length,
      leads: attempts.length,
      max_per_lead: 1,
    });
  });
});

describe.skipIf(!onRealServer)("database that stops answering", () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let running: RunningApp;

  beforeAll(async () => {
    // Short timeouts, so the test is quick; production's are 5 s each (config.ts).
    ({ database, proxy, running } = await startBehindProxy({
      poolSize: 3,
      statementTimeoutMs: 1_000,
      connectionTimeoutMs: 1_000,
      http: { requestTimeoutMs: 10_000 },
    }));
  });

  afterAll(async () => {
    await running?.close();
    await proxy?.stop();
    await database?.drop();
  });

  it("answers 503 within the statement and connection timeouts when packets are dropped, then recovers", async () => {
    const source = await createSource(running.app);
    const post = (n: number) =>
      running.app.inject({
        method: "POST",
        url: "/appeals",
        headers: { "idempotency-key": `frozen-key-${n}` },
        payload: { lead_external_id: `frozen-lead-${n}`, source_id: source.id },
      });
    expect((await post(0)).statusCode).toBe(201); // the pool holds an open connection now

    proxy.freeze();
    const started = performance.now();
    const [ready, ...answers] = await Promise.all([
      running.app.inject({ method: "GET", url: "/ready" }),
      ...[1, 2, 3, 4, 5, 6].map(post),
    ]);
    const elapsed = performance.now() - started;
    console.info(`[frozen] 6 requests and /ready answered within ${elapsed.toFixed(0)} ms`);
    expect(ready?.statusCode).toBe(503);
    for (const answer of answers) {
      expect(answer.statusCode, answer.body).toBe(503);
      expect(answer.headers["content-type"]).toBe(PROBLEM_CONTENT_TYPE);
      expect(["unavailable", "timeout"]).toContain((answer.json() as { code: string }).code);
    }

    await proxy.restore();
    let readyAgain = 0;
    for (let i = 0; i < 50 && readyAgain !== 200; i++) {
      readyAgain = (await running.app.inject({ method: "GET", url: "/ready" })).statusCode;
      if (readyAgain !== 200) await sleep(100);
    }
    expect(readyAgain).toBe(200);
    for (const n of [1, 2, 3, 4, 5, 6]) expect([200, 201]).toContain((await post(n)).statusCode);
    const [totals] = await query<{ appeals: number; keys: number }>(
      database.url,
      "SELECT (SELECT count(*)::int FROM appeals) AS appeals, (SELECT count(*)::int FROM idempotency_keys) AS keys",
    );
    expect(totals).toEqual({ appeals: 7, keys: 7 });
  });
});

describe("recognising a lost database", () => {
  // The shapes Prisma gave in this test's outage: a connection dropped mid-query
  // (ECONNRESET, "ConnectionClosed") and a refused one ("DatabaseNotReachable").
  it.each(["ConnectionClosed", "DatabaseNotReachable", "SocketTimeout", "TooManyConnections"])(
    "reads the adapter's %s as unavailable (503), not as a 500",
    (kind) => {
      const error = Object.assign(new Error("Raw query failed. Code: `N/A`."), {
        code: "P2010",
        meta: { driverAdapterError: { name: "DriverAdapterError", cause: { kind } } },
      });
      expect(isDatabaseUnavailable(error)).toBe(true);
    },
  );
});
