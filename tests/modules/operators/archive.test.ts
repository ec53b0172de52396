// Archiving: DELETE /operators/{id} and /sources/{id} never delete; the archived
// leave lists and distribution, history keeps them. One weight at a time: PUT and DELETE
// /sources/{id}/weights/{operator_id}. The draw is fixed at 0 (lowest id first).
import { beforeEach, describe, expect, it } from "vitest";
import { createAppeal, createOperator, createSource, setWeights } from "../../helpers/factories.js";
import { invariantViolations, query } from "../../helpers/sql.js";
import { useTestApp } from "../../helpers/test-app.js";
import { expectProblem, expectValidationError } from "../../http/problem-assertions.js";

const t = useTestApp({ random: () => 0 });

beforeEach(async () => {
  await t.testDatabase.reset();
});

const inject = (method: "GET" | "PUT" | "DELETE" | "PATCH", url: string, payload?: object) =>
  t.app.inject({ method, url, ...(payload && { payload }) });

async function events(): Promise<{ action: string; entity_id: number; details: object }[]> {
  return query(t.testDatabase.url, "SELECT type AS action, entity_id, details FROM events ORDER BY id");
}

async function state() {
  return query(
    t.testDatabase.url,
    `SELECT (SELECT json_agg(a ORDER BY id) FROM appeals a) AS appeals,
            (SELECT json_agg(o ORDER BY id) FROM operators o) AS operators,
            (SELECT json_agg(s ORDER BY id) FROM sources s) AS sources,
            (SELECT json_agg(w ORDER BY source_id, operator_id) FROM operator_weights w) AS weights,
            (SELECT count(*)::int FROM events) AS events`,
  );
}

describe("DELETE /operators/{id}", () => {
  it("archives: gone from lists, weights and distribution, still readable by id", async () => {
    const a = await createOperator(t.app, { name: "Anna" });
    const b = await createOperator(t.app, { name: "Boris" });
    const source = await createSource(t.app);
    await setWeights(t.app, source.id, [
      { operator_id: a.id, weight: 3 },
      { operator_id: b.id, weight: 1 },
    ]);
    const before = (await events()).length;
    const response = await inject("DELETE", `/operators/${a.id}`);
    expect(response.statusCode, response.body).toBe(204);
    expect(response.body).toBe("");

    const byId = (await inject("GET", `/operators/${a.id}`)).json();
    expect(byId.archived_at).toEqual(expect.stringMatching(/Z$/));
    expect((await inject("GET", "/operators")).json().map((o: { id: number }) => o.id)).toEqual([b.id]);
    expect((await inject("GET", "/operators?include_archived=true")).json()).toEqual([
      byId,
      expect.objectContaining({ id: b.id, archived_at: null }),
    ]);
    expect((await inject("GET", `/sources/${source.id}/weights`)).json()).toEqual([
      { operator_id: b.id, operator_name: "Boris", weight: 1 },
    ]);
    expect((await events()).slice(before)).toEqual([
      {
        action: "operator.archived",
        entity_id: a.id,
        details: { reassigned: 0, weights_removed: [{ source_id: source.id, weight: 3 }] },
      },
    ]);
    // Its lower id would win the draw of 0: it is no candidate any more.
    expect((await createAppeal(t.app, { source_id: source.id })).operator?.id).toBe(b.id);

    // Again: nothing changes, nothing is recorded.
    const stored = await state();
    expect((await inject("DELETE", `/operators/${a.id}`)).statusCode).toBe(204);
    expect(await state()).toEqual(stored);
    // A weight for it, or a transfer to it even with force, is refused.
    expect(
      expectProblem(
        await inject("PUT", `/sources/${source.id}/weights/${a.id}`, { weight: 5 }),
        404,
        "not_found",
      ).detail,
    ).toBe(`Operator ${a.id} is archived; the weight was not set.`);
    const bulk = expectProblem(
      await t.app.inject({
        method: "PUT",
        url: `/sources/${source.id}/weights`,
        payload: [{ operator_id: a.id, weight: 1 }],
      }),
      404,
      "not_found",
    );
    expect(bulk).toMatchObject({
      detail: `Operator ${a.id} does not exist or is archived; the weights were not changed.`,
      errors: [{ path: "0.operator_id", message: `operator ${a.id} is archived` }],
    });
    expect(await state()).toEqual(stored);
  });

  it("with active appeals is a 409 naming how many, and writes nothing", async () => {
    const a = await createOperator(t.app);
    const source = await createSource(t.app);
    await setWeights(t.app, source.id, [{ operator_id: a.id, weight: 1 }]);
    await createAppeal(t.app, { source_id: source.id });
    await createAppeal(t.app, { source_id: source.id });
    const stored = await state();
    const body = expectProblem(await inject("DELETE", `/operators/${a.id}`), 409, "conflict");
    expect(body.detail).toBe(
      `Operator ${a.id} holds 2 active appeals; it was not archived. ` +
        `DELETE /operators/${a.id}?reassign=true hands them back to distribution first.`,
    );
    expectProblem(await inject("DELETE", `/operators/${a.id}?reassign=false`), 409, "conflict");
    expect(await state()).toEqual(stored);
  });

  it("with reassign=true hands its active appeals back: assigned where capacity is, pending otherwise", async () => {
    const a = await createOperator(t.app, { max_load: 5 });
    const b = await createOperator(t.app, { max_load: 1 });
    const source = await createSource(t.app);
    await setWeights(t.app, source.id, [
      { operator_id: a.id, weight: 1 },
      { operator_id: b.id, weight: 1 },
    ]);
    // Draw 0: a (the lower id, limit 5) takes all three.
    const appeals = [];
    for (let i = 0; i < 3; i++) appeals.push((await createAppeal(t.app, { source_id: source.id })).appeal_id);
    const [first, second, third] = appeals as [number, number, number];
    const before = (await events()).length;
    expect((await inject("DELETE", `/operators/${a.id}?reassign=true`)).statusCode).toBe(204);

    const rows = await query<{ id: number; status: string; operator_id: number | null }>(
      t.testDatabase.url,
      "SELECT id, status::text, operator_id FROM appeals ORDER BY id",
    );
    // The oldest goes to b (its one slot), the others wait.
    expect(rows).toEqual([
      { id: first, status: "active", operator_id: b.id },
      { id: second, status: "pending", operator_id: null },
      { id: third, status: "pending", operator_id: null },
    ]);
    const loads = await query(t.testDatabase.url, "SELECT id, active_load FROM operators ORDER BY id");
    expect(loads).toEqual([
      { id: a.id, active_load: 0 },
      { id: b.id, active_load: 1 },
    ]);
    const queued = (id: number) => ({
      action: "appeal.queued",
      entity_id: id,
      details: { source_id: source.id, previous_operator_id: a.id, reason: "operator_archived" },
    });
    expect((await events()).slice(before)).toEqual([
      {
        action: "operator.archived",
        entity_id: a.id,
        details: { reassigned: 3, weights_removed: [{ source_id: source.id, weight: 1 }] },
      },
      queued(first),
      queued(second),
      queued(third),
      {
        action: "appeal.assigned",
        entity_id: first,
        details: { source_id: source.id, operator_id: b.id, via: "drain" },
      },
    ]);
    expect(await invariantViolations(t.testDatabase.url)).toEqual({ overLoaded: [], stuckPending: [] });
    // History keeps the archived operator in the statistics.
    const stats = (await inject("GET", "/stats/operators")).json();
    expect(stats.map((s: { operator_id: number; assigned: number }) => [s.operator_id, s.assigned])).toEqual([
      [a.id, 0],
      [b.id, 1],
    ]);
  });

  it("an unknown operator is a 404; a bad reassign a 400", async () => {
    expect(expectProblem(await inject("DELETE", "/operators/987654"), 404, "not_found").detail).toBe(
      "Operator 987654 does not exist.",
    );
    const a = await createOperator(t.app);
    expectValidationError(await inject("DELETE", `/operators/${a.id}?reassign=yes`), "reassign");
    expectValidationError(await inject("DELETE", `/operators/${a.id}?force=true`), "force");
  });
});

describe("DELETE /sources/{id}", () => {
  it("archives: no new appeals (404), gone from lists, still readable by id and in the statistics", async () => {
    const a = await createOperator(t.app);
    const source = await createSource(t.app);
    const other = await createSource(t.app);
    await setWeights(t.app, source.id, [{ operator_id: a.id, weight: 1 }]);
    const kept = await createAppeal(t.app, { source_id: source.id });
    expect((await inject("DELETE", `/sources/${source.id}`)).statusCode).toBe(204);
    const byId = (await inject("GET", `/sources/${source.id}`)).json();
    expect(byId.archived_at).toEqual(expect.stringMatching(/Z$/));
    expect((await inject("GET", "/sources")).json().map((s: { id: number }) => s.id)).toEqual([other.id]);
    expect(
      (await inject("GET", "/sources?include_archived=true")).json().map((s: { id: number }) => s.id),
    ).toEqual([source.id, other.id]);
    expect((await events()).at(-1)).toEqual({ action: "source.archived", entity_id: source.id, details: {} });

    const stored = await state();
    const refused = expectProblem(
      await t.app.inject({
        method: "POST",
        url: "/appeals",
        payload: { lead_external_id: "x-1", source_id: source.id },
      }),
      404,
      "not_found",
    );
    expect(refused).toMatchObject({
      detail: `Source ${source.id} is archived; nothing was stored.`,
      errors: [{ path: "source_id", message: `source ${source.id} is archived` }],
    });
    expect(
      expectProblem(
        await inject("PUT", `/sources/${source.id}/weights/${a.id}`, { weight: 2 }),
        404,
        "not_found",
      ).detail,
    ).toBe(`Source ${source.id} is archived.`);
    expect((await inject("DELETE", `/sources/${source.id}`)).statusCode).toBe(204);
    expect(await state()).toEqual(stored);
    // Its appeal stays, and can still be closed and counted.
    expect((await inject("PATCH", `/appeals/${kept.appeal_id}/close`)).statusCode).toBe(200);
    const stats = (await inject("GET", "/stats/distribution")).json();
    expect(stats[0]).toMatchObject({ source_id: source.id, total_appeals: 1, pending_appeals: 0 });
  });

  it("with pending appeals is a 409 naming how many, and writes nothing", async () => {
    const source = await createSource(t.app);
    await createAppeal(t.app, { source_id: source.id });
    const stored = await state();
    expect(expectProblem(await inject("DELETE", `/sources/${source.id}`), 409, "conflict").detail).toBe(
      `Source ${source.id} has 1 pending appeal; it was not archived. ` +
        "Give its weights to operators who can take them, or close them, first.",
    );
    expect(await state()).toEqual(stored);
    expect(expectProblem(await inject("DELETE", "/sources/987654"), 404, "not_found").detail).toBe(
      "Source 987654 does not exist.",
    );
  });
});

describe("PUT and DELETE /sources/{id}/weights/{operator_id}", () => {
  it("sets one weight (the others stay), assigns what it makes assignable, and removes it", async () => {
    const a = await createOperator(t.app, { name: "Anna" });
    const b = await createOperator(t.app, { name: "Boris" });
    const source = await createSource(t.app);
    await setWeights(t.app, source.id, [{ operator_id: a.id, weight: 4 }]);
    await inject("PATCH", `/operators/${a.id}`, { is_active: false });
    const waiting = await createAppeal(t.app, { source_id: source.id });
    expect(waiting.status).toBe("pending");

    const set = await inject("PUT", `/sources/${source.id}/weights/${b.id}`, { weight: 7 });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json()).toEqual({ operator_id: b.id, operator_name: "Boris", weight: 7 });
    expect((await inject("GET", `/appeals/${waiting.appeal_id}`)).json().operator).toEqual({
      id: b.id,
      name: "Boris",
    });
    const changed = await inject("PUT", `/sources/${source.id}/weights/${a.id}`, { weight: 9 });
    expect(changed.json()).toEqual({ operator_id: a.id, operator_name: "Anna", weight: 9 });
    expect((await inject("GET", `/sources/${source.id}/weights`)).json()).toEqual([
      { operator_id: a.id, operator_name: "Anna", weight: 9 },
      { operator_id: b.id, operator_name: "Boris", weight: 7 },
    ]);

    const removed = await inject("DELETE", `/sources/${source.id}/weights/${b.id}`);
    expect(removed.statusCode).toBe(204);
    expect((await inject("GET", `/sources/${source.id}/weights`)).json()).toEqual([
      { operator_id: a.id, operator_name: "Anna", weight: 9 },
    ]);
    const weightEvents = (await events()).filter((e) => e.action.startsWith("weight."));
    expect(weightEvents).toEqual([
      { action: "weight.set", entity_id: source.id, details: { operator_id: b.id, before: null, after: 7 } },
      { action: "weight.set", entity_id: source.id, details: { operator_id: a.id, before: 4, after: 9 } },
      { action: "weight.removed", entity_id: source.id, details: { operator_id: b.id, before: 7 } },
    ]);
  });

  it("refuses what does not exist (404) and bad weights (400), writing nothing", async () => {
    const a = await createOperator(t.app);
    const source = await createSource(t.app);
    const stored = await state();
    expect(
      expectProblem(await inject("PUT", `/sources/987654/weights/${a.id}`, { weight: 1 }), 404, "not_found")
        .detail,
    ).toBe("Source 987654 does not exist.");
    expect(
      expectProblem(
        await inject("PUT", `/sources/${source.id}/weights/987654`, { weight: 1 }),
        404,
        "not_found",
      ).detail,
    ).toBe("Operator 987654 does not exist; the weight was not set.");
    expect(
      expectProblem(await inject("DELETE", `/sources/${source.id}/weights/${a.id}`), 404, "not_found").detail,
    ).toBe(`Operator ${a.id} has no weight for source ${source.id}.`);
    for (const weight of [0, 101, 1.5, "5", null]) {
      expectValidationError(
        await inject("PUT", `/sources/${source.id}/weights/${a.id}`, { weight }),
        "weight",
      );
    }
    expectValidationError(
      await inject("PUT", `/sources/${source.id}/weights/x`, { weight: 1 }),
      "operator_id",
    );
    expect(await state()).toEqual(stored);
  });
});
