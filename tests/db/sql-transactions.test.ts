// database.sqlTransaction (createSqlTransactions, src/db/sql.ts): raw statements in one
// transaction on one pooled connection. Its statements see each other and commit together; a
// throw rolls them back and gives the connection back to the pool (a domain error says nothing
// about the connection), while a connection that broke is discarded; BEGIN, COMMIT and ROLLBACK
// are counted like every statement.
import { describe, expect, it } from "vitest";
import { Prisma } from "../../src/generated/prisma/client.js";
import { query } from "../helpers/sql.js";
import { useTestApp } from "../helpers/test-app.js";
import { onRealServer } from "../helpers/test-database.js";

const statements: string[] = [];
// One connection: a connection not given back would make the next transaction wait forever.
const t = useTestApp({ poolSize: 1, onQuery: (sql) => statements.push(sql) });

const insert = (name: string) =>
  Prisma.sql`INSERT INTO operators (name, is_active, max_load, updated_at) VALUES (${name}, true, 1, now()) RETURNING id`;
const named = async (name: string) =>
  (
    await query<{ n: number }>(
      t.testDatabase.url,
      "SELECT count(*)::int AS n FROM operators WHERE name = $1",
      [name],
    )
  )[0]?.n;

describe("sqlTransaction", () => {
  it("commits the statements together, sent as BEGIN, the statements, COMMIT", async () => {
    statements.length = 0;
    const seen = await t.database.sqlTransaction(async (tx) => {
      await tx.rows("tx_test_insert", insert("tx committed"));
      // The transaction sees its own write; no one else does yet.
      const inside = await tx.rows<{ n: number }>(
        "tx_test_count",
        Prisma.sql`SELECT count(*)::int AS n FROM operators WHERE name = ${"tx committed"}`,
      );
      // (On PGlite another connection waits until the transaction ends: its queue serves only this one.)
      if (onRealServer) expect(await named("tx committed")).toBe(0);
      return inside[0]?.n;
    });
    expect(seen).toBe(1);
    expect(await named("tx committed")).toBe(1);
    expect(statements[0]).toBe("BEGIN");
    expect(statements.at(-1)).toBe("COMMIT");
    expect(statements).toHaveLength(4);
  });

  it("rolls everything back when the work throws, and the connection serves the next one", async () => {
    statements.length = 0;
    await expect(
      t.database.sqlTransaction(async (tx) => {
        await tx.rows("tx_test_insert", insert("tx rolled back"));
        throw new Error("the use case refused");
      }),
    ).rejects.toThrow("the use case refused");
    expect(statements.at(-1)).toBe("ROLLBACK");
    expect(await named("tx rolled back")).toBe(0);
    // A statement the server refuses rolls back too.
    await expect(
      t.database.sqlTransaction(async (tx) => {
        await tx.rows("tx_test_insert", insert("tx refused"));
        await tx.rows("tx_test_fail", Prisma.sql`SELECT 1 / ${0}::int AS never`);
      }),
    ).rejects.toThrow(/division by zero/);
    expect(await named("tx refused")).toBe(0);
    // The pool's one connection came back each time, idle and outside any transaction.
    expect(t.database.pool.totalCount).toBe(1);
    const [state] = await t.database.sqlTransaction((tx) =>
      tx.rows<{ answer: string }>("tx_test_state", Prisma.sql`SELECT ${"ok"}::text AS answer`),
    );
    expect(state?.answer).toBe("ok");
  });

  it.skipIf(!onRealServer)("discards a connection that broke in the transaction", async () => {
    await t.database.pool.query("SELECT 1");
    const [before] = await t.database.pool
      .query<{ pid: number }>("SELECT pg_backend_pid() AS pid")
      .then((r) => r.rows);
    await expect(
      t.database.sqlTransaction(async (tx) => {
        await tx.rows("tx_test_insert", insert("tx broken"));
        // The server ends this session, as a restart or a cut network would.
        await query(t.testDatabase.url, "SELECT pg_terminate_backend($1)", [before?.pid]);
        await tx.rows("tx_test_state", Prisma.sql`SELECT ${"ok"}::text AS answer`);
      }),
    ).rejects.toThrow();
    expect(await named("tx broken")).toBe(0);
    const [after] = await t.database.pool
      .query<{ pid: number }>("SELECT pg_backend_pid() AS pid")
      .then((r) => r.rows);
    expect(after?.pid).not.toBe(before?.pid);
  });
});
