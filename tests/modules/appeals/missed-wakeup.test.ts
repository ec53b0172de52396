// The state a fault leaves between a capacity event and its drain (a crash, a
// statement timeout, a database blip): the close committed, the drain never ran.
// The sweep, a retried close and a PATCH that changes nothing must all repair it.
import { beforeEach, describe, expect, it } from "vitest";
import { createAppeal, createOperator, createSource, setWeights } from "../../helpers/factories.js";
import { appealState, closeWithoutDrain, invariantViolations, query } from "../../helpers/sql.js";
import { type RunningApp, startTestApp, useTestApp } from "../../helpers/test-app.js";
import { onRealServer } from "../../helpers/test-database.js";

const t = useTestApp();

beforeEach(async () => {
  await t.testDatabase.reset();
});

/** One operator (limit 1) on one source: a closed appeal, a free operator, a pending appeal. */
async function crashedState() {
  const operator = await createOperator(t.app, { max_load: 1 });
  const source = await createSource(t.app);
  await setWeights(t.app, source.id, [{ operator_id: operator.id, weight: 1 }]);
  const first = await createAppeal(t.app, { source_id: source.id });
  const waiting = await createAppeal(t.app, { source_id: source.id });
  expect([first.status, waiting.status]).toEqual(["active", "pending"]);
  await closeWithoutDrain(t.testDatabase.url, first.appeal_id);
  expect((await invariantViolations(t.testDatabase.url)).stuckPending).toEqual([{ source_id: source.id }]);
  return { operator, source, first, waiting };
}

describe("a pending appeal left beside free capacity", () => {
  it("is assigned by the sweep", async () => {
    const { operator, waiting } = await crashedState();
    expect(await t.deps.sweeper.runOnce()).toEqual({ ran: true, assigned: 1 });
    expect(await appealState(t.testDatabase.url, waiting.appeal_id)).toEqual({
      status: "active",
      operator_id: operator.id,
    });
    expect(await invariantViolations(t.testDatabase.url)).toEqual({ overLoaded: [], stuckPending: [] });
    const events = await query<{ action: string; actor: string }>(
      t.testDatabase.url,
      "SELECT type AS action, actor FROM events WHERE appeal_id = $1 ORDER BY id",
      [waiting.appeal_id],
    );
    expect(events).toEqual([
      { action: "appeal.created", actor: "anonymous" },
      { action: "appeal.assigned", actor: "sweep" },
    ]);
  });

  it("is assigned by a retried close, which answers the closed appeal unchanged", async () => {
    const { operator, first, waiting } = await crashedState();
    const retry = await t.app.inject({ method: "PATCH", url: `/appeals/${first.appeal_id}/close` });
    expect(retry.statusCode).toBe(200);
    expect(retry.json()).toMatchObject({ id: first.appeal_id, status: "closed" });
    expect(await appealState(t.testDatabase.url, waiting.appeal_id)).toEqual({
      status: "active",
      operator_id: operator.id,
    });
  });

  it("is assigned by a PATCH of the operator that changes nothing", async () => {
    const { operator, waiting } = await crashedState();
    const patch = await t.app.inject({
      method: "PATCH",
      url: `/operators/${operator.id}`,
      payload: { max_load: 1 },
    });
    expect(patch.statusCode).toBe(200);
    expect(patch.json()).toMatchObject({ max_load: 1, current_load: 1 });
    expect(await appealState(t.testDatabase.url, waiting.appeal_id)).toEqual({
      status: "active",
      operator_id: operator.id,
    });
  });

  it("is left alone by a PATCH when the operator stays full or inactive", async () => {
    const { operator, waiting } = await crashedState();
    const patch = await t.app.inject({
      method: "PATCH",
      url: `/operators/${operator.id}`,
      payload: { is_active: false },
    });
    expect(patch.json()).toMatchObject({ is_active: false, current_load: 0 });
    expect(await appealState(t.testDatabase.url, waiting.appeal_id)).toEqual({
      status: "pending",
      operator_id: null,
    });
  });
});

describe.skipIf(!onRealServer)("two instances sweeping at once", () => {
  it("assign each pending appeal once", async () => {
    const second: RunningApp = await startTestApp(t.testDatabase.url);
    try {
      const operator = await createOperator(t.app, { max_load: 3 });
      const source = await createSource(t.app);
      await setWeights(t.app, source.id, [{ operator_id: operator.id, weight: 1 }]);
      const active = [];
      for (let i = 0; i < 3; i++) active.push(await createAppeal(t.app, { source_id: source.id }));
      const waiting = [];
      for (let i = 0; i < 3; i++) waiting.push(await createAppeal(t.app, { source_id: source.id }));
      for (const appeal of active) await closeWithoutDrain(t.testDatabase.url, appeal.appeal_id);

      const runs = await Promise.all([t.deps.sweeper.runOnce(), second.deps.sweeper.runOnce()]);
      expect(runs.reduce((sum, run) => sum + run.assigned, 0)).toBe(3);
      const drained = await query<{ appeal_id: number; n: number }>(
        t.testDatabase.url,
        `SELECT appeal_id, count(*)::int AS n FROM events WHERE type = 'appeal.assigned' AND details->>'via' = 'drain'
         GROUP BY appeal_id ORDER BY appeal_id`,
      );
      expect(drained).toEqual(waiting.map((appeal) => ({ appeal_id: appeal.appeal_id, n: 1 })));
      expect(await invariantViolations(t.testDatabase.url)).toEqual({ overLoaded: [], stuckPending: [] });
    } finally {
      await second.close();
    }
  });

  it("one skips while the other holds the sweep", async () => {
    const second: RunningApp = await startTestApp(t.testDatabase.url);
    try {
      const { waiting, operator } = await crashedState();
      let inner: { ran: boolean; assigned: number } | undefined;
      // While the first instance sweeps (inside its lock), the second one tries and skips.
      const outer = await t.deps.sweeper.runOnce({
        whileLocked: async () => {
          inner = await second.deps.sweeper.runOnce();
        },
      });
      expect(inner).toEqual({ ran: false, assigned: 0 });
      expect(outer).toEqual({ ran: true, assigned: 1 });
      expect(await appealState(t.testDatabase.url, waiting.appeal_id)).toEqual({
        status: "active",
        operator_id: operator.id,
      });
    } finally {
      await second.close();
    }
  });
});

describe("the sweep's drift check", () => {
  async function driftMetric(kind: string): Promise<number> {
    const body = (await t.app.inject({ method: "GET", url: "/metrics" })).body;
    const line = body.split("\n").find((l) => l.startsWith(`lds_load_drift_total{kind="${kind}"} `));
    return Number(line?.split(" ")[1]);
  }

  it("counts an active_load that disagrees with the appeals, and repairs nothing", async () => {
    const operator = await createOperator(t.app, { max_load: 5 });
    const source = await createSource(t.app);
    await setWeights(t.app, source.id, [{ operator_id: operator.id, weight: 1 }]);
    await createAppeal(t.app, { source_id: source.id });
    const before = await driftMetric("active_load");
    await query(t.testDatabase.url, "UPDATE operators SET active_load = 4 WHERE id = $1", [operator.id]);
    expect(await t.deps.sweeper.runOnce()).toEqual({ ran: true, assigned: 0 });
    expect(await driftMetric("active_load")).toBe(before + 1);
    const [row] = await query(t.testDatabase.url, "SELECT active_load FROM operators WHERE id = $1", [
      operator.id,
    ]);
    expect(row).toEqual({ active_load: 4 });
  });
});
