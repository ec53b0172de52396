// reconcile() beside running writers, on a real server: intakes and closes through two
// app instances (two pools, as two service instances) while both instances reconcile.
// Each round injects drift first; the reconciles must repair exactly that drift and
// create none of their own, so none is left at the end. A repair that counted without
// the locks would overwrite a concurrent intake's or close's change of the counter.
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LoadDrift } from "../../../src/modules/appeals/load-reconcile.repository.js";
import { createOperator, createSource, setWeights, unique } from "../../helpers/factories.js";
import { invariantViolations, query } from "../../helpers/sql.js";
import { type RunningApp, startTestApp, useTestApp } from "../../helpers/test-app.js";
import { onRealServer } from "../../helpers/test-database.js";

describe.skipIf(!onRealServer)("reconcile under concurrent intakes and closes on two instances", () => {
  const t = useTestApp({ poolSize: 10 });
  let second: RunningApp;
  beforeAll(async () => {
    second = await startTestApp(t.testDatabase.url, { poolSize: 10 });
  });
  afterAll(async () => {
    await second?.close();
  });

  it("repairs exactly the injected drift each round and leaves none", async () => {
    const sql = (text: string, params: unknown[] = []) => query(t.testDatabase.url, text, params);
    const instances = [t, second];
    const app = (i: number) => (instances[i % 2] as RunningApp).app as FastifyInstance;
    const operators = [];
    for (let i = 0; i < 4; i++) operators.push(await createOperator(t.app, { max_load: 40 }));
    const source = await createSource(t.app);
    await setWeights(
      t.app,
      source.id,
      operators.map((o) => ({ operator_id: o.id, weight: 1 })),
    );

    // Five rounds: at most 144 active at once (+2 by hand), below the 160 slots, so none waits.
    for (let round = 0; round < 5; round++) {
      // An active_load made too high by hand (too low would fail the closes on the CHECK) in
      // even rounds; in odd ones only appeal_counts drifts, so no operator lock serialises
      // the reconciles. The drifted counter row is one every intake and close of its
      // operator writes: the repair must not overwrite their deltas.
      const tooHigh = round % 2 === 0 ? (operators[round % 4]?.id as number) : null;
      const countedWrong = operators[(round + 1) % 4]?.id as number;
      if (tooHigh !== null) {
        await sql("UPDATE operators SET active_load = active_load + 2 WHERE id = $1", [tooHigh]);
      }
      await sql(
        `INSERT INTO appeal_counts AS c VALUES ($1, $2, 'active', 3)
         ON CONFLICT (source_id, operator_id, status) DO UPDATE SET n = c.n + 3`,
        [source.id, countedWrong],
      );
      const active = await sql("SELECT id FROM appeals WHERE status = 'active' ORDER BY id LIMIT 12");
      const writes = [
        ...Array.from({ length: 36 }, (_, i) =>
          app(i).inject({
            method: "POST",
            url: "/appeals",
            payload: { lead_external_id: unique("lead"), source_id: source.id },
          }),
        ),
        ...active.map((row, i) =>
          app(i + 1).inject({ method: "PATCH", url: `/appeals/${(row as { id: number }).id}/close` }),
        ),
      ];
      const reconciles: Promise<LoadDrift>[] = [];
      // Reconciles start among the writes, on both instances.
      for (let i = 0; i < 4; i++) {
        await Promise.resolve();
        reconciles.push((instances[i % 2] as RunningApp).deps.loadReconcile.reconcile("test"));
      }
      const answers = await Promise.all(writes);
      expect(answers.filter((r) => r.statusCode !== 200 && r.statusCode !== 201).map((r) => r.body)).toEqual(
        [],
      );
      const repaired = await Promise.all(reconciles);
      expect(repaired.flatMap((r) => r.activeLoad.map((d) => d.operatorId))).toEqual(
        tooHigh === null ? [] : [tooHigh],
      );
      expect(
        repaired.flatMap((r) => r.appealCounts.map((d) => [d.sourceId, d.operatorId, d.status])),
      ).toEqual([[source.id, countedWrong, "active"]]);
      expect(await t.deps.loadReconcile.findDrift()).toEqual({ activeLoad: [], appealCounts: [] });
    }
    expect((await invariantViolations(t.testDatabase.url)).overLoaded).toEqual([]);
    const statuses = await sql("SELECT status::text, count(*)::int AS n FROM appeals GROUP BY 1 ORDER BY 1");
    expect(statuses).toEqual([
      { status: "active", n: 5 * 36 - 4 * 12 },
      { status: "closed", n: 4 * 12 },
    ]);
  });
});
