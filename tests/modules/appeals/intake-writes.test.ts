// What the intake statement writes besides the appeal: the lead only together
// with its appeal, and an audited record of every change to a lead's profile.
import pg from "pg";
import { beforeEach, describe, expect, it } from "vitest";
import { DistributionRepository } from "../../../src/modules/appeals/distribution.repository.js";
import { createAppeal, createOperator, createSource, setWeights, unique } from "../../helpers/factories.js";
import { query } from "../../helpers/sql.js";
import { useTestApp } from "../../helpers/test-app.js";
import { onRealServer } from "../../helpers/test-database.js";

const t = useTestApp();

beforeEach(async () => {
  await t.testDatabase.reset();
});

describe.skipIf(!onRealServer)("an intake that loses the race for its operator", () => {
  it("a lost race leaves no lead behind", async () => {
    const operator = await createOperator(t.app, { max_load: 1 });
    const source = await createSource(t.app);
    await setWeights(t.app, source.id, [{ operator_id: operator.id, weight: 1 }]);
    const externalId = unique("lead");
    const rival = new pg.Client({ connectionString: t.testDatabase.url });
    await rival.connect();
    try {
      await rival.query("BEGIN");
      await rival.query("UPDATE operators SET active_load = max_load WHERE id = $1", [operator.id]);
      const intake = new DistributionRepository(t.database.sql).intake(
        {
          sourceId: source.id,
          leadExternalId: externalId,
          leadName: "Lost Race",
          leadPhone: null,
          leadPhoneE164: null,
          leadEmail: null,
          message: null,
          idempotencyKey: null,
          requestHash: null,
          idempotencyScope: 0,
        },
        0.5,
        "test",
      );
      for (let i = 0; i < 200; i++) {
        const waiters = await rival.query(
          "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        );
        if ((waiters.rowCount ?? 0) > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await rival.query("COMMIT");
      expect((await intake).outcome).toBe("lost_race");
      expect(
        await query(t.testDatabase.url, "SELECT id FROM leads WHERE external_id = $1", [externalId]),
      ).toEqual([]);
      expect(await query(t.testDatabase.url, "SELECT id FROM appeals")).toEqual([]);
    } finally {
      await rival.end();
    }
  });
});

describe("a lead's profile changed by an intake", () => {
  type Event = { action: string; actor: string; entity_type: string; details: unknown };
  const leadEvents = (leadId: number) =>
    query<Event>(
      t.testDatabase.url,
      `SELECT type AS action, actor, entity_type, details FROM events
       WHERE entity_type = 'lead' AND entity_id = $1 AND type = 'lead.updated' ORDER BY id`,
      [leadId],
    );

  it("is recorded with the fields before and after, only the fields that changed", async () => {
    const source = await createSource(t.app);
    const externalId = unique("lead");
    const first = await t.app.inject({
      method: "POST",
      url: "/appeals",
      payload: { source_id: source.id, lead_external_id: externalId, lead_name: "Anna", lead_phone: "+100" },
    });
    const leadId = first.json().lead_id as number;
    expect(await leadEvents(leadId)).toEqual([]);

    await t.app.inject({
      method: "POST",
      url: "/appeals",
      payload: {
        source_id: source.id,
        lead_external_id: externalId,
        lead_name: "Mallory",
        lead_phone: "+100",
        lead_email: "m@example.com",
      },
    });
    expect(await leadEvents(leadId)).toEqual([
      {
        action: "lead.updated",
        actor: "anonymous",
        entity_type: "lead",
        details: {
          before: { name: "Anna", email: null },
          after: { name: "Mallory", email: "m@example.com" },
          appeal_id: expect.any(Number),
        },
      },
    ]);
    const [lead] = await query(t.testDatabase.url, "SELECT name, phone, email FROM leads WHERE id = $1", [
      leadId,
    ]);
    expect(lead).toEqual({ name: "Mallory", phone: "+100", email: "m@example.com" });
  });

  it("records nothing when the values sent are the stored ones or empty", async () => {
    const operator = await createOperator(t.app, { max_load: 10 });
    const source = await createSource(t.app);
    await setWeights(t.app, source.id, [{ operator_id: operator.id, weight: 1 }]);
    const externalId = unique("lead");
    const first = await createAppeal(t.app, {
      source_id: source.id,
      lead_external_id: externalId,
      lead_name: "Ann",
    });
    await createAppeal(t.app, { source_id: source.id, lead_external_id: externalId, lead_name: "Ann" });
    await createAppeal(t.app, { source_id: source.id, lead_external_id: externalId });
    expect(await leadEvents(first.lead_id)).toEqual([]);
  });
});
