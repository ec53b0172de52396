// PATCH /appeals/{id}/assign and /reopen: exact outcomes, counters, events, and
// that a refused request writes nothing. The draw is fixed at 0: the candidate with the lowest
// id is chosen, so every assignment here is known in advance.
import { beforeEach, describe, expect, it } from "vitest";
import { createAppeal, createOperator, createSource, setWeights } from "../../helpers/factories.js";
import { invariantViolations, query } from "../../helpers/sql.js";
import { useTestApp } from "../../helpers/test-app.js";
import { expectProblem, expectValidationError } from "../../http/problem-assertions.js";

const t = useTestApp({ random: () => 0 });

beforeEach(async () => {
  await t.testDatabase.reset();
});

type Appeal = { id: number; status: string; operator: { id: number; name: string } | null };

const patch = (url: string, payload?: object) =>
  t.app.inject({ method: "PATCH", url, ...(payload && { payload }) });

async function appeal(id: number): Promise<Appeal> {
  return (await t.app.inject({ method: "GET", url: `/appeals/${id}` })).json();
}

async function loads(): Promise<Record<number, number>> {
  const rows = await query<{ id: number; active_load: number }>(
    t.testDatabase.url,
    "SELECT id, active_load FROM operators ORDER BY id",
  );
  return Object.fromEntries(rows.map((row) => [row.id, row.active_load]));
}

async function events(): Promise<{ action: string; appeal_id: number | null; details: object }[]> {
  return query(t.testDatabase.url, "SELECT type AS action, appeal_id, details FROM events ORDER BY id");
}

/** What a refused request must leave as it was. */
async function state() {
  return query(
    t.testDatabase.url,
    `SELECT (SELECT json_agg(a ORDER BY id) FROM appeals a) AS appeals,
            (SELECT json_agg(o ORDER BY id) FROM operators o) AS operators,
            (SELECT count(*)::int FROM events) AS events`,
  );
}

/**
 * A (limit 1) and B (limit 1) serve S1; A alone serves S2; C is inactive and D unweighted
 * (both limit 5, serving nobody or S1 inactive). a1 of S1 goes to A; p of S2 waits for A.
 */
async function world() {
  const a = await createOperator(t.app, { name: "Anna", max_load: 1 });
  const b = await createOperator(t.app, { name: "Boris", max_load: 1 });
  const c = await createOperator(t.app, { name: "Clara", max_load: 5, is_active: false });
  const d = await createOperator(t.app, { name: "Dmitri", max_load: 5 });
  const s1 = await createSource(t.app);
  const s2 = await createSource(t.app);
  await setWeights(t.app, s1.id, [
    { operator_id: a.id, weight: 1 },
    { operator_id: b.id, weight: 1 },
    { operator_id: c.id, weight: 1 },
  ]);
  await setWeights(t.app, s2.id, [{ operator_id: a.id, weight: 1 }]);
  const a1 = await createAppeal(t.app, { source_id: s1.id });
  const p = await createAppeal(t.app, { source_id: s2.id });
  expect([a1.operator?.id, p.status]).toEqual([a.id, "pending"]);
  return { a, b, c, d, s1, s2, a1: a1.appeal_id, p: p.appeal_id };
}

describe("PATCH /appeals/{id}/assign", () => {
  it("moves an active appeal, counts it for the new operator, and drains the old one's freed slot", async () => {
    const w = await world();
    const before = (await events()).length;
    const response = await patch(`/appeals/${w.a1}/assign`, { operator_id: w.b.id });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({
      id: w.a1,
      status: "active",
      operator: { id: w.b.id, name: "Boris" },
    });
    // A's slot went to p, which only A serves.
    expect(await appeal(w.p)).toMatchObject({ status: "active", operator: { id: w.a.id } });
    expect(await loads()).toEqual({ [w.a.id]: 1, [w.b.id]: 1, [w.c.id]: 0, [w.d.id]: 0 });
    expect((await events()).slice(before)).toEqual([
      {
        action: "appeal.assigned",
        appeal_id: w.a1,
        details: {
          source_id: w.s1.id,
          operator_id: w.b.id,
          from_operator_id: w.a.id,
          previous_status: "active",
          transfer: true,
          force: false,
        },
      },
      {
        action: "appeal.assigned",
        appeal_id: w.p,
        details: { source_id: w.s2.id, operator_id: w.a.id, via: "drain" },
      },
    ]);
    expect(await invariantViolations(t.testDatabase.url)).toEqual({ overLoaded: [], stuckPending: [] });
  });

  it("refuses a full, inactive, unweighted or archived operator with a 409 naming it, and writes nothing", async () => {
    const w = await world();
    await patch(`/appeals/${w.a1}/assign`, { operator_id: w.b.id }); // B is full now; a1 with B
    const e = await createOperator(t.app, { name: "Erik" });
    expect((await t.app.inject({ method: "DELETE", url: `/operators/${e.id}` })).statusCode).toBe(204);
    const { id } = await createAppeal(t.app, { source_id: w.s1.id }).then((r) => ({ id: r.appeal_id }));
    expect((await appeal(id)).status).toBe("pending");
    const stored = await state();
    const cases: [number, boolean, string][] = [
      [w.b.id, false, `Operator ${w.b.id} ("Boris") is at its limit (1 of 1 active appeals)`],
      [w.c.id, false, `Operator ${w.c.id} ("Clara") is inactive`],
      [w.d.id, false, `Operator ${w.d.id} ("Dmitri") has no weight for the appeal's source`],
      [e.id, false, `Operator ${e.id} ("Erik") is archived`],
      [e.id, true, `Operator ${e.id} ("Erik") is archived`],
    ];
    for (const [operatorId, force, reason] of cases) {
      const body = expectProblem(
        await patch(`/appeals/${id}/assign`, { operator_id: operatorId, force }),
        409,
        "no_capacity",
      );
      const hint = operatorId === e.id ? "" : "; force: true (admin) overrides this";
      expect(body.detail).toBe(`${reason}: appeal ${id} was not moved${hint}.`);
      expect(body.errors).toEqual([
        { path: "operator_id", message: reason.replace(/^Operator (\d+) \("\w+"\)/, "operator $1") },
      ]);
    }
    expect(await state()).toEqual(stored);
  });

  it("with force, moves to an inactive, unweighted or full operator and still counts it", async () => {
    const w = await world();
    const forced = await patch(`/appeals/${w.a1}/assign`, { operator_id: w.d.id, force: true });
    expect(forced.statusCode, forced.body).toBe(200);
    expect(forced.json().operator).toEqual({ id: w.d.id, name: "Dmitri" });
    // p took A's freed slot; B is free, so the next appeal of S1 goes to B: then force B over its limit.
    const next = await createAppeal(t.app, { source_id: w.s1.id });
    expect(next.operator?.id).toBe(w.b.id);
    expect((await patch(`/appeals/${w.a1}/assign`, { operator_id: w.b.id, force: true })).statusCode).toBe(
      200,
    );
    expect(await loads()).toEqual({ [w.a.id]: 1, [w.b.id]: 2, [w.c.id]: 0, [w.d.id]: 0 });
    expect(
      (await patch(`/appeals/${next.appeal_id}/assign`, { operator_id: w.c.id, force: true })).statusCode,
    ).toBe(200);
    expect(await loads()).toEqual({ [w.a.id]: 1, [w.b.id]: 1, [w.c.id]: 1, [w.d.id]: 0 });
  });

  it("moves a pending appeal out of the queue: active, counted, nothing released", async () => {
    const w = await world();
    const response = await patch(`/appeals/${w.p}/assign`, { operator_id: w.d.id, force: true });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ status: "active", operator: { id: w.d.id } });
    expect(await loads()).toEqual({ [w.a.id]: 1, [w.b.id]: 0, [w.c.id]: 0, [w.d.id]: 1 });
    const [event] = (await events()).slice(-1);
    expect(event).toEqual({
      action: "appeal.assigned",
      appeal_id: w.p,
      details: {
        source_id: w.s2.id,
        operator_id: w.d.id,
        previous_status: "pending",
        transfer: true,
        force: true,
      },
    });
  });

  it("answers the operator that has it already with the appeal unchanged, and writes nothing", async () => {
    const w = await world();
    const stored = await state();
    const response = await patch(`/appeals/${w.a1}/assign`, { operator_id: w.a.id });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id: w.a1, operator: { id: w.a.id } });
    expect(await state()).toEqual(stored);
  });

  it("a closed appeal is a 409; an unknown appeal or operator a 404; a bad body a 400", async () => {
    const w = await world();
    await patch(`/appeals/${w.a1}/close`);
    const stored = await state();
    const closed = expectProblem(
      await patch(`/appeals/${w.a1}/assign`, { operator_id: w.b.id }),
      409,
      "conflict",
    );
    expect(closed.detail).toBe(`Appeal ${w.a1} is closed: reopen it before transferring it.`);
    const noAppeal = expectProblem(
      await patch("/appeals/987654/assign", { operator_id: w.b.id }),
      404,
      "not_found",
    );
    expect(noAppeal.detail).toBe("Appeal 987654 does not exist.");
    const noOperator = expectProblem(
      await patch(`/appeals/${w.p}/assign`, { operator_id: 987654 }),
      404,
      "not_found",
    );
    expect(noOperator).toMatchObject({
      detail: "Operator 987654 does not exist; the appeal was not moved.",
      errors: [{ path: "operator_id", message: "operator 987654 does not exist" }],
    });
    expectValidationError(await patch(`/appeals/${w.p}/assign`, { operator_id: "1" }), "operator_id");
    expectValidationError(await patch(`/appeals/${w.p}/assign`, { operator_id: w.b.id, force: 1 }), "force");
    expectValidationError(await patch(`/appeals/${w.p}/assign`, {}), "operator_id");
    expect(await state()).toEqual(stored);
  });
});

describe("PATCH /appeals/{id}/reopen", () => {
  it("sends a closed appeal back through distribution: active with a chosen operator", async () => {
    const w = await world();
    await patch(`/appeals/${w.p}/close`);
    await patch(`/appeals/${w.a1}/close`); // A is free again, nothing waits
    const before = (await events()).length;
    const response = await patch(`/appeals/${w.a1}/reopen`);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({
      id: w.a1,
      status: "active",
      operator: { id: w.a.id, name: "Anna" },
      closed_at: null,
    });
    expect(response.json().assigned_at).not.toBeNull();
    expect(await loads()).toEqual({ [w.a.id]: 1, [w.b.id]: 0, [w.c.id]: 0, [w.d.id]: 0 });
    expect((await events()).slice(before)).toEqual([
      {
        action: "appeal.reopened",
        appeal_id: w.a1,
        details: { source_id: w.s1.id, status: "active", operator_id: w.a.id },
      },
    ]);
  });

  it("a closed appeal with no operator free goes pending and is assigned as soon as one is", async () => {
    const w = await world();
    await patch(`/appeals/${w.p}/assign`, { operator_id: w.b.id }); // refused: B has no weight for S2
    await patch(`/appeals/${w.p}/close`);
    const response = await patch(`/appeals/${w.p}/reopen`);
    expect(response.json()).toMatchObject({
      status: "pending",
      operator: null,
      assigned_at: null,
      closed_at: null,
    });
    expect((await events()).at(-1)).toEqual({
      action: "appeal.reopened",
      appeal_id: w.p,
      details: { source_id: w.s2.id, status: "pending" },
    });
    await patch(`/appeals/${w.a1}/close`);
    expect(await appeal(w.p)).toMatchObject({ status: "active", operator: { id: w.a.id } });
    expect(await invariantViolations(t.testDatabase.url)).toEqual({ overLoaded: [], stuckPending: [] });
  });

  it("reopening an appeal that is not closed changes nothing; an unknown one is a 404", async () => {
    const w = await world();
    const stored = await state();
    for (const id of [w.a1, w.p]) {
      const response = await patch(`/appeals/${id}/reopen`);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual(await appeal(id));
    }
    expect(await state()).toEqual(stored);
    expect(expectProblem(await patch("/appeals/987654/reopen"), 404, "not_found").detail).toBe(
      "Appeal 987654 does not exist.",
    );
  });
});
