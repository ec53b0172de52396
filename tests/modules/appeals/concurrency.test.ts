// Concurrency claims, proven with concurrent requests on a real PostgreSQL server,
// spread over two app instances (two pools) on one database, as two service
// instances would be. PGlite runs one query at a time, so there they prove nothing.
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createOperator, createSource, setWeights, unique } from "../../helpers/factories.js";
import { invariantViolations, query } from "../../helpers/sql.js";
import { type RunningApp, startTestApp, useTestApp } from "../../helpers/test-app.js";
import { onRealServer } from "../../helpers/test-database.js";

describe.skipIf(!onRealServer)("under concurrent requests on two instances", () => {
  const t = useTestApp({ poolSize: 10 });
  let second: RunningApp;
  let instances: FastifyInstance[];
  beforeAll(async () => {
    second = await startTestApp(t.testDatabase.url, { poolSize: 10 });
    instances = [t.app, second.app];
  });
  afterAll(async () => {
    await second?.close();
  });
  beforeEach(async () => {
    await t.testDatabase.reset();
  });

  const post = (i: number, payload: object) =>
    (instances[i % 2] as FastifyInstance).inject({ method: "POST", url: "/appeals", payload });

  async function loads(): Promise<Map<number, number>> {
    const rows = await query<{ id: number; n: number }>(
      t.testDatabase.url,
      `SELECT o.id, count(a.id)::int AS n FROM operators o
       LEFT JOIN appeals a ON a.operator_id = o.id AND a.status = 'active' GROUP BY o.id`,
    );
    return new Map(rows.map((row) => [row.id, row.n]));
  }

  async function countByStatus(): Promise<Record<string, number>> {
    const rows = await query<{ status: string; n: number }>(
      t.testDatabase.url,
      "SELECT status::text, count(*)::int AS n FROM appeals GROUP BY status ORDER BY status",
    );
    return Object.fromEntries(rows.map((row) => [row.status, row.n]));
  }

  it("240 concurrent appeals fill every operator to exactly min(limit, demand), the rest pending", async () => {
    // Source A: five operators with limits 1..5 (capacity 15) and a demand of 200.
    // Source B: one operator of its own (limit 50) and a demand of 40, and it
    // shares operator a5 with source A.
    const a = [];
    for (const maxLoad of [1, 2, 3, 4, 5]) a.push(await createOperator(t.app, { max_load: maxLoad }));
    const b = await createOperator(t.app, { max_load: 50 });
    const sourceA = await createSource(t.app);
    const sourceB = await createSource(t.app);
    await setWeights(
      t.app,
      sourceA.id,
      a.map((o, i) => ({ operator_id: o.id, weight: 10 * (i + 1) })),
    );
    await setWeights(t.app, sourceB.id, [{ operator_id: b.id, weight: 1 }]);

    const responses = await Promise.all(
      Array.from({ length: 240 }, (_, i) =>
        post(i, { lead_external_id: unique("lead"), source_id: i % 6 === 5 ? sourceB.id : sourceA.id }),
      ),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(240).fill(201));
    const byStatus = responses.reduce<Record<string, number>>((acc, r) => {
      const status = r.json().status as string;
      acc[status] = (acc[status] ?? 0) + 1;
      return acc;
    }, {});
    expect(byStatus).toEqual({ active: 15 + 40, pending: 200 - 15 });
    const load = await loads();
    expect(a.map((o) => load.get(o.id))).toEqual([1, 2, 3, 4, 5]);
    expect(load.get(b.id)).toBe(40);
    expect(await countByStatus()).toEqual({ active: 55, pending: 185 });
    expect(await invariantViolations(t.testDatabase.url)).toEqual({ overLoaded: [], stuckPending: [] });
  });

  it("concurrent first appeals with one external_id make one lead, and all succeed", async () => {
    const source = await createSource(t.app);
    const externalId = unique("tg_user");
    const responses = await Promise.all(
      Array.from({ length: 60 }, (_, i) => post(i, { lead_external_id: externalId, source_id: source.id })),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(60).fill(201));
    expect(new Set(responses.map((r) => r.json().lead_id)).size).toBe(1);
    const leads = await query<{ n: number }>(
      t.testDatabase.url,
      "SELECT count(*)::int AS n FROM leads WHERE external_id = $1",
      [externalId],
    );
    expect(leads[0]?.n).toBe(1);
    const lead = await t.app.inject({ method: "GET", url: `/leads/by-external-id/${externalId}` });
    expect(lead.json().appeals_count).toBe(60);
  });

  it("concurrent closes and creates never push a load over its limit and leave nothing stuck", async () => {
    const operators = [];
    for (const maxLoad of [2, 3, 5]) operators.push(await createOperator(t.app, { max_load: maxLoad }));
    const source = await createSource(t.app);
    await setWeights(
      t.app,
      source.id,
      operators.map((o) => ({ operator_id: o.id, weight: 1 })),
    );
    const initial = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        post(i, { lead_external_id: unique("lead"), source_id: source.id }),
      ),
    );
    const active = initial
      .filter((r) => r.json().status === "active")
      .map((r) => r.json().appeal_id as number);
    expect(active).toHaveLength(10);

    // Close every active appeal while 100 new appeals arrive, all at once, on both instances.
    const closes = active.map((id, i) =>
      (instances[i % 2] as FastifyInstance).inject({ method: "PATCH", url: `/appeals/${id}/close` }),
    );
    const creates = Array.from({ length: 100 }, (_, i) =>
      post(i + 1, { lead_external_id: unique("lead"), source_id: source.id }),
    );
    const results = await Promise.all([...closes, ...creates]);
    expect(results.filter((r) => r.statusCode !== 200 && r.statusCode !== 201)).toEqual([]);

    const load = await loads();
    expect(operators.map((o) => load.get(o.id))).toEqual([2, 3, 5]);
    expect(await countByStatus()).toEqual({ active: 10, closed: 10, pending: 130 - 20 });
    expect(await invariantViolations(t.testDatabase.url)).toEqual({ overLoaded: [], stuckPending: [] });
  });

  it("concurrent capacity events drain pending appeals exactly once each", async () => {
    const operator = await createOperator(t.app, { max_load: 0 });
    const helpers = [];
    for (let i = 0; i < 4; i++) helpers.push(await createOperator(t.app, { max_load: 5, is_active: false }));
    const source = await createSource(t.app);
    await setWeights(
      t.app,
      source.id,
      [operator, ...helpers].map((o) => ({ operator_id: o.id, weight: 1 })),
    );
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => post(i, { lead_external_id: unique("l"), source_id: source.id })),
    );
    expect(await countByStatus()).toEqual({ pending: 50 });

    // Four activations and a limit raise at once, on both instances: 4 × 5 + 10 = 30 slots.
    const events = [
      ...helpers.map((h, i) =>
        (instances[i % 2] as FastifyInstance).inject({
          method: "PATCH",
          url: `/operators/${h.id}`,
          payload: { is_active: true },
        }),
      ),
      second.app.inject({ method: "PATCH", url: `/operators/${operator.id}`, payload: { max_load: 10 } }),
    ];
    expect((await Promise.all(events)).map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
    expect(await countByStatus()).toEqual({ active: 30, pending: 20 });
    // Oldest first: the 30 assigned are the 30 oldest.
    const assigned = await query<{ max_active: number; min_pending: number }>(
      t.testDatabase.url,
      `SELECT (SELECT max(id) FROM appeals WHERE status = 'active') AS max_active,
              (SELECT min(id) FROM appeals WHERE status = 'pending') AS min_pending`,
    );
    expect(assigned[0]?.max_active).toBeLessThan(assigned[0]?.min_pending as number);
    expect(await invariantViolations(t.testDatabase.url)).toEqual({ overLoaded: [], stuckPending: [] });
  });

  const inject = (i: number, method: "PATCH" | "DELETE", url: string, payload?: object) =>
    (instances[i % 2] as FastifyInstance).inject({ method, url, ...(payload && { payload }) });

  it("transfers racing intakes and closes never over-assign, and leave nothing stuck", async () => {
    const operators: { id: number }[] = [];
    for (let i = 0; i < 4; i++) operators.push(await createOperator(t.app, { max_load: 3 }));
    const source = await createSource(t.app);
    await setWeights(
      t.app,
      source.id,
      operators.map((o) => ({ operator_id: o.id, weight: 1 })),
    );
    const initial = await Promise.all(
      Array.from({ length: 22 }, (_, i) =>
        post(i, { lead_external_id: unique("lead"), source_id: source.id }),
      ),
    );
    const ids = initial.map((r) => r.json().appeal_id as number);
    const active = initial
      .filter((r) => r.json().status === "active")
      .map((r) => r.json().appeal_id as number);
    expect(active).toHaveLength(12);

    // 40 transfers of any appeal to any operator, 30 intakes and 6 closes, all at once on both instances.
    const transfers = Array.from({ length: 40 }, (_, i) =>
      inject(i, "PATCH", `/appeals/${ids[(i * 7) % ids.length]}/assign`, {
        operator_id: operators[i % 4]?.id,
      }),
    );
    const creates = Array.from({ length: 30 }, (_, i) =>
      post(i + 1, { lead_external_id: unique("lead"), source_id: source.id }),
    );
    const closes = active.slice(0, 6).map((id, i) => inject(i, "PATCH", `/appeals/${id}/close`));
    const [transferred, created, closed] = await Promise.all([
      Promise.all(transfers),
      Promise.all(creates),
      Promise.all(closes),
    ]);
    for (const r of transferred) expect([200, 409], r.body).toContain(r.statusCode);
    expect(created.map((r) => r.statusCode)).toEqual(Array(30).fill(201));
    expect(closed.map((r) => r.statusCode)).toEqual(Array(6).fill(200));

    const load = await loads();
    expect(operators.map((o) => load.get(o.id))).toEqual([3, 3, 3, 3]);
    expect(await countByStatus()).toEqual({ active: 12, closed: 6, pending: 52 - 18 });
    expect(await invariantViolations(t.testDatabase.url)).toEqual({ overLoaded: [], stuckPending: [] });
  });

  it("transfers in opposite directions at once never deadlock", async () => {
    const a = await createOperator(t.app, { max_load: 100 });
    const b = await createOperator(t.app, { max_load: 100 });
    const source = await createSource(t.app);
    const make = async (operator: { id: number }) => {
      await setWeights(t.app, source.id, [{ operator_id: operator.id, weight: 1 }]);
      const made = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          post(i, { lead_external_id: unique("l"), source_id: source.id }),
        ),
      );
      return made.map((r) => r.json().appeal_id as number);
    };
    const onA = await make(a);
    const onB = await make(b);
    await setWeights(t.app, source.id, [
      { operator_id: a.id, weight: 1 },
      { operator_id: b.id, weight: 1 },
    ]);
    const results = await Promise.all([
      ...onA.map((id, i) => inject(i, "PATCH", `/appeals/${id}/assign`, { operator_id: b.id })),
      ...onB.map((id, i) => inject(i + 1, "PATCH", `/appeals/${id}/assign`, { operator_id: a.id })),
    ]);
    expect(results.map((r) => r.statusCode)).toEqual(Array(40).fill(200));
    const load = await loads();
    expect([load.get(a.id), load.get(b.id)]).toEqual([20, 20]);
    expect(await invariantViolations(t.testDatabase.url)).toEqual({ overLoaded: [], stuckPending: [] });
  });

  it("archiving an operator with reassign while appeals arrive and close keeps every counter exact", async () => {
    const operators = [];
    for (let i = 0; i < 3; i++) operators.push(await createOperator(t.app, { max_load: 4 }));
    const source = await createSource(t.app);
    await setWeights(
      t.app,
      source.id,
      operators.map((o) => ({ operator_id: o.id, weight: 1 })),
    );
    const initial = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        post(i, { lead_external_id: unique("lead"), source_id: source.id }),
      ),
    );
    const active = initial
      .filter((r) => r.json().status === "active")
      .map((r) => r.json().appeal_id as number);
    expect(active).toHaveLength(12);
    const gone = operators[0] as { id: number };
    const results = await Promise.all([
      inject(0, "DELETE", `/operators/${gone.id}?reassign=true`),
      ...active.slice(0, 4).map((id, i) => inject(i + 1, "PATCH", `/appeals/${id}/close`)),
      ...Array.from({ length: 20 }, (_, i) =>
        post(i, { lead_external_id: unique("lead"), source_id: source.id }),
      ),
    ]);
    expect(results.map((r) => r.statusCode)).toEqual([204, ...Array(4).fill(200), ...Array(20).fill(201)]);
    const load = await loads();
    expect(operators.map((o) => load.get(o.id))).toEqual([0, 4, 4]);
    expect(await countByStatus()).toEqual({ active: 8, closed: 4, pending: 36 - 12 });
    expect(await invariantViolations(t.testDatabase.url)).toEqual({ overLoaded: [], stuckPending: [] });
  });
});
