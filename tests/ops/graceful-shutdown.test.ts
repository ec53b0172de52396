// SIGTERM during load on the real server process: it stops accepting, lets the
// requests in flight finish, closes the pool and exits 0; every appeal it stored
// got its 201, and every 201 is stored exactly once.
import http from "node:http";
import net from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { query } from "../helpers/sql.js";
import { startTestApp } from "../helpers/test-app.js";
import { createTestDatabase, onRealServer, type TestDatabase } from "../helpers/test-database.js";
import { type Answer, request, type ServerProcess, startServer } from "./server-process.js";

type Outcome = {
  key: string;
  startedAt: number;
  endedAt: number;
  answer?: Answer;
  error?: string;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Starting the server through tsx takes seconds, many more on a busy machine. */
const PROCESS_TEST_TIMEOUT_MS = 120_000;

async function json<T>(answer: Promise<Answer>, status: number): Promise<T> {
  const { status: actual, body } = await answer;
  expect(actual, body).toBe(status);
  return JSON.parse(body) as T;
}

/** An operator and a source with a weight for it, through the server's API. */
async function setUp(port: number): Promise<{ operatorId: number; sourceId: number }> {
  const operator = await json<{ id: number }>(
    request(port, "POST", "/operators", { name: "shutdown operator", max_load: 10_000 }),
    201,
  );
  const source = await json<{ id: number }>(
    request(port, "POST", "/sources", { name: "shutdown source" }),
    201,
  );
  await json(
    request(port, "POST", `/sources/${source.id}/weights`, [{ operator_id: operator.id, weight: 1 }]),
    200,
  );
  return { operatorId: operator.id, sourceId: source.id };
}

/** Holds the operator's row lock, so every assignment to it waits: requests stay in flight on demand. */
async function lockOperator(url: string, operatorId: number): Promise<{ release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query("BEGIN");
  await client.query("SELECT id FROM operators WHERE id = $1 FOR UPDATE", [operatorId]);
  return {
    async release() {
      await client.query("COMMIT");
      await client.end();
    },
  };
}

describe.skipIf(!onRealServer)("graceful shutdown", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it(
    "on SIGTERM mid-load, finishes the requests in flight, refuses new ones and exits 0",
    async () => {
      const server: ServerProcess = await startServer({
        DATABASE_URL: database.url,
        SHUTDOWN_TIMEOUT_MS: "10000",
        DATABASE_STATEMENT_TIMEOUT_MS: "10000",
      });
      try {
        const { operatorId, sourceId } = await setUp(server.port);
        const outcomes: Outcome[] = [];
        let sequence = 0;
        let running = true;
        // Half the clients keep their connections alive, as load balancers do.
        const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 3 });
        const worker = async (index: number) => {
          while (running) {
            sequence += 1;
            const key = `shutdown-key-${sequence}`;
            const outcome: Outcome = { key, startedAt: performance.now(), endedAt: 0 };
            try {
              outcome.answer = await request(
                server.port,
                "POST",
                "/appeals",
                { lead_external_id: `shutdown-lead-${sequence}`, source_id: sourceId },
                { "idempotency-key": key },
                index % 2 === 0 ? keepAlive : false,
              );
            } catch (error) {
              outcome.error = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
              running = false; // the server is gone: stop like a client would
            }
            outcome.endedAt = performance.now();
            outcomes.push(outcome);
          }
        };
        const workers = Array.from({ length: 6 }, (_, index) => worker(index));

        // Steady load first, then every worker's request held in flight by the row lock.
        while (outcomes.filter((o) => o.answer?.status === 201).length < 30) await sleep(20);
        const lock = await lockOperator(database.url, operatorId);
        await sleep(500);
        const sigtermAt = performance.now();
        server.child.kill("SIGTERM");
        await sleep(700);
        const releasedAt = performance.now();
        // Still draining: alive, and new connections are refused.
        expect(server.child.exitCode, server.output()).toBeNull();
        const refused = await request(server.port, "GET", "/health").then(
          (answer) => `answered ${answer.status}`,
          (error: NodeJS.ErrnoException) => error.code,
        );
        expect(refused).toBe("ECONNREFUSED");
        await lock.release();

        const { code, at } = await server.exited;
        running = false;
        await Promise.all(workers);
        keepAlive.destroy();
        const inFlightCount = () =>
          outcomes.filter((o) => o.startedAt < sigtermAt - 100 && o.endedAt > sigtermAt).length;
        console.info(
          `[shutdown] exit ${code} ${(at - sigtermAt).toFixed(0)} ms after SIGTERM, ${(at - releasedAt).toFixed(0)} ms after ` +
            `the requests in flight were let go; ${inFlightCount()} in flight at SIGTERM; ` +
            `${outcomes.length} requests, ${outcomes.filter((o) => o.answer?.status === 201).length} answered 201`,
        );
        expect(code, server.output()).toBe(0);
        expect(at - sigtermAt).toBeLessThan(10_000);

        // The requests in flight at SIGTERM (held by the lock) all finished with their 201.
        const inFlight = outcomes.filter((o) => o.startedAt < sigtermAt - 100 && o.endedAt > sigtermAt);
        expect(inFlight.length).toBeGreaterThanOrEqual(1);
        for (const outcome of inFlight) expect(outcome.answer?.status, outcome.error).toBe(201);
        // Every other outcome: a 201, or refused without an answer (the connection came too late).
        for (const outcome of outcomes) {
          if (outcome.answer) expect(outcome.answer.status, outcome.answer.body).toBe(201);
          else expect(["ECONNREFUSED", "ECONNRESET"]).toContain(outcome.error);
        }

        // Stored = answered 201, key for key: nothing stored without its answer, nothing twice.
        const acknowledged = outcomes.filter((o) => o.answer?.status === 201).map((o) => o.key);
        const stored = await query<{ key: string }>(
          database.url,
          "SELECT key FROM idempotency_keys ORDER BY key",
        );
        expect(stored.map((row) => row.key).sort()).toEqual([...acknowledged].sort());
        const [counts] = await query<{ appeals: number; leads: number }>(
          database.url,
          `SELECT (SELECT count(*)::int FROM appeals) AS appeals,
                (SELECT count(*)::int FROM leads) AS leads`,
        );
        expect(counts).toEqual({ appeals: acknowledged.length, leads: acknowledged.length });
        // No connection of the server's pool is left on the database.
        const [sessions] = await query<{ n: number }>(
          database.url,
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
        );
        expect(sessions?.n).toBe(0);
      } finally {
        if (server.child.exitCode === null) server.child.kill("SIGKILL");
      }
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it(
    "bounds the wait by SHUTDOWN_TIMEOUT_MS: a request stuck past it loses its connection and the process exits",
    async () => {
      const server = await startServer({
        DATABASE_URL: database.url,
        SHUTDOWN_TIMEOUT_MS: "500",
        DATABASE_STATEMENT_TIMEOUT_MS: "1500",
      });
      try {
        // The first test's operator and source, whose weight sends every appeal to that operator.
        const [ids] = await query<{ operator_id: number; source_id: number }>(
          database.url,
          "SELECT operator_id, source_id FROM operator_weights ORDER BY source_id LIMIT 1",
        );
        const lock = await lockOperator(database.url, ids?.operator_id as number);
        try {
          const stuck = request(
            server.port,
            "POST",
            "/appeals",
            { lead_external_id: "stuck-lead", source_id: ids?.source_id },
            { "idempotency-key": "stuck-key" },
          ).then(
            (answer) => `answered ${answer.status}`,
            (error: NodeJS.ErrnoException) => error.code ?? error.message,
          );
          await sleep(500);
          const sigtermAt = performance.now();
          server.child.kill("SIGTERM");
          const { code, at } = await server.exited;
          console.info(
            `[shutdown] started in ${server.startMs.toFixed(0)} ms; forced: exit ${code} ${(at - sigtermAt).toFixed(0)} ms after SIGTERM`,
          );
          // Forced: the connection was cut at the deadline, and the statement cancelled at its timeout,
          // which the pool's close waited for; exit 1 says the close was not clean.
          expect(await stuck).toMatch(/ECONNRESET|socket hang up/);
          expect(code, server.output()).toBe(1);
          expect(at - sigtermAt).toBeLessThan(5_000);
          expect(server.output()).toContain("requests still in flight after 500 ms");
        } finally {
          await lock.release();
        }
        // The cancelled statement wrote nothing.
        expect(await query(database.url, "SELECT key FROM idempotency_keys WHERE key = 'stuck-key'")).toEqual(
          [],
        );
      } finally {
        if (server.child.exitCode === null) server.child.kill("SIGKILL");
      }
    },
    PROCESS_TEST_TIMEOUT_MS,
  );
});

describe("closing the app", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  /** A raw connection that records what it receives and when it is closed. */
  async function connection(port: number) {
    const socket = net.connect(port, "127.0.0.1");
    const state = { received: "", closed: false };
    socket.setEncoding("utf8");
    socket.on("data", (chunk) => {
      state.received += chunk;
    });
    const closed = new Promise<void>((resolve) =>
      socket.on("close", () => {
        state.closed = true;
        resolve();
      }),
    );
    await new Promise((resolve) => socket.once("connect", resolve));
    return { socket, state, closed };
  }

  it("finishes a request in flight on a kept-alive connection, then closes it; a late request gets 503 problem+json", async () => {
    const running = await startTestApp(database.url, {
      poolSize: 1,
      configure: (app) => {
        app.get("/test/slow", { config: { access: "public" } }, async () => {
          await sleep(500);
          return { done: true };
        });
      },
    });
    await running.app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = running.app.server.address() as net.AddressInfo;
    // A: a request in flight when the close begins. B: a request whose headers are not complete
    // yet, so it is routed only after the close began.
    const a = await connection(port);
    const b = await connection(port);
    a.socket.write("GET /test/slow HTTP/1.1\r\nHost: localhost\r\n\r\n");
    b.socket.write("GET /operators HTTP/1.1\r\nHost: localhost\r\n");
    await sleep(100);
    const closed = running.app.close();
    await sleep(50);
    b.socket.write("\r\n");
    await Promise.all([a.closed, b.closed, closed]);
    await running.database.close();

    // The request in flight got its answer, with Connection: close, instead of holding the
    // server open for the keep-alive timeout (72 s): the close took about the request's time.
    expect(a.state.received).toMatch(/^HTTP\/1\.1 200 /);
    expect(a.state.received).toMatch(/\r\nconnection: close\r\n/i);
    expect(a.state.received).toContain('{"done":true}');
    expect(b.state.received).toMatch(/^HTTP\/1\.1 503 /);
    expect(b.state.received).toMatch(/\r\ncontent-type: application\/problem\+json; charset=utf-8\r\n/i);
    expect(b.state.received).toMatch(/\r\nconnection: close\r\n/i);
    expect(b.state.received).toContain('"code":"shutting_down"');
  });
});
