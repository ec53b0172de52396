// Drift of the two counters kept beside the appeals (operators.active_load,
// appeal_counts), made by hand the way a manual UPDATE or a restore would: found
// exactly, counted in lds_load_drift_total, repaired, and made impossible where a
// constraint can (an active appeal without operator, deleting what appeals refer to).
import pg from "pg";
import { beforeEach, describe, expect, it } from "vitest";
import { LoadReconcileRepository } from "../../../src/modules/appeals/load-reconcile.repository.js";
import { createAppeal, createOperator, createSource, setWeights } from "../../helpers/factories.js";
import { scriptedRandom } from "../../helpers/random.js";
import { invariantViolations, query } from "../../helpers/sql.js";
import { useTestApp } from "../../helpers/test-app.js";

const warnings: { details: object; message: string }[] = [];
const draws = scriptedRandom();
const t = useTestApp({
  random: draws.random,
  log: { warn: (details, message) => warnings.push({ details, message }) },
});

const sql = (text: string, params: unknown[] = []) => query(t.testDatabase.url, text, params);

async function driftMetric(kind: string): Promise<number> {
  const response = await t.app.inject({ method: "GET", url: "/metrics" });
  const line = response.body.split("\n").find((l) => l.startsWith(`lds_load_drift_total{kind="${kind}"} `));
  return Number(line?.split(" ")[1]);
}

/**
 * Two operators serving one source: a (limit 2) holds a1 and a2 and closed one more,
 * b (limit 1) holds b1, and `waiting` is pending (both are full). The first three
 * draws of the intakes go to a (the lower id): 0.1 < 1/2 of the total weight.
 */
async function scenario() {
  await t.testDatabase.reset();
  const a = await createOperator(t.app, { max_load: 2 });
  const b = await createOperator(t.app, { max_load: 1 });
  const source = await createSource(t.app);
  await setWeights(t.app, source.id, [
    { operator_id: a.id, weight: 1 },
    { operator_id: b.id, weight: 1 },
  ]);
  // The close's drain step draws once too (it finds nothing to assign).
  draws.queue(0.1, 0.1, 0.1, 0.1);
  const closed = await createAppeal(t.app, { source_id: source.id });
  expect(
    (await t.app.inject({ method: "PATCH", url: `/appeals/${closed.appeal_id}/close` })).statusCode,
  ).toBe(200);
  const a1 = await createAppeal(t.app, { source_id: source.id });
  const a2 = await createAppeal(t.app, { source_id: source.id });
  const b1 = await createAppeal(t.app, { source_id: source.id });
  const waiting = await createAppeal(t.app, { source_id: source.id });
  expect([a1, a2, b1, waiting].map((x) => [x.status, x.operator?.id ?? null])).toEqual([
    ["active", a.id],
    ["active", a.id],
    ["active", b.id],
    ["pending", null],
  ]);
  expect(await t.deps.loadReconcile.findDrift()).toEqual({ activeLoad: [], appealCounts: [] });
  return { a, b, source, a1, b1, waiting };
}

async function loads(...ids: number[]): Promise<number[]> {
  const rows = await sql("SELECT id, active_load FROM operators WHERE id = ANY($1) ORDER BY id", [ids]);
  return rows.map((row) => (row as { active_load: number }).active_load);
}

describe("findDrift, checkDrift and reconcile", () => {
  beforeEach(() => {
    warnings.length = 0;
  });

  it("finds every kind of drift with exact expected and actual values, and repairs it once", async () => {
    const { a, b, source } = await scenario();
    // a's counter too low (2 active, says 1), b's too high (1 active, says 5).
    await sql("UPDATE operators SET active_load = 1 WHERE id = $1", [a.id]);
    await sql("UPDATE operators SET active_load = 5 WHERE id = $1", [b.id]);
    // appeal_counts: b's active row deleted (missing), the pending row wrong, a closed row
    // for b with no appeal behind it (extra).
    await sql("DELETE FROM appeal_counts WHERE source_id = $1 AND operator_id = $2 AND status = 'active'", [
      source.id,
      b.id,
    ]);
    await sql(
      "UPDATE appeal_counts SET n = 7 WHERE source_id = $1 AND operator_id = 0 AND status = 'pending'",
      [source.id],
    );
    await sql("INSERT INTO appeal_counts (source_id, operator_id, status, n) VALUES ($1, $2, 'closed', 4)", [
      source.id,
      b.id,
    ]);
    // A counter that fell to 0 with nothing behind it is no drift.
    await sql("INSERT INTO appeal_counts (source_id, operator_id, status, n) VALUES ($1, $2, 'pending', 0)", [
      source.id + 1000,
      0,
    ]);

    const expected = {
      activeLoad: [
        { operatorId: a.id, expected: 2, actual: 1 },
        { operatorId: b.id, expected: 1, actual: 5 },
      ],
      appealCounts: [
        { sourceId: source.id, operatorId: null, status: "pending", expected: 1, actual: 7 },
        { sourceId: source.id, operatorId: b.id, status: "active", expected: 1, actual: null },
        { sourceId: source.id, operatorId: b.id, status: "closed", expected: 0, actual: 4 },
      ],
    };
    expect(await t.deps.loadReconcile.findDrift()).toEqual(expected);

    const [loadBefore, countsBefore] = [await driftMetric("active_load"), await driftMetric("appeal_counts")];
    expect(await t.deps.loadReconcile.checkDrift()).toEqual(expected);
    expect([await driftMetric("active_load"), await driftMetric("appeal_counts")]).toEqual([
      loadBefore + 2,
      countsBefore + 3,
    ]);
    expect(warnings).toEqual([
      {
        details: { activeLoadDrifted: 2, appealCountsDrifted: 3, ...expected },
        message: expect.stringContaining("npm run db:reconcile"),
      },
    ]);
    // Looking changed nothing. The cheap check (active_load only) counts that kind only.
    expect(await t.deps.loadReconcile.findDrift()).toEqual(expected);
    expect(await t.deps.loadReconcile.checkDrift({ appealCounts: false })).toEqual({
      activeLoad: expected.activeLoad,
      appealCounts: [],
    });
    expect([await driftMetric("active_load"), await driftMetric("appeal_counts")]).toEqual([
      loadBefore + 4,
      countsBefore + 3,
    ]);

    warnings.length = 0;
    expect(await t.deps.loadReconcile.reconcile("test:reconcile")).toEqual(expected);
    expect(await t.deps.loadReconcile.findDrift()).toEqual({ activeLoad: [], appealCounts: [] });
    expect(await t.deps.loadReconcile.reconcile("test:reconcile")).toEqual({
      activeLoad: [],
      appealCounts: [],
    });
    expect(await loads(a.id, b.id)).toEqual([2, 1]);
    expect(await invariantViolations(t.testDatabase.url)).toEqual({ overLoaded: [], stuckPending: [] });
    // The extra row is gone, the missing one back; the zero row elsewhere stays.
    expect(
      await sql("SELECT source_id, operator_id, status::text, n::int FROM appeal_counts ORDER BY 1, 2, 3"),
    ).toEqual([
      { source_id: source.id, operator_id: 0, status: "pending", n: 1 },
      { source_id: source.id, operator_id: a.id, status: "active", n: 2 },
      { source_id: source.id, operator_id: a.id, status: "closed", n: 1 },
      { source_id: source.id, operator_id: b.id, status: "active", n: 1 },
      { source_id: source.id + 1000, operator_id: 0, status: "pending", n: 0 },
    ]);
    expect(
      await sql(
        `SELECT actor, entity_id, details FROM events
         WHERE type = 'operator.load_reconciled' ORDER BY entity_id`,
      ),
    ).toEqual([
      { actor: "test:reconcile", entity_id: a.id, details: { active_load: { before: 1, after: 2 } } },
      { actor: "test:reconcile", entity_id: b.id, details: { active_load: { before: 5, after: 1 } } },
    ]);
    // The checks after the repair find nothing, log nothing and count nothing.
    expect(await t.deps.loadReconcile.checkDrift()).toEqual({ activeLoad: [], appealCounts: [] });
    expect(warnings).toEqual([]);
    expect([await driftMetric("active_load"), await driftMetric("appeal_counts")]).toEqual([
      loadBefore + 4,
      countsBefore + 3,
    ]);
  });

  it("a close after active_load was set too low fails with a 500 until reconcile repairs the counter", async () => {
    const { b, b1 } = await scenario();
    await sql("UPDATE operators SET active_load = 0 WHERE id = $1", [b.id]);
    const refused = await t.app.inject({ method: "PATCH", url: `/appeals/${b1.appeal_id}/close` });
    expect(refused.statusCode).toBe(500);
    // Nothing of the close was kept: the appeal is still active.
    expect(await sql("SELECT status::text FROM appeals WHERE id = $1", [b1.appeal_id])).toEqual([
      { status: "active" },
    ]);

    expect(await t.deps.loadReconcile.reconcile("test")).toEqual({
      activeLoad: [{ operatorId: b.id, expected: 1, actual: 0 }],
      appealCounts: [],
    });
    const closed = await t.app.inject({ method: "PATCH", url: `/appeals/${b1.appeal_id}/close` });
    expect(closed.statusCode, closed.body).toBe(200);
    // b's slot went to the waiting appeal.
    expect(await loads(b.id)).toEqual([1]);
    expect(await t.deps.loadReconcile.findDrift()).toEqual({ activeLoad: [], appealCounts: [] });
  });

  it("too high an active_load makes the operator look full; after reconcile it takes appeals again", async () => {
    const { b, b1, waiting, source } = await scenario();
    await t.app.inject({ method: "PATCH", url: `/appeals/${b1.appeal_id}/close` });
    expect(await sql("SELECT operator_id FROM appeals WHERE id = $1", [waiting.appeal_id])).toEqual([
      { operator_id: b.id },
    ]);
    // One slot free, but the counter says none.
    await sql("UPDATE operators SET max_load = 2, active_load = 2 WHERE id = $1", [b.id]);
    const late = await createAppeal(t.app, { source_id: source.id });
    expect(late.status).toBe("pending");

    expect(await t.deps.loadReconcile.reconcile("test")).toEqual({
      activeLoad: [{ operatorId: b.id, expected: 1, actual: 2 }],
      appealCounts: [],
    });
    await t.deps.distribution.drainForOperator(b.id, "test");
    expect(
      await sql("SELECT status::text, operator_id FROM appeals WHERE id = $1", [late.appeal_id]),
    ).toEqual([{ status: "active", operator_id: b.id }]);
    expect(await loads(b.id)).toEqual([2]);
    expect(await invariantViolations(t.testDatabase.url)).toEqual({ overLoaded: [], stuckPending: [] });
  });

  it("gives up after lock_timeout instead of stalling writers behind a long transaction", async () => {
    const { source } = await scenario();
    await sql("UPDATE appeal_counts SET n = n + 1 WHERE source_id = $1 AND status = 'pending'", [source.id]);
    // An open transaction that wrote an appeal holds appeal_counts' row lock mode until it ends.
    const client = new pg.Client({ connectionString: t.testDatabase.url });
    await client.connect();
    try {
      await client.query("BEGIN");
      await client.query(
        "INSERT INTO appeals (lead_id, source_id, status) SELECT lead_id, source_id, 'pending' FROM appeals LIMIT 1",
      );
      const impatient = new LoadReconcileRepository(t.database.prisma, { lockTimeoutMs: 50 });
      await expect(impatient.reconcile("test")).rejects.toThrow(/lock timeout/);
      await client.query("ROLLBACK");
    } finally {
      await client.end();
    }
    expect((await t.deps.loadReconcile.reconcile("test")).appealCounts).toEqual([
      { sourceId: source.id, operatorId: null, status: "pending", expected: 1, actual: 2 },
    ]);
  });
});

describe("constraints that make the bad states impossible", () => {
  const failure = async (text: string, params: unknown[]) => {
    const error = await sql(text, params).then(
      () => null,
      (e: pg.DatabaseError) => e,
    );
    return error && { code: error.code, constraint: error.constraint };
  };

  it("an active appeal always has an operator", async () => {
    const { a1, waiting } = await scenario();
    expect(await failure("UPDATE appeals SET operator_id = NULL WHERE id = $1", [a1.appeal_id])).toEqual({
      code: "23514",
      constraint: "appeals_active_has_operator",
    });
    expect(await failure("UPDATE appeals SET status = 'active' WHERE id = $1", [waiting.appeal_id])).toEqual({
      code: "23514",
      constraint: "appeals_active_has_operator",
    });
    expect(
      await failure(
        "INSERT INTO appeals (lead_id, source_id, status) SELECT lead_id, source_id, 'active' FROM appeals WHERE id = $1",
        [waiting.appeal_id],
      ),
    ).toEqual({ code: "23514", constraint: "appeals_active_has_operator" });
  });

  it("operators, sources and leads that appeals refer to cannot be deleted; others can", async () => {
    const { a, b, source, a1 } = await scenario();
    expect(await failure("DELETE FROM operators WHERE id = $1", [a.id])).toEqual({
      code: "23503",
      constraint: "appeals_operator_id_fkey",
    });
    expect(await failure("DELETE FROM sources WHERE id = $1", [source.id])).toEqual({
      code: "23503",
      constraint: "appeals_source_id_fkey",
    });
    expect(await failure("DELETE FROM leads WHERE id = $1", [a1.lead_id])).toEqual({
      code: "23503",
      constraint: "appeals_lead_id_fkey",
    });
    expect(await sql("SELECT count(*)::int AS n FROM appeals WHERE operator_id = $1", [a.id])).toEqual([
      { n: 3 },
    ]);
    // Closed appeals count too: the operator's history keeps its name.
    await sql("UPDATE appeals SET status = 'closed' WHERE operator_id = $1", [b.id]);
    expect((await failure("DELETE FROM operators WHERE id = $1", [b.id]))?.code).toBe("23503");
    const idle = await createOperator(t.app);
    expect(await failure("DELETE FROM operators WHERE id = $1", [idle.id])).toBeNull();
  });
});
