// Who a freed slot goes to, how much a request drains, and what a drain that can
// assign nothing costs.
import pg from "pg";
import { beforeEach, describe, expect, it } from "vitest";
import { REQUEST_DRAIN_STEPS } from "../../../src/modules/appeals/distribution.service.js";
import { createAppeal, createOperator, createSource, setWeights } from "../../helpers/factories.js";
import { appealState, closeWithoutDrain, invariantViolations, query } from "../../helpers/sql.js";
import { useTestApp } from "../../helpers/test-app.js";
import { onRealServer } from "../../helpers/test-database.js";

const t = useTestApp();

beforeEach(async () => {
  await t.testDatabase.reset();
});

describe("oldest first across sources", () => {
  it("a new appeal of one source never takes the slot an older pending appeal of another source could take", async () => {
    const operator = await createOperator(t.app, { max_load: 1 });
    const [s1, s2] = [await createSource(t.app), await createSource(t.app)];
    await setWeights(t.app, s1.id, [{ operator_id: operator.id, weight: 1 }]);
    await setWeights(t.app, s2.id, [{ operator_id: operator.id, weight: 1 }]);
    const holder = await createAppeal(t.app, { source_id: s2.id });
    const older = await createAppeal(t.app, { source_id: s1.id });
    expect([holder.status, older.status]).toEqual(["active", "pending"]);
    // The slot frees and the drain has not run yet (a crash, or simply not yet).
    await closeWithoutDrain(t.testDatabase.url, holder.appeal_id);

    const newer = await createAppeal(t.app, { source_id: s2.id });
    expect(newer.status).toBe("pending");
    expect(await appealState(t.testDatabase.url, older.appeal_id)).toEqual({
      status: "active",
      operator_id: operator.id,
    });
    expect(await appealState(t.testDatabase.url, newer.appeal_id)).toEqual({
      status: "pending",
      operator_id: null,
    });
    expect(await invariantViolations(t.testDatabase.url)).toEqual({ overLoaded: [], stuckPending: [] });
  });

  it("a pending source whose operators are busy elsewhere does not block another source", async () => {
    const shared = await createOperator(t.app, { max_load: 1 });
    const own = await createOperator(t.app, { max_load: 5 });
    const [s1, s2] = [await createSource(t.app), await createSource(t.app)];
    await setWeights(t.app, s1.id, [{ operator_id: shared.id, weight: 1 }]);
    await setWeights(t.app, s2.id, [{ operator_id: own.id, weight: 1 }]);
    await createAppeal(t.app, { source_id: s1.id });
    const waiting = await createAppeal(t.app, { source_id: s1.id });
    const other = await createAppeal(t.app, { source_id: s2.id });
    expect([waiting.status, other.status, other.operator?.id]).toEqual(["pending", "active", own.id]);
  });
});

describe("the drain inside a request", () => {
  it(`assigns at most ${REQUEST_DRAIN_STEPS} appeals; the sweep does the rest`, async () => {
    const pendingCount = REQUEST_DRAIN_STEPS + 10;
    const operator = await createOperator(t.app, { max_load: 0 });
    const source = await createSource(t.app);
    await setWeights(t.app, source.id, [{ operator_id: operator.id, weight: 1 }]);
    const waiting = [];
    for (let i = 0; i < pendingCount; i++) waiting.push(await createAppeal(t.app, { source_id: source.id }));
    // Capacity appears without its drain (a crash between the PATCH and the drain).
    await query(t.testDatabase.url, "UPDATE operators SET max_load = 1000 WHERE id = $1", [operator.id]);

    const late = await createAppeal(t.app, { source_id: source.id });
    expect(late.status).toBe("pending");
    const [counts] = await query<{ active: number; pending: number }>(
      t.testDatabase.url,
      `SELECT count(*) FILTER (WHERE status = 'active')::int AS active,
              count(*) FILTER (WHERE status = 'pending')::int AS pending FROM appeals`,
    );
    expect(counts).toEqual({ active: REQUEST_DRAIN_STEPS, pending: pendingCount + 1 - REQUEST_DRAIN_STEPS });
    // The oldest went first.
    for (const appeal of waiting.slice(0, REQUEST_DRAIN_STEPS)) {
      expect((await appealState(t.testDatabase.url, appeal.appeal_id))?.status).toBe("active");
    }
    expect(await t.deps.sweeper.runOnce()).toEqual({
      ran: true,
      assigned: pendingCount + 1 - REQUEST_DRAIN_STEPS,
    });
    expect(await invariantViolations(t.testDatabase.url)).toEqual({ overLoaded: [], stuckPending: [] });
  });

  it("stops as soon as its own appeal is settled", async () => {
    const operator = await createOperator(t.app, { max_load: 0 });
    const source = await createSource(t.app);
    await setWeights(t.app, source.id, [{ operator_id: operator.id, weight: 1 }]);
    const older = await createAppeal(t.app, { source_id: source.id });
    await query(t.testDatabase.url, "UPDATE operators SET max_load = 5 WHERE id = $1", [operator.id]);
    const late = await createAppeal(t.app, { source_id: source.id });
    // The intake queued behind the older one, then its drain placed both.
    expect(late).toMatchObject({ status: "active", operator: { id: operator.id } });
    expect(await appealState(t.testDatabase.url, older.appeal_id)).toEqual({
      status: "active",
      operator_id: operator.id,
    });
  });
});

describe.skipIf(!onRealServer)("a drain that can assign nothing", () => {
  it("takes no row lock: it does not wait for a transaction holding the pending appeal", async () => {
    const operator = await createOperator(t.app, { max_load: 0 });
    const source = await createSource(t.app);
    await setWeights(t.app, source.id, [{ operator_id: operator.id, weight: 1 }]);
    const waiting = await createAppeal(t.app, { source_id: source.id });
    const holder = new pg.Client({ connectionString: t.testDatabase.url });
    await holder.connect();
    try {
      await holder.query("BEGIN");
      await holder.query("SELECT id FROM appeals WHERE id = $1 FOR UPDATE", [waiting.appeal_id]);
      let settled = false;
      const drain = t.deps.distribution.drainSource(source.id, "test").finally(() => {
        settled = true;
      });
      // Until the drain answers, or it is seen waiting for a lock (which the old drain did).
      let waitingForLock = false;
      for (let i = 0; i < 200 && !settled && !waitingForLock; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        const waiters = await holder.query(
          "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        );
        waitingForLock = (waiters.rowCount ?? 0) > 0;
      }
      expect(waitingForLock).toBe(false);
      await holder.query("COMMIT");
      expect(await drain).toBe(0);
    } finally {
      await holder.end();
    }
  });
});
