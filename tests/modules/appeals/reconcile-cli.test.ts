// npm run db:reconcile as a real process on DATABASE_URL: --dry-run reports and
// changes nothing, the plain run repairs and reports, a second run finds nothing.
import { describe, expect, it } from "vitest";
import { createAppeal, createOperator, createSource, setWeights } from "../../helpers/factories.js";
import { query } from "../../helpers/sql.js";
import { useTestApp } from "../../helpers/test-app.js";
import { runTs } from "../auth/child-process.js";

const t = useTestApp();

describe("the process (npm run db:reconcile)", () => {
  it("reports with --dry-run, repairs without, then finds nothing", async () => {
    const sql = (text: string, params: unknown[] = []) => query(t.testDatabase.url, text, params);
    const operator = await createOperator(t.app, { max_load: 5 });
    const served = await createSource(t.app);
    const unserved = await createSource(t.app);
    await setWeights(t.app, served.id, [{ operator_id: operator.id, weight: 1 }]);
    await createAppeal(t.app, { source_id: served.id });
    await createAppeal(t.app, { source_id: served.id });
    await createAppeal(t.app, { source_id: unserved.id });
    await sql("UPDATE operators SET active_load = 5 WHERE id = $1", [operator.id]);
    await sql("DELETE FROM appeal_counts WHERE source_id = $1 AND status = 'active'", [served.id]);
    await sql("UPDATE appeal_counts SET n = 3 WHERE source_id = $1 AND status = 'pending'", [unserved.id]);
    await sql("INSERT INTO appeal_counts VALUES ($1, $2, 'closed', 9)", [served.id, operator.id]);
    const snapshot = () =>
      sql(
        `SELECT (SELECT active_load FROM operators WHERE id = $1) AS load,
                (SELECT json_agg(c ORDER BY source_id, operator_id, status) FROM appeal_counts c) AS counts`,
        [operator.id],
      );
    const drifted = await snapshot();
    const report = [
      "active_load: 1 operator(s) disagree with their active appeals",
      `  operator ${operator.id}: active_load 5, active appeals 2`,
      "appeal_counts: 3 row(s) disagree with the appeals",
      `  source ${served.id}, operator ${operator.id}, active: row missing, appeals 2`,
      `  source ${served.id}, operator ${operator.id}, closed: n 9, appeals 0 (extra row)`,
      `  source ${unserved.id}, no operator, pending: n 3, appeals 1`,
    ];
    const env = { DATABASE_URL: t.testDatabase.url };

    const dryRun = runTs("src/cli/reconcile.ts", ["--dry-run"], env);
    expect(await dryRun.exited, dryRun.stderr()).toBe(0);
    expect(dryRun.stdout().trimEnd().split("\n")).toEqual([
      ...report,
      "Dry run: nothing changed. 4 counter(s) would be repaired; run without --dry-run to repair them.",
    ]);
    expect(await snapshot()).toEqual(drifted);

    const repair = runTs("src/cli/reconcile.ts", [], env);
    expect(await repair.exited, repair.stderr()).toBe(0);
    expect(repair.stdout().trimEnd().split("\n")).toEqual([...report, "Repaired 4 counter(s)."]);
    expect(await t.deps.loadReconcile.findDrift()).toEqual({ activeLoad: [], appealCounts: [] });
    expect(await snapshot()).toEqual([
      {
        load: 2,
        counts: [
          { source_id: served.id, operator_id: operator.id, status: "active", n: 2 },
          { source_id: unserved.id, operator_id: 0, status: "pending", n: 1 },
        ],
      },
    ]);
    const [event] = await sql("SELECT actor FROM events WHERE type = 'operator.load_reconciled'");
    expect((event as { actor: string }).actor).toMatch(/^cli(:.+)?$/);

    const again = runTs("src/cli/reconcile.ts", [], env);
    expect(await again.exited, again.stderr()).toBe(0);
    expect(again.stdout()).toBe(
      "No drift: every active_load and appeal_counts row agrees with the appeals.\n",
    );
  }, 120_000);

  it("exits 2 with the usage on a bad argument", async () => {
    const bad = runTs("src/cli/reconcile.ts", ["--dryrun"], {});
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toContain("Unknown option '--dryrun'");
    expect(bad.stderr()).toContain("Usage:");
  }, 60_000);
});
