// The audit trail: what each change records, that a refused change records
// nothing, that an event and its change commit together, and the two reads.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createAppeal, createOperator, createSource, setWeights, unique } from "../../helpers/factories.js";
import { query } from "../../helpers/sql.js";
import { useTestApp } from "../../helpers/test-app.js";
import { expectProblem, expectValidationError } from "../../http/problem-assertions.js";

const t = useTestApp();

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

type StoredEvent = {
  actor: string;
  action: string;
  entity_type: string;
  entity_id: number;
  appeal_id: number | null;
  details: Record<string, unknown>;
};

type EventBody = StoredEvent & { id: number; occurred_at: string };

/** The id of the newest event so far: what a step records is read as everything after it. */
async function mark(): Promise<number> {
  const [row] = await query<{ id: string | null }>(t.testDatabase.url, "SELECT max(id) AS id FROM events");
  return Number(row?.id ?? 0);
}

/** The events recorded after `since`, oldest first, straight from the table. */
async function eventsSince(since: number): Promise<StoredEvent[]> {
  return query<StoredEvent>(
    t.testDatabase.url,
    `SELECT actor, type AS action, entity_type, entity_id, appeal_id, details
     FROM events WHERE id > $1 ORDER BY id`,
    [since],
  );
}

async function inject(method: "GET" | "POST" | "PUT" | "PATCH", url: string, payload?: unknown) {
  return t.app.inject({ method, url, ...(payload !== undefined && { payload: payload as object }) });
}

async function count(table: string): Promise<number> {
  const [row] = await query<{ n: number }>(t.testDatabase.url, `SELECT count(*)::int AS n FROM ${table}`);
  return row?.n ?? -1;
}

/** An operator and a source it alone serves, with `load` active appeals and `waiting` pending behind them. */
async function fullOperator(load: number, waiting: number) {
  const operator = await createOperator(t.app, { max_load: load });
  const source = await createSource(t.app);
  await setWeights(t.app, source.id, [{ operator_id: operator.id, weight: 1 }]);
  const active = [];
  for (let i = 0; i < load; i++) active.push(await createAppeal(t.app, { source_id: source.id }));
  const pending = [];
  for (let i = 0; i < waiting; i++) pending.push(await createAppeal(t.app, { source_id: source.id }));
  expect(active.map((a) => a.status)).toEqual(active.map(() => "active"));
  expect(pending.map((a) => a.status)).toEqual(pending.map(() => "pending"));
  return { operator, source, active, pending };
}

describe("admin changes record exactly one event each", () => {
  it("POST /operators records operator.created with the new operator", async () => {
    const since = await mark();
    const operator = await createOperator(t.app, { name: "Ann", max_load: 4 });
    expect(await eventsSince(since)).toEqual([
      {
        actor: "anonymous",
        action: "operator.created",
        entity_type: "operator",
        entity_id: operator.id,
        appeal_id: null,
        details: { name: "Ann", is_active: true, max_load: 4 },
      },
    ]);
  });

  it("PATCH /operators/{id} records operator.updated with the fields sent, before and after", async () => {
    const operator = await createOperator(t.app, { name: "Bob", max_load: 4 });
    const since = await mark();
    const response = await inject("PATCH", `/operators/${operator.id}`, { name: "Robert", is_active: false });
    expect(response.statusCode, response.body).toBe(200);
    expect(await eventsSince(since)).toEqual([
      {
        actor: "anonymous",
        action: "operator.updated",
        entity_type: "operator",
        entity_id: operator.id,
        appeal_id: null,
        details: { before: { name: "Bob", is_active: true }, after: { name: "Robert", is_active: false } },
      },
    ]);
  });

  it("POST /sources records source.created; PATCH /sources/{id} records source.updated", async () => {
    const name = unique("Telegram");
    const since = await mark();
    const source = await createSource(t.app, { name, strategy: "weighted_by_free_capacity" });
    const patched = await inject("PATCH", `/sources/${source.id}`, {
      description: "the bot",
      strategy: "weighted",
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(await eventsSince(since)).toEqual([
      {
        actor: "anonymous",
        action: "source.created",
        entity_type: "source",
        entity_id: source.id,
        appeal_id: null,
        details: { name, description: null, strategy: "weighted_by_free_capacity", bot_script_id: null },
      },
      {
        actor: "anonymous",
        action: "source.updated",
        entity_type: "source",
        entity_id: source.id,
        appeal_id: null,
        details: {
          before: { description: null, strategy: "weighted_by_free_capacity" },
          after: { description: "the bot", strategy: "weighted" },
        },
      },
    ]);
  });

  it("replacing weights records weights.replaced with the old and the new set", async () => {
    const [a, b] = [await createOperator(t.app), await createOperator(t.app)];
    const source = await createSource(t.app);
    const since = await mark();
    await setWeights(t.app, source.id, [
      { operator_id: b.id, weight: 7 },
      { operator_id: a.id, weight: 3 },
    ]);
    const put = await inject("PUT", `/sources/${source.id}/weights`, [{ operator_id: b.id, weight: 1 }]);
    expect(put.statusCode, put.body).toBe(200);
    await setWeights(t.app, source.id, []);
    const event = (details: object) => ({
      actor: "anonymous",
      action: "weights.replaced",
      entity_type: "source",
      entity_id: source.id,
      appeal_id: null,
      details,
    });
    expect(await eventsSince(since)).toEqual([
      event({
        before: [],
        after: [
          { operator_id: a.id, weight: 3 },
          { operator_id: b.id, weight: 7 },
        ],
      }),
      event({
        before: [
          { operator_id: a.id, weight: 3 },
          { operator_id: b.id, weight: 7 },
        ],
        after: [{ operator_id: b.id, weight: 1 }],
      }),
      event({ before: [{ operator_id: b.id, weight: 1 }], after: [] }),
    ]);
  });

  it("records the actor the caller passes (the API key's label) through every service", async () => {
    const since = await mark();
    const operator = await t.deps.operators.create({ name: "Cid", is_active: true, max_load: 1 }, "ops-key");
    await t.deps.operators.update(operator.id, { max_load: 2 }, "ops-key");
    const source = await t.deps.sources.create({ name: unique("web"), strategy: "weighted" }, "ops-key");
    await t.deps.sources.update(source.id, { name: unique("web2") }, "ops-key");
    await t.deps.sources.replaceWeights(source.id, [{ operator_id: operator.id, weight: 2 }], "ops-key");
    const { appeal } = await t.deps.appeals.create(
      { lead_external_id: unique("lead"), source_id: source.id },
      "bot-key",
    );
    await t.deps.appeals.close(appeal.appeal_id, "operator-key");
    const events = await eventsSince(since);
    expect(events.map((e) => [e.actor, e.action])).toEqual([
      ["ops-key", "operator.created"],
      ["ops-key", "operator.updated"],
      ["ops-key", "source.created"],
      ["ops-key", "source.updated"],
      ["ops-key", "weights.replaced"],
      ["bot-key", "lead.created"],
      ["bot-key", "appeal.created"],
      ["bot-key", "appeal.assigned"],
      ["operator-key", "appeal.closed"],
    ]);
  });
});

describe("a refused change records nothing", () => {
  it.each([
    ["POST /operators with a bad max_load (400)", "POST", "/operators", { name: "x", max_load: -1 }, 400],
    ["POST /operators with an unknown field (400)", "POST", "/operators", { name: "x", role: "boss" }, 400],
    ["PATCH /operators/{id} of an unknown operator (404)", "PATCH", "/operators/999999", { name: "x" }, 404],
    ["PATCH /sources/{id} of an unknown source (404)", "PATCH", "/sources/999999", { name: "x" }, 404],
    ["weights of an unknown source (404)", "PUT", "/sources/999999/weights", [], 404],
    [
      "POST /appeals from an unknown source (404)",
      "POST",
      "/appeals",
      { lead_external_id: "l", source_id: 999999 },
      404,
    ],
    [
      "PATCH /appeals/{id}/close of an unknown appeal (404)",
      "PATCH",
      "/appeals/999999/close",
      undefined,
      404,
    ],
  ] as const)("%s", async (_, method, url, payload, status) => {
    const since = await mark();
    const response = await inject(method, url, payload);
    expect(response.statusCode, response.body).toBe(status);
    expect(await eventsSince(since)).toEqual([]);
  });

  it("weights naming an unknown operator (404) keep the old set and record nothing", async () => {
    const operator = await createOperator(t.app);
    const source = await createSource(t.app);
    await setWeights(t.app, source.id, [{ operator_id: operator.id, weight: 5 }]);
    const since = await mark();
    const response = await inject("PUT", `/sources/${source.id}/weights`, [
      { operator_id: operator.id, weight: 1 },
      { operator_id: 999_999, weight: 1 },
    ]);
    expectProblem(response, 404, "not_found");
    expect(await eventsSince(since)).toEqual([]);
    const weights = await inject("GET", `/sources/${source.id}/weights`);
    expect(weights.json()).toEqual([{ operator_id: operator.id, operator_name: operator.name, weight: 5 }]);
  });

  it("weights naming an operator twice (400) record nothing", async () => {
    const operator = await createOperator(t.app);
    const source = await createSource(t.app);
    const since = await mark();
    const response = await inject("POST", `/sources/${source.id}/weights`, [
      { operator_id: operator.id, weight: 1 },
      { operator_id: operator.id, weight: 2 },
    ]);
    expectValidationError(response, "1.operator_id");
    expect(await eventsSince(since)).toEqual([]);
  });

  it("a duplicate source name (409), on create or rename, records nothing", async () => {
    const taken = await createSource(t.app);
    const other = await createSource(t.app);
    const since = await mark();
    expectProblem(await inject("POST", "/sources", { name: taken.name.toUpperCase() }), 409, "conflict");
    expectProblem(await inject("PATCH", `/sources/${other.id}`, { name: taken.name }), 409, "conflict");
    expect(await eventsSince(since)).toEqual([]);
  });

  it("an Idempotency-Key replay records nothing", async () => {
    const source = await createSource(t.app);
    const payload = { lead_external_id: unique("lead"), source_id: source.id };
    const headers = { "idempotency-key": unique("key") };
    const first = await t.app.inject({ method: "POST", url: "/appeals", payload, headers });
    expect(first.statusCode).toBe(201);
    const since = await mark();
    const retry = await t.app.inject({ method: "POST", url: "/appeals", payload, headers });
    expect(retry.statusCode).toBe(201);
    expect(retry.headers["idempotency-replayed"]).toBe("true");
    expect(await eventsSince(since)).toEqual([]);
  });
});

describe("assignment events", () => {
  it("intake records lead.created, appeal.created and appeal.assigned with the operator chosen", async () => {
    const operator = await createOperator(t.app, { max_load: 5 });
    const source = await createSource(t.app);
    await setWeights(t.app, source.id, [{ operator_id: operator.id, weight: 1 }]);
    const since = await mark();
    const appeal = await createAppeal(t.app, { source_id: source.id });
    expect(appeal.status).toBe("active");
    const ofAppeal = (action: string) => ({
      actor: "anonymous",
      action,
      entity_type: "appeal",
      entity_id: appeal.appeal_id,
      appeal_id: appeal.appeal_id,
      details: { source_id: source.id, lead_id: appeal.lead_id, operator_id: operator.id },
    });
    expect(await eventsSince(since)).toEqual([
      {
        actor: "anonymous",
        action: "lead.created",
        entity_type: "lead",
        entity_id: appeal.lead_id,
        appeal_id: null,
        details: { appeal_id: appeal.appeal_id },
      },
      ofAppeal("appeal.created"),
      ofAppeal("appeal.assigned"),
    ]);
  });

  it("intake with no candidate records appeal.created alone (after lead.created), without an operator", async () => {
    const source = await createSource(t.app);
    const since = await mark();
    const appeal = await createAppeal(t.app, { source_id: source.id });
    expect(appeal.status).toBe("pending");
    expect((await eventsSince(since)).slice(1)).toEqual([
      {
        actor: "anonymous",
        action: "appeal.created",
        entity_type: "appeal",
        entity_id: appeal.appeal_id,
        appeal_id: appeal.appeal_id,
        details: { source_id: source.id, lead_id: appeal.lead_id },
      },
    ]);
  });

  it("a drain after a raised max_load records appeal.assigned per appeal, oldest first, by the admin", async () => {
    const { operator, source, pending } = await fullOperator(1, 3);
    const since = await mark();
    await t.deps.operators.update(operator.id, { max_load: 3 }, "ops-key");
    const drained = (appealId: number) => ({
      actor: "ops-key",
      action: "appeal.assigned",
      entity_type: "appeal",
      entity_id: appealId,
      appeal_id: appealId,
      details: { source_id: source.id, operator_id: operator.id, via: "drain" },
    });
    expect(await eventsSince(since)).toEqual([
      {
        actor: "ops-key",
        action: "operator.updated",
        entity_type: "operator",
        entity_id: operator.id,
        appeal_id: null,
        details: { before: { max_load: 1 }, after: { max_load: 3 } },
      },
      drained(pending[0]?.appeal_id as number),
      drained(pending[1]?.appeal_id as number),
    ]);
  });

  it("a drain after new weights is recorded by the admin who set them", async () => {
    const { source, pending } = await fullOperator(1, 1);
    const helper = await createOperator(t.app, { max_load: 1 });
    const since = await mark();
    await t.deps.sources.replaceWeights(source.id, [{ operator_id: helper.id, weight: 1 }], "ops-key");
    const events = await eventsSince(since);
    expect(events.map((e) => [e.actor, e.action, e.entity_id])).toEqual([
      ["ops-key", "weights.replaced", source.id],
      ["ops-key", "appeal.assigned", pending[0]?.appeal_id],
    ]);
    expect(events[1]?.details).toEqual({ source_id: source.id, operator_id: helper.id, via: "drain" });
  });

  it("close records appeal.closed once, and the drain it triggers is the closer's", async () => {
    const { operator, source, active, pending } = await fullOperator(1, 1);
    const appealId = active[0]?.appeal_id as number;
    const since = await mark();
    await t.deps.appeals.close(appealId, "operator-key");
    const again = await inject("PATCH", `/appeals/${appealId}/close`);
    expect(again.statusCode).toBe(200);
    expect(await eventsSince(since)).toEqual([
      {
        actor: "operator-key",
        action: "appeal.closed",
        entity_type: "appeal",
        entity_id: appealId,
        appeal_id: appealId,
        details: { previous_status: "active", operator_id: operator.id },
      },
      {
        actor: "operator-key",
        action: "appeal.assigned",
        entity_type: "appeal",
        entity_id: pending[0]?.appeal_id,
        appeal_id: pending[0]?.appeal_id,
        details: { source_id: source.id, operator_id: operator.id, via: "drain" },
      },
    ]);
  });

  it("closing a pending appeal records appeal.closed without an operator", async () => {
    const source = await createSource(t.app);
    const appeal = await createAppeal(t.app, { source_id: source.id });
    const since = await mark();
    expect((await inject("PATCH", `/appeals/${appeal.appeal_id}/close`)).statusCode).toBe(200);
    expect(await eventsSince(since)).toEqual([
      {
        actor: "anonymous",
        action: "appeal.closed",
        entity_type: "appeal",
        entity_id: appeal.appeal_id,
        appeal_id: appeal.appeal_id,
        details: { previous_status: "pending" },
      },
    ]);
  });
});

describe("an event commits with its change, or neither does", () => {
  const constraint = "audit_test_refuses";
  /** Makes the audit insert fail for one actor or action, in this test file's database only. */
  const refuse = (condition: string) =>
    query(
      t.testDatabase.url,
      `ALTER TABLE events ADD CONSTRAINT ${constraint} CHECK (NOT (${condition})) NOT VALID`,
    );
  afterEach(async () => {
    await query(t.testDatabase.url, `ALTER TABLE events DROP CONSTRAINT IF EXISTS ${constraint}`);
  });

  it("operators and sources are not changed when their event cannot be stored", async () => {
    const operator = await createOperator(t.app, { name: "Dee", max_load: 2 });
    const source = await createSource(t.app, { description: "old" });
    const [operators, sources] = [await count("operators"), await count("sources")];
    await refuse("actor = 'saboteur'");
    const name = unique("never");
    await expect(
      t.deps.operators.create({ name, is_active: true, max_load: 1 }, "saboteur"),
    ).rejects.toThrow();
    await expect(t.deps.operators.update(operator.id, { max_load: 9 }, "saboteur")).rejects.toThrow();
    await expect(t.deps.sources.create({ name, strategy: "weighted" }, "saboteur")).rejects.toThrow();
    await expect(t.deps.sources.update(source.id, { description: "new" }, "saboteur")).rejects.toThrow();
    expect([await count("operators"), await count("sources")]).toEqual([operators, sources]);
    expect((await inject("GET", `/operators/${operator.id}`)).json()).toMatchObject({ max_load: 2 });
    expect((await inject("GET", `/sources/${source.id}`)).json()).toMatchObject({ description: "old" });
  });

  it("PUT weights answers 500 and keeps the old set when weights.replaced cannot be stored", async () => {
    const [a, b] = [await createOperator(t.app), await createOperator(t.app)];
    const source = await createSource(t.app);
    await setWeights(t.app, source.id, [{ operator_id: a.id, weight: 4 }]);
    await refuse("type = 'weights.replaced'");
    const since = await mark();
    const response = await inject("PUT", `/sources/${source.id}/weights`, [{ operator_id: b.id, weight: 1 }]);
    expectProblem(response, 500, "internal_error");
    expect((await inject("GET", `/sources/${source.id}/weights`)).json()).toEqual([
      { operator_id: a.id, operator_name: a.name, weight: 4 },
    ]);
    expect(await eventsSince(since)).toEqual([]);
  });

  it("an intake stores no appeal, no lead and no load when its event cannot be stored", async () => {
    const operator = await createOperator(t.app, { max_load: 5 });
    const source = await createSource(t.app);
    await setWeights(t.app, source.id, [{ operator_id: operator.id, weight: 1 }]);
    const [appeals, leads] = [await count("appeals"), await count("leads")];
    await refuse("type IN ('appeal.assigned', 'appeal.queued')");
    const response = await inject("POST", "/appeals", {
      lead_external_id: unique("lead"),
      source_id: source.id,
    });
    expectProblem(response, 500, "internal_error");
    expect([await count("appeals"), await count("leads")]).toEqual([appeals, leads]);
    expect((await inject("GET", `/operators/${operator.id}`)).json().current_load).toBe(0);
  });

  it("a close or a drain changes nothing when its event cannot be stored", async () => {
    const { operator, source, active, pending } = await fullOperator(1, 1);
    await refuse("actor = 'saboteur'");
    await expect(t.deps.appeals.close(active[0]?.appeal_id as number, "saboteur")).rejects.toThrow();
    await query(t.testDatabase.url, "UPDATE operators SET max_load = 2 WHERE id = $1", [operator.id]);
    await expect(t.deps.distribution.drainSource(source.id, "saboteur")).rejects.toThrow();
    const statuses = await query<{ id: number; status: string }>(
      t.testDatabase.url,
      "SELECT id, status::text FROM appeals WHERE source_id = $1 ORDER BY id",
      [source.id],
    );
    expect(statuses).toEqual([
      { id: active[0]?.appeal_id, status: "active" },
      { id: pending[0]?.appeal_id, status: "pending" },
    ]);
    expect((await inject("GET", `/operators/${operator.id}`)).json().current_load).toBe(1);
  });
});

describe("GET /appeals/{id}/events", () => {
  it("answers the appeal's history, oldest first: created, assigned by a drain, closed, each with the appeal as shown then", async () => {
    const source = await createSource(t.app);
    const other = await createAppeal(t.app, { source_id: source.id });
    const appeal = await createAppeal(t.app, { source_id: source.id });
    const operator = await createOperator(t.app, { max_load: 5 });
    await setWeights(t.app, source.id, [{ operator_id: operator.id, weight: 1 }]);
    expect((await inject("PATCH", `/appeals/${appeal.appeal_id}/close`)).statusCode).toBe(200);
    const shown = (await inject("GET", `/appeals/${appeal.appeal_id}`)).json() as Record<string, unknown>;
    expect(shown).toMatchObject({ status: "closed", operator: { id: operator.id, name: operator.name } });
    const response = await inject("GET", `/appeals/${appeal.appeal_id}/events`);
    expect(response.statusCode).toBe(200);
    const events = response.json() as EventBody[];
    const common = {
      id: expect.any(Number),
      occurred_at: expect.stringMatching(ISO_UTC),
      actor: "anonymous",
      entity_type: "appeal",
      entity_id: appeal.appeal_id,
      appeal_id: appeal.appeal_id,
    };
    const event = (type: string, data: unknown, details: unknown) => ({
      ...common,
      type,
      action: type,
      data,
      details,
    });
    expect(events).toEqual([
      event(
        "appeal.created",
        { ...shown, status: "pending", operator: null, assigned_at: null, closed_at: null },
        { source_id: source.id, lead_id: appeal.lead_id },
      ),
      event(
        "appeal.assigned",
        { ...shown, status: "active", closed_at: null },
        { source_id: source.id, operator_id: operator.id, via: "drain" },
      ),
      event("appeal.closed", shown, { previous_status: "active", operator_id: operator.id }),
    ]);
    const ids = events.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const times = events.map((e) => Date.parse(e.occurred_at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const otherEvents = (await inject("GET", `/appeals/${other.appeal_id}/events`)).json() as EventBody[];
    expect(otherEvents.map((e) => e.action)).toEqual(["appeal.created", "appeal.assigned"]);
  });

  it("answers [] for an appeal without recorded events (stored before the trail existed)", async () => {
    const source = await createSource(t.app);
    const appeal = await createAppeal(t.app, { source_id: source.id });
    await query(t.testDatabase.url, "DELETE FROM events WHERE appeal_id = $1", [appeal.appeal_id]);
    const response = await inject("GET", `/appeals/${appeal.appeal_id}/events`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual([]);
  });

  it("answers 404 for an unknown appeal and 400 for a non-integer id", async () => {
    expectProblem(await inject("GET", "/appeals/999999/events"), 404, "not_found");
    expectValidationError(await inject("GET", "/appeals/abc/events"), "id");
  });
});

describe("GET /audit", () => {
  // A known trail of eleven events, with fixed times one minute apart from 10:00.
  let operatorA: number;
  let operatorB: number;
  let sourceId: number;
  let appealIds: number[];
  const at = (minute: number) => `2026-11-21T10:${String(minute).padStart(2, "0")}:00.000Z`;

  beforeAll(async () => {
    await t.testDatabase.reset();
    operatorA = (await t.deps.operators.create({ name: "A", is_active: true, max_load: 1 }, "alice")).id; // 1
    operatorB = (await t.deps.operators.create({ name: "B", is_active: false, max_load: 1 }, "alice")).id; // 2
    sourceId = (await t.deps.sources.create({ name: "S", strategy: "weighted" }, "bob")).id; // 3
    await t.deps.sources.replaceWeights(sourceId, [{ operator_id: operatorA, weight: 1 }], "bob"); // 4
    const appeal = async () =>
      (await t.deps.appeals.create({ lead_external_id: unique("lead"), source_id: sourceId }, "bot")).appeal
        .appeal_id;
    // 5 lead.created, 6 appeal.created, 7 appeal.assigned; 8, 9 and 10, 11: lead.created, appeal.created (pending)
    appealIds = [await appeal(), await appeal(), await appeal()];
    await t.deps.appeals.close(appealIds[0] as number, "carol"); // 12 closed, 13 assigned (drain)
    await t.deps.operators.update(operatorB, { name: "Bea" }, "alice"); // 14
    await t.deps.appeals.close(appealIds[2] as number, "carol"); // 15 closed (pending)
    await query(
      t.testDatabase.url,
      "UPDATE events SET occurred_at = timestamptz '2026-11-21T10:00:00Z' + (id - 1) * interval '1 minute'",
    );
  });

  type Page = { items: EventBody[]; next_cursor: string | null };
  const page = async (queryString: string): Promise<Page> => {
    const response = await inject("GET", `/audit?${queryString}`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as Page;
  };
  const ids = async (queryString: string) => (await page(queryString)).items.map((e) => e.id);

  it("answers every event newest first, each with every field", async () => {
    const { items, next_cursor } = await page("");
    expect(items.map((e) => e.id)).toEqual([15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(next_cursor).toBeNull();
    const bea = (await inject("GET", `/operators/${operatorB}`)).json();
    expect(items[1]).toEqual({
      id: 14,
      occurred_at: at(13),
      actor: "alice",
      type: "operator.updated",
      action: "operator.updated",
      entity_type: "operator",
      entity_id: operatorB,
      appeal_id: null,
      data: bea,
      details: { before: { name: "B" }, after: { name: "Bea" } },
    });
    expect(items.map((e) => e.action)).toEqual([
      "appeal.closed",
      "operator.updated",
      "appeal.assigned",
      "appeal.closed",
      "appeal.created",
      "lead.created",
      "appeal.created",
      "lead.created",
      "appeal.assigned",
      "appeal.created",
      "lead.created",
      "weights.replaced",
      "source.created",
      "operator.created",
      "operator.created",
    ]);
  });

  it("filters by type (or its old name action), actor, entity and appeal, combined with AND", async () => {
    expect(await ids("action=operator.created")).toEqual([2, 1]);
    expect(await ids("type=lead.created")).toEqual([10, 8, 5]);
    expect(await ids("actor=alice")).toEqual([14, 2, 1]);
    expect(await ids("actor=nobody")).toEqual([]);
    expect(await ids("entity_type=source")).toEqual([4, 3]);
    expect(await ids(`entity_type=operator&entity_id=${operatorB}`)).toEqual([14, 2]);
    expect(await ids(`appeal_id=${appealIds[1]}`)).toEqual([13, 9]);
    expect(await ids(`entity_type=appeal&entity_id=${appealIds[0]}`)).toEqual([12, 7, 6]);
    expect(await ids("actor=carol&type=appeal.assigned")).toEqual([13]);
    expect(await ids("actor=bot&action=appeal.created")).toEqual([11, 9, 6]);
  });

  it("filters by time: from inclusive, to exclusive, any offset", async () => {
    expect(await ids(`from=${at(3)}&to=${at(6)}`)).toEqual([6, 5, 4]);
    expect(await ids(`from=${at(12)}`)).toEqual([15, 14, 13]);
    expect(await ids(`to=${at(1)}`)).toEqual([1]);
    expect(await ids(`from=${encodeURIComponent("2026-11-21T13:04:00+03:00")}&to=${at(5)}`)).toEqual([5]);
    expect(await ids(`from=${at(5)}&to=${at(5)}`)).toEqual([]);
  });

  it("pages with limit and next_cursor, filters kept", async () => {
    const first = await page("limit=4");
    expect(first.items.map((e) => e.id)).toEqual([15, 14, 13, 12]);
    expect(first.next_cursor).toBe("12");
    const second = await page("limit=4&cursor=12");
    expect(second).toMatchObject({ next_cursor: "8" });
    expect(second.items.map((e) => e.id)).toEqual([11, 10, 9, 8]);
    const third = await page("limit=4&cursor=8");
    expect(third).toMatchObject({ next_cursor: "4" });
    expect(third.items.map((e) => e.id)).toEqual([7, 6, 5, 4]);
    const last = await page("limit=4&cursor=4");
    expect(last.items.map((e) => e.id)).toEqual([3, 2, 1]);
    expect(last.next_cursor).toBeNull();
    const exact = await page("limit=3&cursor=4");
    expect(exact.items.map((e) => e.id)).toEqual([3, 2, 1]);
    expect(exact.next_cursor).toBeNull();
    const filtered = await page("action=appeal.created&limit=2");
    expect(filtered).toMatchObject({ items: [{ id: 11 }, { id: 9 }], next_cursor: "9" });
    expect(await page("action=appeal.created&limit=2&cursor=9")).toMatchObject({
      items: [{ id: 6 }],
      next_cursor: null,
    });
  });

  it.each([
    ["action=appeal.deleted", "action"],
    ["entity_type=customer", "entity_type"],
    ["entity_id=0", "entity_id"],
    ["appeal_id=x", "appeal_id"],
    ["actor=", "actor"],
    ["from=yesterday", "from"],
    ["from=2026-11-21T10:00:00", "from"],
    [`from=${"2026-11-21T10:05:00.000Z"}&to=${"2026-11-21T10:00:00.000Z"}`, "to"],
    ["limit=0", "limit"],
    ["limit=501", "limit"],
    ["cursor=abc", "cursor"],
    ["page=2", "page"],
  ])("refuses ?%s with a 400 naming %s", async (queryString, field) => {
    expectValidationError(await inject("GET", `/audit?${queryString}`), field);
  });
});
