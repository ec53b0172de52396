// appeal_counts, the running counts GET /stats/distribution reads, is kept by
// statement-level triggers on appeals (migration 20261122001000_appeal_counts):
// after any mix of writes, through the service or straight SQL, it must equal a
// count of the appeals themselves.
import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { MIGRATIONS_DIR } from "../../../src/db/migrations-dir.js";
import { applyMigrations, readMigrations } from "../../../src/db/migrator.js";
import { withDatabase } from "../../helpers/database-target.js";
import {
  type AppealCreatedBody,
  createAppeal,
  createOperator,
  createSource,
  setWeights,
  unique,
} from "../../helpers/factories.js";
import { invariantViolations, query } from "../../helpers/sql.js";
import { type RunningApp, startTestApp, useTestApp } from "../../helpers/test-app.js";
import { onRealServer } from "../../helpers/test-database.js";

type CountRow = { source_id: number; operator_id: number; status: string; n: number };

/**
 * The counters and the count they must equal, both sorted. Counters that fell to 0
 * stay behind (the triggers never delete rows), so they are left out; none may be negative.
 */
async function countsAndTruth(url: string): Promise<{ counted: CountRow[]; actual: CountRow[] }> {
  const negative = await query(url, "SELECT * FROM appeal_counts WHERE n < 0");
  expect(negative).toEqual([]);
  const counted = await query<CountRow>(
    url,
    `SELECT source_id, operator_id, status::text, n::int FROM appeal_counts
     WHERE n <> 0 ORDER BY 1, 2, 3`,
  );
  const actual = await query<CountRow>(
    url,
    `SELECT source_id, COALESCE(operator_id, 0) AS operator_id, status::text, count(*)::int AS n
     FROM appeals GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
  );
  return { counted, actual };
}

async function expectCountsExact(url: string): Promise<CountRow[]> {
  const { counted, actual } = await countsAndTruth(url);
  expect(counted).toEqual(actual);
  return actual;
}

const row = (source: { id: number }, operator: { id: number } | null, status: string, n: number) => ({
  source_id: source.id,
  operator_id: operator?.id ?? 0,
  status,
  n,
});

async function close(app: FastifyInstance, appealId: number): Promise<void> {
  const response = await app.inject({ method: "PATCH", url: `/appeals/${appealId}/close` });
  expect(response.statusCode, response.body).toBe(200);
}

describe("appeal_counts", () => {
  // A draw of 0 always picks the candidate with the lowest id: assignment is deterministic.
  const t = useTestApp({ random: () => 0 });

  it("follows intakes, drains, closes and direct SQL inserts, updates, deletes and TRUNCATE", async () => {
    await t.testDatabase.reset();
    const url = t.testDatabase.url;
    const alice = await createOperator(t.app, { max_load: 1 });
    const bob = await createOperator(t.app, { max_load: 2 });
    const s1 = await createSource(t.app);
    const s2 = await createSource(t.app);
    const s3 = await createSource(t.app);
    await setWeights(t.app, s1.id, [
      { operator_id: alice.id, weight: 1 },
      { operator_id: bob.id, weight: 1 },
    ]);
    await setWeights(t.app, s2.id, [{ operator_id: bob.id, weight: 1 }]);

    // Intakes: s1 fills Alice (1) and Bob (2), then waits; s2 waits for Bob; s3 has nobody.
    const one: AppealCreatedBody[] = [];
    for (let i = 0; i < 4; i++) one.push(await createAppeal(t.app, { source_id: s1.id }));
    const two: AppealCreatedBody[] = [];
    for (let i = 0; i < 2; i++) two.push(await createAppeal(t.app, { source_id: s2.id }));
    await createAppeal(t.app, { source_id: s3.id });
    expect(await expectCountsExact(url)).toEqual([
      row(s1, null, "pending", 1),
      row(s1, alice, "active", 1),
      row(s1, bob, "active", 2),
      row(s2, null, "pending", 2),
      row(s3, null, "pending", 1),
    ]);

    // Closing Alice's appeal drains s1's pending one to her; closing a pending appeal
    // moves it to closed without an operator; closing it again changes nothing.
    await close(t.app, (one[0] as AppealCreatedBody).appeal_id);
    await close(t.app, (two[1] as AppealCreatedBody).appeal_id);
    await close(t.app, (two[1] as AppealCreatedBody).appeal_id);
    // A higher limit for Bob drains s2's remaining pending appeal to him.
    const patched = await t.app.inject({
      method: "PATCH",
      url: `/operators/${bob.id}`,
      payload: { max_load: 5 },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(await expectCountsExact(url)).toEqual([
      row(s1, alice, "active", 1),
      row(s1, alice, "closed", 1),
      row(s1, bob, "active", 2),
      row(s2, null, "closed", 1),
      row(s2, bob, "active", 1),
      row(s3, null, "pending", 1),
    ]);

    // Straight SQL, as an import or an operator at a psql prompt would write.
    const [lead] = await query<{ id: number }>(url, "SELECT min(id)::int AS id FROM leads");
    await query(
      url,
      `INSERT INTO appeals (lead_id, source_id, operator_id, status)
       VALUES ($1, $2, $3, 'closed'), ($1, $2, $3, 'closed'), ($1, $4, NULL, 'pending'), ($1, $5, $6, 'closed')`,
      [lead?.id, s1.id, alice.id, s3.id, s2.id, bob.id],
    );
    // An update of no counted column moves no counter.
    await query(url, "UPDATE appeals SET message = 'edited'");
    // One statement moving rows between several counters, and one moving a source.
    await query(url, "UPDATE appeals SET status = 'closed', closed_at = now() WHERE source_id = $1", [s1.id]);
    await query(url, "UPDATE appeals SET source_id = $1 WHERE source_id = $2 AND status = 'pending'", [
      s2.id,
      s3.id,
    ]);
    expect(await expectCountsExact(url)).toEqual([
      row(s1, alice, "closed", 4),
      row(s1, bob, "closed", 2),
      row(s2, null, "closed", 1),
      row(s2, null, "pending", 2),
      row(s2, bob, "active", 1),
      row(s2, bob, "closed", 1),
    ]);
    await query(url, "DELETE FROM appeals WHERE source_id = $1 AND operator_id IS NULL", [s2.id]);
    expect(await expectCountsExact(url)).toEqual([
      row(s1, alice, "closed", 4),
      row(s1, bob, "closed", 2),
      row(s2, bob, "active", 1),
      row(s2, bob, "closed", 1),
    ]);

    // The statistics read the counters: the same totals as the appeals.
    const stats = await t.app.inject({ method: "GET", url: "/stats/distribution" });
    expect(
      stats
        .json()
        .map((s: { source_id: number; total_appeals: number; pending_appeals: number }) => [
          s.source_id,
          s.total_appeals,
          s.pending_appeals,
        ]),
    ).toEqual([
      [s1.id, 6, 0],
      [s2.id, 2, 0],
      [s3.id, 0, 0],
    ]);

    // CASCADE: the tables that refer to appeals (messages, tasks) go with them.
    await query(url, "TRUNCATE appeals CASCADE");
    expect(await query(url, "SELECT * FROM appeal_counts")).toEqual([]);
    await createAppeal(t.app, { source_id: s3.id });
    expect(await expectCountsExact(url)).toEqual([row(s3, null, "pending", 1)]);
  });

  describe.skipIf(!onRealServer)("under concurrent requests on two instances and concurrent SQL", () => {
    let second: RunningApp;
    let instances: FastifyInstance[];
    beforeAll(async () => {
      second = await startTestApp(t.testDatabase.url, { poolSize: 10 });
      instances = [t.app, second.app];
    });
    afterAll(async () => {
      await second?.close();
    });

    it("stay exact after concurrent intakes, closes, drains and bulk statements", async () => {
      await t.testDatabase.reset();
      const url = t.testDatabase.url;
      const via = (i: number) => instances[i % 2] as FastifyInstance;
      const operators = [];
      for (const maxLoad of [2, 3, 5, 0]) operators.push(await createOperator(t.app, { max_load: maxLoad }));
      const shared = operators[2] as { id: number };
      const late = operators[3] as { id: number };
      const a = await createSource(t.app);
      const b = await createSource(t.app);
      await setWeights(
        t.app,
        a.id,
        operators.map((o, i) => ({ operator_id: o.id, weight: i + 1 })),
      );
      await setWeights(t.app, b.id, [
        { operator_id: shared.id, weight: 1 },
        { operator_id: late.id, weight: 1 },
      ]);
      const returning = [unique("returning"), unique("returning")];
      const intake = (i: number) =>
        via(i).inject({
          method: "POST",
          url: "/appeals",
          payload: {
            // Every fifth appeal from one of two returning leads.
            lead_external_id: i % 5 === 0 ? returning[i % 2] : unique("lead"),
            source_id: i % 3 === 0 ? b.id : a.id,
          },
        });

      const first = await Promise.all(Array.from({ length: 90 }, (_, i) => intake(i)));
      expect(first.filter((r) => r.statusCode !== 201).map((r) => r.body)).toEqual([]);
      const stored = first.map((r) => r.json() as AppealCreatedBody);
      const active = stored.filter((s) => s.status === "active").map((s) => s.appeal_id);
      const pending = stored.filter((s) => s.status === "pending").map((s) => s.appeal_id);
      expect(active).toHaveLength(10);
      await expectCountsExact(url);

      // All at once: every active appeal and some pending ones closed, 60 new intakes,
      // a limit raised (a drain), and bulk SQL statements beside the service.
      const [lead] = await query<{ id: number }>(url, "SELECT min(id)::int AS id FROM leads");
      const results = await Promise.all([
        ...[...active, ...pending.slice(0, 10)].map((id, i) =>
          via(i).inject({ method: "PATCH", url: `/appeals/${id}/close` }),
        ),
        ...Array.from({ length: 60 }, (_, i) => intake(i + 90)),
        via(1).inject({ method: "PATCH", url: `/operators/${late.id}`, payload: { max_load: 4 } }),
        query(
          url,
          `INSERT INTO appeals (lead_id, source_id, operator_id, status)
           SELECT $1, CASE WHEN g % 2 = 0 THEN $2::int ELSE $3::int END, $4, 'closed'
           FROM generate_series(1, 25) g`,
          [lead?.id, a.id, b.id, shared.id],
        ).then(() => ({ statusCode: 200, body: "bulk insert" })),
        query(url, "UPDATE appeals SET message = 'touched' WHERE id % 7 = 0").then(() => ({
          statusCode: 200,
          body: "bulk update",
        })),
      ]);
      expect(results.filter((r) => r.statusCode !== 200 && r.statusCode !== 201).map((r) => r.body)).toEqual(
        [],
      );

      const actual = await expectCountsExact(url);
      const total = actual.reduce((sum, r) => sum + r.n, 0);
      expect(total).toBe(90 + 60 + 25);
      expect(new Set(actual.map((r) => r.status))).toEqual(new Set(["pending", "active", "closed"]));
      expect(await invariantViolations(url)).toEqual({ overLoaded: [], stuckPending: [] });
    });
  });

  describe.skipIf(!onRealServer)("the migration that adds them", () => {
    it("backfills them from the appeals stored before it", async () => {
      const target = inject("database");
      if (target.kind !== "server") throw new Error("needs a real server");
      const name = `lds_backfill_${randomBytes(6).toString("hex")}`;
      await query(target.adminUrl, `CREATE DATABASE "${name}"`);
      const client = new pg.Client({ connectionString: withDatabase(target.adminUrl, name) });
      await client.connect();
      try {
        const quiet = { info() {} };
        const migrations = readMigrations(MIGRATIONS_DIR);
        const before = migrations.filter((m) => m.name < "20261122001000_appeal_counts");
        expect(before.length).toBeLessThan(migrations.length);
        await applyMigrations(client, before, quiet);
        await client.query(`
          INSERT INTO sources (name) VALUES ('one'), ('two');
          INSERT INTO operators (name) VALUES ('op1'), ('op2');
          INSERT INTO leads (external_id) VALUES ('lead');
          INSERT INTO appeals (lead_id, source_id, operator_id, status)
          SELECT 1, 1 + g % 2, CASE WHEN g % 3 = 0 THEN NULL ELSE 1 + g % 5 % 2 END,
                 (CASE WHEN g % 3 = 0 THEN 'pending' WHEN g % 4 = 0 THEN 'active' ELSE 'closed' END)::appeal_status
          FROM generate_series(1, 500) g`);
        await applyMigrations(client, migrations, quiet);
        const counted = await client.query(
          "SELECT source_id, operator_id, status::text, n::int FROM appeal_counts ORDER BY 1, 2, 3",
        );
        const actual = await client.query(
          `SELECT source_id, COALESCE(operator_id, 0) AS operator_id, status::text, count(*)::int AS n
           FROM appeals GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
        );
        expect(actual.rows.length).toBeGreaterThan(5);
        expect(counted.rows).toEqual(actual.rows);
      } finally {
        await client.end();
        await query(target.adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      }
    });
  });
});
