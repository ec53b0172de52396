// Exports stream from a database cursor on the heavy reads' pool: thousands of rows read a batch
// at a time, only as fast as the client takes them (a client that reads nothing holds one batch);
// a client that disconnects mid-export stops the statement (the backend is no longer in it, seen
// in pg_stat_activity) and the pool gets its connection back; a client that stalls is dropped.
import http from "node:http";
import type { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExportFormat } from "../../../src/modules/exports/export.service.js";
import { query } from "../../helpers/sql.js";
import { startTestApp, useTestApp } from "../../helpers/test-app.js";
import { onRealServer } from "../../helpers/test-database.js";
import { readCsv, readXlsx } from "./export-reader.js";

const statements: string[] = [];
const t = useTestApp({ onQuery: (sql) => statements.push(sql) });

const BATCH = 500;
const MANY = 6_000;
/** Leads with 8 KB of notes each: an export far larger than what the sockets' buffers hold. */
const LARGE = 3_000;

/** The statements of the exports' cursors: BEGIN, DECLARE, FETCH, COMMIT/ROLLBACK (keyset SELECTs on PGlite). */
const cursorStatements = () =>
  statements.filter((sql) =>
    onRealServer
      ? /^(BEGIN READ ONLY|COMMIT|ROLLBACK|DECLARE lds_rows|FETCH )/.test(sql)
      : sql.includes("materials_viewed"),
  );
const fetches = () =>
  cursorStatements().filter((sql) => (onRealServer ? sql.startsWith("FETCH") : true)).length;

/** Polls `read` until `done` holds of its value, failing after `timeoutMs`: a wait, not an assertion on time. */
async function eventually<T>(read: () => Promise<T> | T, done: (value: T) => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    value = await read();
  }
  expect(done(value), JSON.stringify(value)).toBe(true);
  return value;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The heavy pool's connections: total, idle, checked out, waiting. */
const heavyPool = () => {
  const pool = t.database.heavyPool;
  return {
    total: pool.totalCount,
    idle: pool.idleCount,
    out: pool.totalCount - pool.idleCount,
    waiting: pool.waitingCount,
  };
};

type Backend = { pid: number; state: string; query: string };

/** This database's backends whose last statement was an export cursor's (FETCH, DECLARE, its ROLLBACK). */
const exportBackends = () =>
  query<Backend>(
    t.testDatabase.url,
    `SELECT pid, state, query FROM pg_stat_activity
     WHERE datname = current_database() AND pid <> pg_backend_pid()
       AND (query LIKE 'FETCH % FROM lds_rows' OR query LIKE 'DECLARE lds_rows %' OR query = 'ROLLBACK')
     ORDER BY pid`,
  );
/** Those still in an export: in its transaction or running its statement. */
const inExport = async () => (await exportBackends()).filter((backend) => backend.state !== "idle");

beforeAll(async () => {
  await query(
    t.testDatabase.url,
    `INSERT INTO leads (external_id, name, tags)
     SELECT 'many-' || n, 'Лид ' || n, ARRAY['many'] FROM generate_series(1, $1::int) n`,
    [MANY],
  );
  // md5 hex: text that compresses poorly, so the XLSX is large too.
  await query(
    t.testDatabase.url,
    `INSERT INTO leads (external_id, name, tags, notes)
     SELECT 'large-' || n, 'Large ' || n, ARRAY['large'],
            (SELECT string_agg(md5(n::text || '.' || i), '') FROM generate_series(1, 250) i)
     FROM generate_series(1, $1::int) n`,
    [LARGE],
  );
});

describe("an export of thousands of rows", () => {
  it.each(["csv", "xlsx"] as const)(
    "streams all %s rows a batch at a time from one cursor",
    async (format) => {
      statements.length = 0;
      const response = await t.app.inject({ method: "GET", url: `/exports/leads.${format}?tag=many` });
      expect(response.statusCode, response.body).toBe(200);
      const rows =
        format === "csv"
          ? readCsv(response.rawPayload)
          : ((await readXlsx(response.rawPayload, 26)).rows as unknown[][]);
      expect(rows).toHaveLength(MANY + 1);
      expect(rows[1]?.slice(1, 3)).toEqual(["many-1", "Лид 1"]);
      expect(rows[MANY]?.slice(1, 3)).toEqual([`many-${MANY}`, `Лид ${MANY}`]);
      const batches = MANY / BATCH + 1; // the last FETCH answers no row
      if (onRealServer) {
        expect(cursorStatements()).toEqual([
          "BEGIN READ ONLY",
          expect.stringMatching(/^DECLARE lds_rows NO SCROLL CURSOR FOR\s+SELECT l\.id/),
          ...Array(batches).fill(`FETCH ${BATCH} FROM lds_rows`),
          "COMMIT",
        ]);
      } else {
        expect(fetches()).toBe(batches);
      }
      expect(heavyPool()).toMatchObject({ out: 0, waiting: 0 });
    },
  );

  it("reads no further than the client takes: unread, a CSV export holds its first batch and the one read ahead", async () => {
    statements.length = 0;
    const file = await t.deps.exports.leads({ tag: "many" }, "csv");
    // The first batch filled the stream's buffers; the second was read while it was written (read
    // ahead), and the export waits for the reader before the third FETCH.
    await eventually(fetches, (count) => count === 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fetches()).toBe(2);
    expect(heavyPool().out).toBe(1);
    const rows = readCsv(await readAll(file.body));
    expect(rows).toHaveLength(MANY + 1);
    expect(fetches()).toBe(MANY / BATCH + 1);
    await eventually(heavyPool, (pool) => pool.out === 0);
  });

  it("reads no further than the client takes: unread, an XLSX export holds about two batches", async () => {
    statements.length = 0;
    // Large rows (8 KB of notes): unless the export waits for the compressor to take each batch
    // (xlsx-sheet.ts), it reads on while the compressed output still fits the buffers: 5 of 7
    // batches. One batch is read ahead of the one written.
    const file = await t.deps.exports.leads({ tag: "large" }, "xlsx");
    let seen = -1;
    await eventually(
      async () => {
        const before = fetches();
        await new Promise((resolve) => setTimeout(resolve, 300));
        seen = fetches();
        return before === seen;
      },
      (still) => still,
    );
    expect(seen).toBeGreaterThanOrEqual(2);
    expect(seen).toBeLessThanOrEqual(3);
    expect(heavyPool().out).toBe(1);
    const { rows } = await readXlsx(await readAll(file.body), 26);
    expect(rows).toHaveLength(LARGE + 1);
    expect(rows[LARGE]?.slice(1, 3)).toEqual([`large-${LARGE}`, `Large ${LARGE}`]);
    expect(fetches()).toBe(LARGE / BATCH + 1);
  });
});

describe("beside the rest of the service", () => {
  it("a waiting export stops no other connection (on PGlite it holds no transaction): a write goes through", async () => {
    const file = await t.deps.exports.leads({ tag: "many" }, "csv");
    expect(heavyPool().out).toBe(1);
    const created = await t.app.inject({
      method: "POST",
      url: "/sources",
      payload: { name: "beside an export" },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(readCsv(await readAll(file.body))).toHaveLength(MANY + 1);
  });

  it.skipIf(!onRealServer)(
    "streams on the heavy reads' pool while every connection of the requests' pool is taken",
    async () => {
      const held = await Promise.all(
        Array.from({ length: t.database.pool.options.max }, () => t.database.pool.connect()),
      );
      try {
        expect(t.database.pool.idleCount).toBe(0);
        const response = await t.app.inject({ method: "GET", url: "/exports/appeals.csv" });
        expect(response.statusCode, response.body).toBe(200);
        const leads = await t.app.inject({ method: "GET", url: "/exports/leads.csv?tag=many" });
        expect(readCsv(leads.rawPayload)).toHaveLength(MANY + 1);
        expect(t.database.pool.waitingCount).toBe(0);
      } finally {
        for (const client of held) client.release();
      }
    },
  );
});

describe.skipIf(!onRealServer)("a client that disconnects mid-export", () => {
  let baseUrl = "";
  beforeAll(async () => {
    baseUrl = await t.app.listen({ port: 0, host: "127.0.0.1" });
  });

  it.each(["csv", "xlsx"] as ExportFormat[])(
    "stops the %s export's statement, and the pool gets the connection back",
    async (format) => {
      statements.length = 0;
      // The client takes the head and one chunk, then reads nothing: the export fills the sockets and waits.
      const request = http.get(`${baseUrl}/exports/leads.${format}?tag=large`);
      const response = await new Promise<http.IncomingMessage>((resolve) =>
        request.once("response", resolve),
      );
      expect(response.statusCode).toBe(200);
      await new Promise((resolve) => response.once("readable", resolve));
      response.read();
      const waiting = await eventually(inExport, (rows) => rows[0]?.state === "idle in transaction");
      expect(waiting).toEqual([
        { pid: expect.any(Number), state: "idle in transaction", query: `FETCH ${BATCH} FROM lds_rows` },
      ]);
      expect(heavyPool().out).toBe(1);
      const fetchedBeforeAbort = fetches();
      expect(fetchedBeforeAbort).toBeLessThan(LARGE / BATCH + 1);

      request.destroy();
      // The same backend, out of its transaction: the cursor's statement is over, the connection kept.
      await eventually(inExport, (rows) => rows.length === 0);
      expect(await exportBackends()).toContainEqual({
        pid: waiting[0]?.pid,
        state: "idle",
        query: "ROLLBACK",
      });
      await eventually(heavyPool, (pool) => pool.out === 0 && pool.waiting === 0);
      expect(fetches()).toBe(fetchedBeforeAbort);
      expect(cursorStatements().at(-1)).toBe("ROLLBACK");
      expect(cursorStatements()).not.toContain("COMMIT");

      // And it serves the next export at once, on the connection given back.
      const next = await t.app.inject({ method: "GET", url: "/exports/leads.csv?tag=many" });
      expect(readCsv(next.rawPayload)).toHaveLength(MANY + 1);
      expect(heavyPool()).toMatchObject({ out: 0, waiting: 0 });
    },
  );
});

describe.skipIf(!onRealServer)("with the request deadline on, and when the database fails", () => {
  const apps: Awaited<ReturnType<typeof startTestApp>>[] = [];
  afterAll(async () => {
    for (const app of apps) await app.close();
  });
  const started = async (options: Parameters<typeof startTestApp>[1]) => {
    const app = await startTestApp(t.testDatabase.url, options);
    apps.push(app);
    return { app, url: await app.app.listen({ port: 0, host: "127.0.0.1" }) };
  };
  const out = (app: Awaited<ReturnType<typeof startTestApp>>) =>
    app.database.heavyPool.totalCount - app.database.heavyPool.idleCount;

  it("an export outlives the deadline once its head is out: a slow reader gets every row", async () => {
    const { url } = await started({ http: { requestTimeoutMs: 1_000 } });
    const response = await new Promise<http.IncomingMessage>((resolve) =>
      http.get(`${url}/exports/leads.csv?tag=large`, resolve),
    );
    expect(response.statusCode).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // past the deadline, reading nothing
    // Counted by line (these rows hold no line break): the header, every lead, the last one last.
    const records = (await readAll(response)).toString("utf8").split("\r\n");
    expect(records).toHaveLength(LARGE + 2);
    expect(records.at(-2)?.split(",").slice(1, 3)).toEqual([`large-${LARGE}`, `Large ${LARGE}`]);
    expect(records.at(-1)).toBe("");
  });

  it("the deadline's 503 while the export waits for a connection: the export, once opened, is closed unsent", async () => {
    const { app } = await started({ http: { requestTimeoutMs: 100 } });
    const held = [await app.database.heavyPool.connect(), await app.database.heavyPool.connect()];
    const response = await app.app.inject({ method: "GET", url: "/exports/leads.csv?tag=many" });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ code: "timeout" });
    for (const client of held) client.release();
    // The handler got its cursor after the answer had gone: it closed it, and the connection came back.
    await eventually(
      () => ({ out: out(app), waiting: app.database.heavyPool.waitingCount }),
      (pool) => pool.out === 0 && pool.waiting === 0,
    );
    expect(await inExport()).toEqual([]);
  });

  it("a database failure mid-export cuts the file short, never a complete-looking one", async () => {
    const { app, url } = await started({});
    const request = http.get(`${url}/exports/leads.csv?tag=large`);
    const response = await new Promise<http.IncomingMessage>((resolve) => request.once("response", resolve));
    const [waiting] = await eventually(inExport, (rows) => rows[0]?.state === "idle in transaction");
    await query(t.testDatabase.url, "SELECT pg_terminate_backend($1)", [waiting?.pid]);
    const ending = await new Promise<string>((resolve) => {
      response.on("data", () => {});
      response.once("end", () => resolve("end"));
      response.once("error", (error) => resolve(`error: ${error.message}`));
      response.once("aborted", () => resolve("aborted"));
    });
    expect(ending).not.toBe("end");
    await eventually(
      () => out(app),
      (n) => n === 0,
    );
  });
});

describe("a client that takes nothing for too long", () => {
  const stalls = { app: undefined as Awaited<ReturnType<typeof startTestApp>> | undefined };
  afterAll(async () => {
    await stalls.app?.close();
  });

  it("is dropped after the drain timeout: the stream fails and the connection goes back", async () => {
    const app = await startTestApp(t.testDatabase.url, { exports: { drainTimeoutMs: 200 } });
    stalls.app = app;
    const file = await app.deps.exports.leads({ tag: "large" }, "csv");
    expect(app.database.heavyPool.totalCount - app.database.heavyPool.idleCount).toBe(1);
    const failed = await new Promise<Error>((resolve) => file.body.once("error", resolve));
    expect(failed.message).toBe("the client took nothing of the export for 200 ms: dropped");
    await eventually(
      () => app.database.heavyPool.totalCount - app.database.heavyPool.idleCount,
      (out) => out === 0,
    );
  });
});
