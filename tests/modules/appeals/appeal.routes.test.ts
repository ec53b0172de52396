import { beforeEach, describe, expect, it } from "vitest";
import {
  type AppealCreatedBody,
  createAppeal,
  createOperator,
  createSource,
  setWeights,
  unique,
} from "../../helpers/factories.js";
import { invariantViolations, query } from "../../helpers/sql.js";
import { useTestApp } from "../../helpers/test-app.js";

const t = useTestApp();

type AppealBody = {
  id: number;
  status: string;
  operator: { id: number; name: string } | null;
  assigned_at: string | null;
  closed_at: string | null;
};

async function getAppeal(id: number): Promise<AppealBody> {
  const response = await t.app.inject({ method: "GET", url: `/appeals/${id}` });
  expect(response.statusCode).toBe(200);
  return response.json();
}

async function closeAppeal(id: number): Promise<AppealBody> {
  const response = await t.app.inject({ method: "PATCH", url: `/appeals/${id}/close` });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

async function appealCount(): Promise<number> {
  const [row] = await query<{ n: number }>(t.testDatabase.url, "SELECT count(*)::int AS n FROM appeals");
  return row?.n ?? -1;
}

describe("POST /appeals: who gets the appeal", () => {
  it("assigns only to an active operator below its limit with a weight for the source", async () => {
    const inactive = await createOperator(t.app, { is_active: false, max_load: 100 });
    const full = await createOperator(t.app, { max_load: 0 });
    const unweighted = await createOperator(t.app, { max_load: 100 });
    const eligible = await createOperator(t.app, { max_load: 100 });
    const source = await createSource(t.app);
    await setWeights(t.app, source.id, [
      { operator_id: inactive.id, weight: 100 },
      { operator_id: full.id, weight: 100 },
      { operator_id: eligible.id, weight: 1 },
    ]);
    const created = await Promise.all(
      Array.from({ length: 20 }, () => createAppeal(t.app, { source_id: source.id })),
    );
    expect(new Set(created.map((a) => a.operator?.id))).toEqual(new Set([eligible.id]));
    expect(created.every((a) => a.status === "active")).toBe(true);
    const operator = await t.app.inject({ method: "GET", url: `/operators/${eligible.id}` });
    expect(operator.json().current_load).toBe(20);
    expect(
      (await t.app.inject({ method: "GET", url: `/operators/${unweighted.id}` })).json().current_load,
    ).toBe(0);
  });

  it("answers 201 with every field of AppealCreated", async () => {
    const operator = await createOperator(t.app);
    const source = await createSource(t.app);
    await setWeights(t.app, source.id, [{ operator_id: operator.id, weight: 3 }]);
    const externalId = unique("tg_user");
    const response = await t.app.inject({
      method: "POST",
      url: "/appeals",
      payload: { lead_external_id: externalId, source_id: source.id, message: "Hello", lead_name: "Ann" },
    });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body).toEqual({
      appeal_id: expect.any(Number),
      lead_id: expect.any(Number),
      lead_external_id: externalId,
      source_id: source.id,
      source_name: source.name,
      operator: { id: operator.id, name: operator.name },
      status: "active",
      message: "Hello",
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      bot_script_id: null,
      bot_script_version: null,
    });
    const stored = await getAppeal(body.appeal_id);
    expect(stored).toMatchObject({ id: body.appeal_id, status: "active", closed_at: null });
    expect(stored.assigned_at).not.toBeNull();
  });

  it("stores the appeal as pending with 201 when no operator can take it", async () => {
    const source = await createSource(t.app);
    const response = await t.app.inject({
      method: "POST",
      url: "/appeals",
      payload: { lead_external_id: unique("lead"), source_id: source.id },
    });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ status: "pending", operator: null });
    expect((await getAppeal(response.json().appeal_id)).assigned_at).toBeNull();
  });

  it("answers 404 naming source_id for an unknown source and stores nothing", async () => {
    const before = await appealCount();
    const externalId = unique("lead");
    const response = await t.app.inject({
      method: "POST",
      url: "/appeals",
      payload: { lead_external_id: externalId, source_id: 999_999 },
    });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: "not_found", errors: [{ path: "source_id" }] });
    expect(await appealCount()).toBe(before);
    const lead = await t.app.inject({ method: "GET", url: `/leads/by-external-id/${externalId}` });
    expect(lead.statusCode).toBe(404);
  });

  it.each([
    [{ lead_external_id: "", source_id: 1 }, "lead_external_id"],
    [{ lead_external_id: "x".repeat(256), source_id: 1 }, "lead_external_id"],
    [{ lead_external_id: null, source_id: 1 }, "lead_external_id"],
    [{ source_id: 1 }, "lead_external_id"],
    [{ lead_external_id: "a", source_id: "1" }, "source_id"],
    [{ lead_external_id: "a", source_id: 0 }, "source_id"],
    [{ lead_external_id: "a", source_id: 1.5 }, "source_id"],
    [{ lead_external_id: "a", source_id: 1, message: "m".repeat(10_001) }, "message"],
    [{ lead_external_id: "a", source_id: 1, lead_email: "not-an-email" }, "lead_email"],
    [{ lead_external_id: "a", source_id: 1, operator_id: 3 }, "operator_id"],
    [{ lead_external_id: "a", source_id: 3_000_000_000 }, "source_id"],
    [{ lead_external_id: "a\u0000b", source_id: 1 }, "lead_external_id"],
    [{ lead_external_id: "a", source_id: 1, message: "hi\u0000" }, "message"],
    [{ lead_external_id: "a", source_id: 1, lead_name: "\u0000" }, "lead_name"],
  ])("refuses %j with a 400 naming %s, writing nothing", async (payload, field) => {
    const before = await appealCount();
    const response = await t.app.inject({ method: "POST", url: "/appeals", payload });
    expect(response.statusCode).toBe(400);
    expect(response.headers["content-type"]).toBe("application/problem+json; charset=utf-8");
    const body = response.json();
    expect(body.code).toBe("validation_failed");
    expect(body.errors.map((e: { path: string }) => e.path)).toContain(field);
    expect(await appealCount()).toBe(before);
  });
});

describe("the pending queue drains, oldest first, when capacity appears", () => {
  let sourceId: number;
  let operatorId: number;
  let pending: AppealCreatedBody[];

  beforeEach(async () => {
    const operator = await createOperator(t.app, { max_load: 1 });
    const source = await createSource(t.app);
    await setWeights(t.app, source.id, [{ operator_id: operator.id, weight: 1 }]);
    sourceId = source.id;
    operatorId = operator.id;
    const first = await createAppeal(t.app, { source_id: sourceId });
    expect(first.status).toBe("active");
    pending = [];
    for (let i = 0; i < 3; i++) pending.push(await createAppeal(t.app, { source_id: sourceId }));
    expect(pending.map((a) => a.status)).toEqual(["pending", "pending", "pending"]);
  });

  const statuses = async () => Promise.all(pending.map(async (a) => (await getAppeal(a.appeal_id)).status));

  it("when an appeal is closed", async () => {
    const active = await query<{ id: number }>(
      t.testDatabase.url,
      "SELECT id FROM appeals WHERE operator_id = $1 AND status = 'active'",
      [operatorId],
    );
    await closeAppeal(active[0]?.id as number);
    expect(await statuses()).toEqual(["active", "pending", "pending"]);
    await closeAppeal(pending[0]?.appeal_id as number);
    expect(await statuses()).toEqual(["closed", "active", "pending"]);
    expect((await getAppeal(pending[1]?.appeal_id as number)).operator?.id).toBe(operatorId);
  });

  it("when max_load is raised", async () => {
    const response = await t.app.inject({
      method: "PATCH",
      url: `/operators/${operatorId}`,
      payload: { max_load: 3 },
    });
    expect(response.json()).toMatchObject({ max_load: 3, current_load: 3 });
    expect(await statuses()).toEqual(["active", "active", "pending"]);
  });

  it("when an operator is activated", async () => {
    const helper = await createOperator(t.app, { is_active: false, max_load: 2 });
    await setWeights(t.app, sourceId, [
      { operator_id: operatorId, weight: 1 },
      { operator_id: helper.id, weight: 1 },
    ]);
    expect(await statuses()).toEqual(["pending", "pending", "pending"]);
    const response = await t.app.inject({
      method: "PATCH",
      url: `/operators/${helper.id}`,
      payload: { is_active: true },
    });
    expect(response.json()).toMatchObject({ is_active: true, current_load: 2 });
    expect(await statuses()).toEqual(["active", "active", "pending"]);
  });

  it("when the source's weights change", async () => {
    const other = await createOperator(t.app, { max_load: 5 });
    await setWeights(t.app, sourceId, [
      { operator_id: operatorId, weight: 1 },
      { operator_id: other.id, weight: 1 },
    ]);
    expect(await statuses()).toEqual(["active", "active", "active"]);
    const operators = await Promise.all(
      pending.map(async (a) => (await getAppeal(a.appeal_id)).operator?.id),
    );
    expect(operators).toEqual([other.id, other.id, other.id]);
  });

  it("and a new appeal queues behind older pending ones", async () => {
    await t.app.inject({ method: "PATCH", url: `/operators/${operatorId}`, payload: { max_load: 2 } });
    // The freed slot went to the oldest pending appeal, not to a newcomer.
    expect(await statuses()).toEqual(["active", "pending", "pending"]);
    const newcomer = await createAppeal(t.app, { source_id: sourceId });
    expect(newcomer.status).toBe("pending");
    expect(await invariantViolations(t.testDatabase.url)).toEqual({ overLoaded: [], stuckPending: [] });
  });
});

describe("a freed slot goes to the oldest appeal across the operator's sources", () => {
  it("even when that appeal's source has the higher id", async () => {
    const operator = await createOperator(t.app, { max_load: 1 });
    const first = await createSource(t.app);
    const second = await createSource(t.app);
    for (const source of [first, second]) {
      await setWeights(t.app, source.id, [{ operator_id: operator.id, weight: 1 }]);
    }
    const active = await createAppeal(t.app, { source_id: first.id });
    const older = await createAppeal(t.app, { source_id: second.id });
    const newer = await createAppeal(t.app, { source_id: first.id });
    expect([active.status, older.status, newer.status]).toEqual(["active", "pending", "pending"]);
    await closeAppeal(active.appeal_id);
    expect((await getAppeal(older.appeal_id)).status).toBe("active");
    expect((await getAppeal(newer.appeal_id)).status).toBe("pending");
  });
});

describe("PATCH /appeals/{id}/close", () => {
  it("closes once; closing again is a 200 that changes nothing", async () => {
    const operator = await createOperator(t.app, { max_load: 5 });
    const source = await createSource(t.app);
    await setWeights(t.app, source.id, [{ operator_id: operator.id, weight: 1 }]);
    const appeal = await createAppeal(t.app, { source_id: source.id });
    const closed = await closeAppeal(appeal.appeal_id);
    expect(closed).toMatchObject({ id: appeal.appeal_id, status: "closed", operator: { id: operator.id } });
    expect(closed.closed_at).not.toBeNull();
    const again = await closeAppeal(appeal.appeal_id);
    expect(again).toEqual(closed);
    expect(
      (await t.app.inject({ method: "GET", url: `/operators/${operator.id}` })).json().current_load,
    ).toBe(0);
  });

  it("closes a pending appeal without touching any load", async () => {
    const source = await createSource(t.app);
    const appeal = await createAppeal(t.app, { source_id: source.id });
    const closed = await closeAppeal(appeal.appeal_id);
    expect(closed).toMatchObject({ status: "closed", operator: null, assigned_at: null });
  });

  it("answers 404 for an unknown appeal and 400 for a non-integer id", async () => {
    const missing = await t.app.inject({ method: "PATCH", url: "/appeals/987654/close" });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe("not_found");
    const bad = await t.app.inject({ method: "PATCH", url: "/appeals/abc/close" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].path).toBe("id");
    expect((await t.app.inject({ method: "GET", url: "/appeals/987654" })).statusCode).toBe(404);
  });
});

describe("Idempotency-Key", () => {
  it("returns the first answer to a retry and writes nothing", async () => {
    const operator = await createOperator(t.app, { max_load: 10 });
    const source = await createSource(t.app);
    await setWeights(t.app, source.id, [{ operator_id: operator.id, weight: 1 }]);
    const key = unique("key");
    const payload = { lead_external_id: unique("lead"), source_id: source.id, message: "hi" };
    const first = await t.app.inject({
      method: "POST",
      url: "/appeals",
      payload,
      headers: { "idempotency-key": key },
    });
    expect(first.statusCode).toBe(201);
    const before = await appealCount();
    // The same fields in another order are the same request.
    const reordered = { message: "hi", source_id: source.id, lead_external_id: payload.lead_external_id };
    const retry = await t.app.inject({
      method: "POST",
      url: "/appeals",
      payload: reordered,
      headers: { "idempotency-key": key },
    });
    expect(retry.statusCode).toBe(201);
    expect(retry.headers["idempotency-replayed"]).toBe("true");
    expect(first.headers["idempotency-replayed"]).toBeUndefined();
    expect(retry.json()).toEqual(first.json());
    expect(await appealCount()).toBe(before);
    expect(
      (await t.app.inject({ method: "GET", url: `/operators/${operator.id}` })).json().current_load,
    ).toBe(1);
  });

  it("answers 422 idempotency_mismatch to the same key with another body, writing nothing", async () => {
    const source = await createSource(t.app);
    const key = unique("key");
    const first = await t.app.inject({
      method: "POST",
      url: "/appeals",
      payload: { lead_external_id: "a-lead", source_id: source.id },
      headers: { "idempotency-key": key },
    });
    expect(first.statusCode).toBe(201);
    const before = await appealCount();
    const other = await t.app.inject({
      method: "POST",
      url: "/appeals",
      payload: { lead_external_id: "another-lead", source_id: source.id },
      headers: { "idempotency-key": key },
    });
    expect(other.statusCode).toBe(422);
    expect(other.json()).toMatchObject({ status: 422, code: "idempotency_mismatch" });
    expect(await appealCount()).toBe(before);
    const lead = await t.app.inject({ method: "GET", url: "/leads/by-external-id/another-lead" });
    expect(lead.statusCode).toBe(404);
  });

  it("gives concurrent retries of one key one appeal", async () => {
    const operator = await createOperator(t.app, { max_load: 100 });
    const source = await createSource(t.app);
    await setWeights(t.app, source.id, [{ operator_id: operator.id, weight: 1 }]);
    const key = unique("key");
    const payload = { lead_external_id: unique("lead"), source_id: source.id };
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        t.app.inject({ method: "POST", url: "/appeals", payload, headers: { "idempotency-key": key } }),
      ),
    );
    expect(responses.map((r) => r.statusCode).sort()).toEqual([
      201, 201, 201, 201, 201, 201, 201, 201, 201, 201,
    ]);
    expect(new Set(responses.map((r) => r.json().appeal_id)).size).toBe(1);
    expect(responses.filter((r) => r.headers["idempotency-replayed"] === "true")).toHaveLength(9);
    expect(
      (await t.app.inject({ method: "GET", url: `/operators/${operator.id}` })).json().current_load,
    ).toBe(1);
  });
});

describe("GET /appeals", () => {
  it("filters by status, operator, source and lead, newest first, with a cursor", async () => {
    const operator = await createOperator(t.app, { max_load: 2 });
    const source = await createSource(t.app);
    await setWeights(t.app, source.id, [{ operator_id: operator.id, weight: 1 }]);
    const lead = unique("lead");
    const made = [];
    for (let i = 0; i < 4; i++)
      made.push(await createAppeal(t.app, { source_id: source.id, lead_external_id: lead }));
    const ids = made.map((a) => a.appeal_id);
    const page = async (url: string) => (await t.app.inject({ method: "GET", url })).json();

    const pending = await page(`/appeals?status=pending&source_id=${source.id}`);
    expect(pending.items.map((a: AppealBody) => a.id)).toEqual([ids[3], ids[2]]);
    const byOperator = await page(`/appeals?operator_id=${operator.id}`);
    expect(byOperator.items.map((a: AppealBody) => a.id)).toEqual([ids[1], ids[0]]);
    const byLead = await page(`/appeals?lead_id=${made[0]?.lead_id}&limit=3`);
    expect(byLead.items.map((a: AppealBody) => a.id)).toEqual([ids[3], ids[2], ids[1]]);
    expect(byLead.next_cursor).toBe(String(ids[1]));
    const rest = await page(`/appeals?lead_id=${made[0]?.lead_id}&limit=3&cursor=${byLead.next_cursor}`);
    expect(rest).toMatchObject({ items: [{ id: ids[0] }], next_cursor: null });
  });

  it.each([
    ["status=open", "status"],
    ["limit=0", "limit"],
    ["limit=501", "limit"],
    ["operator_id=x", "operator_id"],
    ["cursor=abc", "cursor"],
    ["page=2", "page"],
  ])("refuses ?%s naming %s", async (queryString, field) => {
    const response = await t.app.inject({ method: "GET", url: `/appeals?${queryString}` });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors.map((e: { path: string }) => e.path)).toEqual([field]);
  });
});

describe("idempotency key retention", () => {
  it("forgets keys older than 24 hours, and only those", async () => {
    const source = await createSource(t.app);
    const key = unique("old-key");
    const payload = { lead_external_id: unique("lead"), source_id: source.id };
    const first = await t.app.inject({
      method: "POST",
      url: "/appeals",
      payload,
      headers: { "idempotency-key": key },
    });
    expect(first.statusCode).toBe(201);
    // Aged by the database's clock, which the purge reads.
    const age = (interval: string) =>
      query(t.testDatabase.url, `UPDATE idempotency_keys SET created_at = now() - $1::interval`, [interval]);
    await age("23 hours 59 minutes");
    expect(await t.deps.appeals.forgetOldIdempotencyKeys()).toBe(0);
    const [keys] = await query<{ n: number }>(
      t.testDatabase.url,
      "SELECT count(*)::int AS n FROM idempotency_keys",
    );
    expect(keys?.n).toBeGreaterThan(0);
    await age("24 hours 1 minute");
    const forgotten = await t.deps.appeals.forgetOldIdempotencyKeys();
    expect(forgotten).toBe(keys?.n);
    const stored = await query(t.testDatabase.url, "SELECT 1 FROM idempotency_keys WHERE key = $1", [key]);
    expect(stored).toEqual([]);
    // After that, the key is new again: a second appeal is stored.
    const again = await t.app.inject({
      method: "POST",
      url: "/appeals",
      payload,
      headers: { "idempotency-key": key },
    });
    expect(again.statusCode).toBe(201);
    expect(again.json().appeal_id).not.toBe(first.json().appeal_id);
  });
});
