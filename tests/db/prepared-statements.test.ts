// Statements are prepared once per connection on a real server (docs/PERFORMANCE.md:
// planning was half the intake's database time): the appeal statements under the names
// distribution.repository.ts gives them, Prisma's under lds_<hash of the SQL>.
import { describe, expect, it } from "vitest";
import { Prisma } from "../../src/generated/prisma/client.js";
import { createAppeal, createOperator, createSource, setWeights } from "../helpers/factories.js";
import { useTestApp } from "../helpers/test-app.js";
import { onRealServer } from "../helpers/test-database.js";

// One connection, so the session the requests ran on is the one asked below.
const t = useTestApp({ poolSize: 1 });

async function preparedStatements(): Promise<Map<string, number>> {
  const { rows } = await t.database.pool.query<{ name: string; executions: number }>(
    "SELECT name, (generic_plans + custom_plans)::int AS executions FROM pg_prepared_statements",
  );
  return new Map(rows.map((row) => [row.name, row.executions]));
}

describe.skipIf(!onRealServer)("prepared statements", () => {
  it("prepares the intake once and executes it for every appeal", async () => {
    const source = await createSource(t.app);
    const operator = await createOperator(t.app, { max_load: 10 });
    await setWeights(t.app, source.id, [{ operator_id: operator.id, weight: 1 }]);
    const before = (await preparedStatements()).get("appeal_intake") ?? 0;
    for (let i = 0; i < 3; i++) await createAppeal(t.app, { source_id: source.id });
    expect((await preparedStatements()).get("appeal_intake")).toBe(before + 3);
  });

  it("names Prisma's statements by their SQL, so a repeated query reuses its statement", async () => {
    await t.app.inject({ method: "GET", url: "/operators" });
    const once = [...(await preparedStatements())].filter(([name]) => name.startsWith("lds_"));
    await t.app.inject({ method: "GET", url: "/operators" });
    const twice = [...(await preparedStatements())].filter(([name]) => name.startsWith("lds_"));
    expect(twice.map(([name]) => name)).toEqual(once.map(([name]) => name));
    expect(twice.reduce((sum, [, n]) => sum + n, 0)).toBe(once.reduce((sum, [, n]) => sum + n, 0) + 1);
  });
});

describe.skipIf(!onRealServer)("a statement the server refuses", () => {
  it("leaves the connection and its prepared statements in the pool (an idempotent replay)", async () => {
    const source = await createSource(t.app);
    const pid = async () =>
      (await t.database.pool.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid;
    const before = await pid();
    const send = () =>
      t.app.inject({
        method: "POST",
        url: "/appeals",
        headers: { "idempotency-key": "replay-keeps-connection" },
        payload: { lead_external_id: "replay-lead", source_id: source.id },
      });
    expect((await send()).statusCode).toBe(201);
    // The intake fails on the stored key (23505) and the first answer is replayed.
    const replay = await send();
    expect(replay.statusCode).toBe(201);
    expect(replay.headers["idempotency-replayed"]).toBe("true");
    expect(await pid()).toBe(before);
  });
});

describe("statement names", () => {
  it("refuse a second SQL text under a name already used, on any database", async () => {
    // One connection (poolSize 1): the one that prepared the first text is asked for the second.
    await t.database.sql.rows("test_one_name", Prisma.sql`SELECT ${1}::int AS one`);
    // Our own check on PGlite; pg's on a real server ("Prepared statements must be unique").
    await expect(t.database.sql.rows("test_one_name", Prisma.sql`SELECT ${2}::int AS two`)).rejects.toThrow(
      onRealServer ? /Prepared statements must be unique/ : /two different texts/,
    );
  });
});
