// The activities' two invariants under concurrency, on the real server: ONE ACTIVITY PER (lead,
// external_id) across two instances, and ARCHIVED MATERIALS TAKE NO NEW ACTIVITY even when the
// archive commits while an activity naming the material is on its way. And the stats statement
// stays an index-only scan of the material's views when the table holds many other rows.
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppeal, createSource, unique } from "../../helpers/factories.js";
import { query } from "../../helpers/sql.js";
import { type RunningApp, startTestApp, useTestApp } from "../../helpers/test-app.js";
import { onRealServer } from "../../helpers/test-database.js";
import { expectProblem } from "../../http/problem-assertions.js";

describe.skipIf(!onRealServer)("activities under concurrency, on two instances", () => {
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

  const post = (i: number, payload: object) =>
    (instances[i % 2] as FastifyInstance).inject({ method: "POST", url: "/activities", payload });
  const lead = async () => {
    const source = await createSource(t.app);
    return (await createAppeal(t.app, { source_id: source.id, lead_external_id: unique("lead") })).lead_id;
  };
  const material = async () => {
    const response = await t.app.inject({
      method: "POST",
      url: "/materials",
      payload: { title: unique("material"), category: "article", published: true },
    });
    expect(response.statusCode, response.body).toBe(201);
    return (response.json() as { id: number }).id;
  };

  it("20 concurrent retries over two instances store one activity: one 201, nineteen 200 with it", async () => {
    const leadId = await lead();
    const materialId = await material();
    for (let round = 0; round < 3; round++) {
      const payload = {
        lead_id: leadId,
        type: "material_viewed",
        material_id: materialId,
        external_id: `tg-concurrent-${round}`,
        data: { round },
      };
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => post(i, payload)));
      expect(answers.map((a) => a.statusCode).sort()).toEqual([...Array(19).fill(200), 201]);
      const bodies = answers.map((a) => a.json() as { id: number });
      expect(new Set(bodies.map((b) => b.id)).size).toBe(1);
      expect(new Set(answers.map((a) => a.body)).size).toBe(1);
      const rows = await query<{ id: number }>(
        t.testDatabase.url,
        "SELECT id FROM activities WHERE lead_id = $1 AND external_id = $2",
        [leadId, payload.external_id],
      );
      expect(rows.map((row) => row.id)).toEqual([bodies[0]?.id]);
    }
    const stats = await t.app.inject({ method: "GET", url: `/materials/${materialId}/stats` });
    expect(stats.json()).toMatchObject({ views: 3, unique_leads: 1 });
  });

  it("an activity racing an archive of its material is stored before it or refused after it, never after it commits", async () => {
    const leadId = await lead();
    const materialId = await material();
    // The archive's row lock, held in a transaction of our own while the activity arrives.
    const client = new pg.Client({ connectionString: t.testDatabase.url });
    await client.connect();
    try {
      await client.query("BEGIN");
      await client.query("UPDATE materials SET archived_at = now(), updated_at = now() WHERE id = $1", [
        materialId,
      ]);
      const pending = post(0, { lead_id: leadId, type: "material_viewed", material_id: materialId });
      // The statement is waiting on the row (pg_locks shows it), not done.
      await expect
        .poll(
          async () =>
            (
              await query<{ n: number }>(
                t.testDatabase.url,
                "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO activities%'",
              )
            )[0]?.n,
          { timeout: 5_000 },
        )
        .toBe(1);
      await client.query("COMMIT");
      expectProblem(await pending, 409, "material_archived");
    } finally {
      await client.end();
    }
    const rows = await query(t.testDatabase.url, "SELECT id FROM activities WHERE material_id = $1", [
      materialId,
    ]);
    expect(rows).toEqual([]);
  });

  it("archiving waits for an activity holding the material, which is stored; the next one is refused", async () => {
    const leadId = await lead();
    const materialId = await material();
    const client = new pg.Client({ connectionString: t.testDatabase.url });
    await client.connect();
    try {
      // An activity in flight: the same FOR SHARE the insert statement takes.
      await client.query("BEGIN");
      await client.query("SELECT id FROM materials WHERE id = $1 FOR SHARE", [materialId]);
      await client.query(
        "INSERT INTO activities (lead_id, type, material_id, occurred_at) VALUES ($1, 'material_viewed', $2, now())",
        [leadId, materialId],
      );
      const archiving = t.app.inject({ method: "DELETE", url: `/materials/${materialId}` });
      await expect
        .poll(
          async () =>
            (
              await query<{ n: number }>(
                t.testDatabase.url,
                "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%FROM materials%FOR NO KEY UPDATE%'",
              )
            )[0]?.n,
          { timeout: 5_000 },
        )
        .toBe(1);
      await client.query("COMMIT");
      expect((await archiving).statusCode).toBe(204);
    } finally {
      await client.end();
    }
    expectProblem(
      await post(1, { lead_id: leadId, type: "material_viewed", material_id: materialId }),
      409,
      "material_archived",
    );
    const stats = await t.app.inject({ method: "GET", url: `/materials/${materialId}/stats` });
    expect(stats.json()).toMatchObject({ views: 1, unique_leads: 1 });
  });

  it("the stats statement is an index-only scan of the material's views among 40,000 other activities", async () => {
    const leadIds = [await lead(), await lead(), await lead()];
    const [target, other] = [await material(), await material()];
    // Filled with SQL: 30,000 views of another material, 10,000 other activities on this one, 300 views of it.
    await query(
      t.testDatabase.url,
      `INSERT INTO activities (lead_id, type, material_id, occurred_at)
       SELECT ($1::int[])[1 + i % 3], 'material_viewed', $2::int, now() - i * interval '1 second' FROM generate_series(1, 30000) i
       UNION ALL
       SELECT ($1::int[])[1 + i % 3], 'button_clicked', $3::int, now() FROM generate_series(1, 10000) i
       UNION ALL
       SELECT ($1::int[])[1 + i % 2], 'material_viewed', $3::int, timestamptz '2026-12-01T00:00:00Z' + i * interval '1 minute'
       FROM generate_series(1, 300) i`,
      [leadIds, other, target],
    );
    await query(t.testDatabase.url, "VACUUM ANALYZE activities");
    const stats = await t.app.inject({ method: "GET", url: `/materials/${target}/stats` });
    expect(stats.json()).toEqual({
      material_id: target,
      views: 300,
      unique_leads: 2,
      last_viewed_at: "2026-12-01T05:00:00.000Z",
    });
    // The service's statement, captured from the database's own log of it, explained.
    const statements: string[] = [];
    const probe = await startTestApp(t.testDatabase.url, { onQuery: (sql) => statements.push(sql) });
    try {
      await probe.app.inject({ method: "GET", url: `/materials/${target}/stats` });
    } finally {
      await probe.close();
    }
    const statement = statements.find((sql) => sql.includes("count(DISTINCT a.lead_id)"));
    expect(statement).toBeDefined();
    const plan = await query<{ "QUERY PLAN": string }>(
      t.testDatabase.url,
      `EXPLAIN ${String(statement).replace("$1", String(target))}`,
    );
    const text = plan.map((row) => row["QUERY PLAN"]).join("\n");
    expect(text).toContain("Index Only Scan using activities_material_views_idx");
    expect(text).not.toContain("Seq Scan on activities");
  });
});
