// GET and PATCH /operators/me: an operator key's own availability, with the effects of
// PATCH /operators/{id} (a drain on activation, operator.updated under the key's label).
// AUTH=off here, so the factories set up data without a key while an operator key still
// names its caller; the 403 other roles get from the access rule is in route-access.test.ts.
import { beforeAll, describe, expect, it } from "vitest";
import { createAppeal, createOperator, createSource, setWeights } from "../../helpers/factories.js";
import { useTestApp } from "../../helpers/test-app.js";
import { expectProblem, expectValidationError } from "../../http/problem-assertions.js";

const t = useTestApp({ auth: { mode: "off", host: "127.0.0.1" } });

const LABEL = "olga's laptop";
let operatorId = 0;
let sourceId = 0;
let operatorKey = "";
let adminKey = "";

beforeAll(async () => {
  const operator = await createOperator(t.app, { name: "Olga", max_load: 3 });
  operatorId = operator.id;
  sourceId = (await createSource(t.app)).id;
  await setWeights(t.app, sourceId, [{ operator_id: operatorId, weight: 1 }]);
  operatorKey = (await t.deps.apiKeys.create({ label: LABEL, role: "operator", operatorId }, "test")).key;
  adminKey = (await t.deps.apiKeys.create({ label: "ops", role: "admin" }, "test")).key;
});

const me = (
  method: "GET" | "PATCH",
  payload?: unknown,
  key: string | null = operatorKey,
  url = "/operators/me",
) =>
  t.app.inject({
    method,
    url,
    headers: key === null ? {} : { authorization: `Bearer ${key}` },
    ...(payload !== undefined && { payload: payload as object }),
  });
const operatorById = async () =>
  (await t.app.inject({ method: "GET", url: `/operators/${operatorId}` })).json();
const eventCount = () => t.database.prisma.event.count();

describe("GET /operators/me", () => {
  it("answers the key's operator, as GET /operators/{id} does", async () => {
    const response = await me("GET");
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual(await operatorById());
    expect(response.json()).toMatchObject({ id: operatorId, name: "Olga", is_active: true, max_load: 3 });
    // With a trailing slash it is the same route (API.md's general rule).
    expect((await me("GET", undefined, operatorKey, "/operators/me/")).json()).toEqual(response.json());
  });

  it("is a 403 without an operator key (open mode, an admin key): there is no 'me', not a missing one", async () => {
    for (const key of [null, adminKey]) {
      for (const method of ["GET", "PATCH"] as const) {
        const before = await eventCount();
        const response = await me(method, method === "PATCH" ? { is_active: false } : undefined, key);
        const problem = expectProblem(response, 403, "forbidden");
        expect(problem.detail).toBe(
          "/operators/me needs an operator key: it is the operator the key acts for, and this caller has none.",
        );
        expect(await eventCount()).toBe(before);
      }
    }
    expect(await operatorById()).toMatchObject({ is_active: true });
  });

  it("does not collide with /operators/{id}: 'me' is no id there, and other spellings are 400s", async () => {
    // DELETE has no /operators/me route: the id route answers, and "me" is not an id.
    const deleted = await t.app.inject({ method: "DELETE", url: "/operators/me" });
    expectValidationError(deleted, "id");
    for (const url of ["/operators/ME", "/operators/me2", "/operators/me.json"]) {
      expectValidationError(await t.app.inject({ method: "GET", url }), "id");
    }
  });
});

describe("PATCH /operators/me", () => {
  it("inactive: keeps its appeals, gets no new ones; active again: the waiting appeal is its at once", async () => {
    const held = await createAppeal(t.app, { source_id: sourceId });
    expect(held.operator?.id).toBe(operatorId);
    const since = await t.database.prisma.event.findFirst({ orderBy: { id: "desc" } });

    const off = await me("PATCH", { is_active: false });
    expect(off.statusCode, off.body).toBe(200);
    expect(off.json()).toMatchObject({ id: operatorId, is_active: false, current_load: 1 });
    expect(off.json()).toEqual(await operatorById());
    const waiting = await createAppeal(t.app, { source_id: sourceId });
    expect(waiting).toMatchObject({ status: "pending", operator: null });

    const on = await me("PATCH", { is_active: true });
    expect(on.statusCode, on.body).toBe(200);
    // The drain ran before the answer: it counts the appeal it was given.
    expect(on.json()).toMatchObject({ id: operatorId, is_active: true, current_load: 2 });
    const drained = (await t.app.inject({ method: "GET", url: `/appeals/${waiting.appeal_id}` })).json();
    expect(drained).toMatchObject({ status: "active", operator: { id: operatorId, name: "Olga" } });

    const events = await t.database.prisma.event.findMany({
      where: { id: { gt: since?.id ?? 0n } },
      orderBy: { id: "asc" },
    });
    expect(events.map((event) => [event.actor, event.type, event.entityId])).toEqual([
      [LABEL, "operator.updated", operatorId],
      ["anonymous", "lead.created", waiting.lead_id],
      ["anonymous", "appeal.created", waiting.appeal_id],
      [LABEL, "operator.updated", operatorId],
      [LABEL, "appeal.assigned", waiting.appeal_id],
    ]);
    expect(events[0]?.details).toEqual({ before: { is_active: true }, after: { is_active: false } });
    expect(events[3]?.details).toEqual({ before: { is_active: false }, after: { is_active: true } });
    expect(events[4]?.details).toEqual({ via: "drain", source_id: sourceId, operator_id: operatorId });
  });

  it("takes is_active alone: another field, a wrong type or nothing is a 400 naming it, and writes nothing", async () => {
    const before = { operator: await operatorById(), events: await eventCount() };
    const cases: [unknown, string[]][] = [
      [{ is_active: false, max_load: 0 }, ["max_load"]],
      [{ is_active: false, name: "Olga the Great" }, ["name"]],
      [{ is_active: "false" }, ["is_active"]],
      [{ is_active: null }, ["is_active"]],
      [{}, ["is_active"]],
    ];
    for (const [payload, paths] of cases) {
      const response = await me("PATCH", payload);
      expectValidationError(response, ...paths);
    }
    expect({ operator: await operatorById(), events: await eventCount() }).toEqual(before);
  });

  it("setting what is already set is a 200 recorded as sent, as PATCH /operators/{id} is", async () => {
    const before = await operatorById();
    const response = await me("PATCH", { is_active: before.is_active });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ is_active: before.is_active, current_load: before.current_load });
    const last = await t.database.prisma.event.findFirst({ orderBy: { id: "desc" } });
    expect(last).toMatchObject({
      actor: LABEL,
      type: "operator.updated",
      entityId: operatorId,
      operatorId,
      details: { before: { is_active: before.is_active }, after: { is_active: before.is_active } },
    });
  });
});
