// PATCH /leads/{id}, consent, and the phones' E.164 forms: at intake (a phone that does not
// parse is kept raw, never a refused appeal) and on PATCH (refused with a 400 naming it).
import { beforeEach, describe, expect, it } from "vitest";
import { createOperator, createSource, setWeights } from "../../helpers/factories.js";
import { query } from "../../helpers/sql.js";
import { useTestApp } from "../../helpers/test-app.js";
import { expectProblem } from "../../http/problem-assertions.js";

const clock = { at: new Date("2026-12-01T12:00:00.000Z") };
const t = useTestApp({ clock: { now: () => clock.at } });
let source = 0;

type Lead = Record<string, unknown> & { id: number; updated_at: string };
type AuditPage = { items: { type: string; data: Lead; details: Record<string, unknown> }[] };

async function intake(body: Record<string, unknown>): Promise<number> {
  const response = await t.app.inject({
    method: "POST",
    url: "/appeals",
    payload: { source_id: source, lead_external_id: "tg_42", ...body },
  });
  expect(response.statusCode, response.body).toBe(201);
  return (response.json() as { lead_id: number }).lead_id;
}

const patch = (id: number, payload: Record<string, unknown>) =>
  t.app.inject({ method: "PATCH", url: `/leads/${id}`, payload });
const getLead = async (id: number) =>
  (await t.app.inject({ method: "GET", url: `/leads/${id}` })).json() as Lead;

async function leadEvents(id: number): Promise<AuditPage["items"]> {
  const response = await t.app.inject({ method: "GET", url: `/audit?entity_type=lead&entity_id=${id}` });
  expect(response.statusCode, response.body).toBe(200);
  return (response.json() as AuditPage).items.reverse();
}

beforeEach(async () => {
  await t.testDatabase.reset();
  const operator = await createOperator(t.app, { name: "Olga", max_load: 100 });
  source = (await createSource(t.app, { name: "Telegram" })).id;
  await setWeights(t.app, source, [{ operator_id: operator.id, weight: 1 }]);
});

describe("phones at intake", () => {
  it("fills phone_e164 from the phone sent, in DEFAULT_PHONE_REGION (RU) without a country code", async () => {
    const id = await intake({ lead_phone: "8 (916) 123-45-67" });
    expect(await getLead(id)).toMatchObject({ phone: "8 (916) 123-45-67", phone_e164: "+79161234567" });
    await intake({ lead_phone: "+44 20 7946 0958" });
    expect(await getLead(id)).toMatchObject({ phone: "+44 20 7946 0958", phone_e164: "+442079460958" });
  });

  it("keeps a phone that is no valid number as sent, phone_e164 null, and stores the appeal", async () => {
    const id = await intake({ lead_phone: "12345" });
    expect(await getLead(id)).toMatchObject({ phone: "12345", phone_e164: null });
    // An appeal without a phone leaves both as they are.
    await intake({ lead_phone: "9161234567" });
    await intake({ lead_name: "Ivan" });
    expect(await getLead(id)).toMatchObject({
      name: "Ivan",
      phone: "9161234567",
      phone_e164: "+79161234567",
    });
  });
});

describe("PATCH /leads/{id}", () => {
  it("changes the fields sent, records lead.updated with those that changed, before and after", async () => {
    const id = await intake({ lead_name: "Ivan" });
    const response = await patch(id, {
      phone: "+7 916 123 45 67",
      second_phone: "8-916-765-43-21",
      company: "  Roga & Kopyta  ",
      position: "CEO",
      heard_from: "a friend",
      notes: "Prefers calls after 18:00",
      tags: ["vip", "newsletter", "vip"],
      blocked_at: "2026-12-01T15:00:00+03:00",
    });
    expect(response.statusCode, response.body).toBe(200);
    const lead = response.json() as Lead;
    expect(lead).toMatchObject({
      name: "Ivan",
      phone: "+7 916 123 45 67",
      phone_e164: "+79161234567",
      second_phone: "8-916-765-43-21",
      second_phone_e164: "+79167654321",
      company: "Roga & Kopyta",
      position: "CEO",
      heard_from: "a friend",
      notes: "Prefers calls after 18:00",
      tags: ["vip", "newsletter"],
      blocked_at: "2026-12-01T12:00:00.000Z",
      consent: null,
      erased_at: null,
    });
    expect(await getLead(id)).toEqual(lead);
    const events = await leadEvents(id);
    expect(events.map((event) => event.type)).toEqual(["lead.created", "lead.updated"]);
    expect(events[1]?.data).toEqual(lead);
    expect(events[1]?.details).toEqual({
      before: {
        phone: null,
        second_phone: null,
        company: null,
        position: null,
        heard_from: null,
        notes: null,
        tags: [],
        blocked_at: null,
      },
      after: {
        phone: "+7 916 123 45 67",
        second_phone: "8-916-765-43-21",
        company: "Roga & Kopyta",
        position: "CEO",
        heard_from: "a friend",
        notes: "Prefers calls after 18:00",
        tags: ["vip", "newsletter"],
        blocked_at: "2026-12-01T12:00:00.000Z",
      },
    });
  });

  it("builds the display name from the parts while it is the built one, and keeps a given one", async () => {
    const id = await intake({});
    expect((await patch(id, { last_name: "Иванов", first_name: "Пётр" })).json()).toMatchObject({
      name: "Пётр Иванов",
    });
    expect((await patch(id, { middle_name: "Сергеевич" })).json()).toMatchObject({
      name: "Пётр Сергеевич Иванов",
    });
    expect((await patch(id, { name: "Петя" })).json()).toMatchObject({ name: "Петя" });
    expect((await patch(id, { first_name: "Павел" })).json()).toMatchObject({
      name: "Петя",
      first_name: "Павел",
    });
    // Cleared: null and "" alike.
    expect((await patch(id, { name: null, middle_name: "" })).json()).toMatchObject({
      name: null,
      middle_name: null,
    });
  });

  it("writes nothing and records nothing when every value sent is the current one", async () => {
    const id = await intake({ lead_name: "Ivan" });
    const first = (await patch(id, { company: "Acme", tags: ["a"] })).json() as Lead;
    const again = await patch(id, { company: "Acme", tags: ["a"], name: "Ivan" });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(first);
    expect((await leadEvents(id)).map((event) => event.type)).toEqual(["lead.created", "lead.updated"]);
  });

  it("refuses bad input with a 400 naming the field, and writes nothing", async () => {
    const id = await intake({ lead_name: "Ivan" });
    const before = await query(t.testDatabase.url, "SELECT * FROM leads WHERE id = $1", [id]);
    for (const [payload, field] of [
      [{ phone: "12345" }, "phone"],
      [{ second_phone: "not a phone" }, "second_phone"],
      [{ email: "nope" }, "email"],
      [{ tags: ["ok", ""] }, "tags.1"],
      [{ tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }, "tags"],
      [{ first_name: "x".repeat(101) }, "first_name"],
      [{ blocked_at: "2026-12-01" }, "blocked_at"],
      [{ erased_at: null }, "erased_at"],
      [{ phone_e164: "+79161234567" }, "phone_e164"],
    ] as const) {
      const response = await patch(id, payload);
      expectProblem(response, 400, "validation_failed");
      expect(response.json(), JSON.stringify(payload)).toMatchObject({
        errors: expect.arrayContaining([expect.objectContaining({ path: field })]),
      });
    }
    const empty = await patch(id, {});
    expectProblem(empty, 400, "validation_failed");
    expect(await query(t.testDatabase.url, "SELECT * FROM leads WHERE id = $1", [id])).toEqual(before);
    expect((await leadEvents(id)).map((event) => event.type)).toEqual(["lead.created"]);
    expectProblem(await patch(424242, { company: "x" }), 404, "not_found");
  });
});

describe("consent", () => {
  const put = (id: number, payload: Record<string, unknown>) =>
    t.app.inject({ method: "PUT", url: `/leads/${id}/consent`, payload });
  const withdraw = (id: number) => t.app.inject({ method: "DELETE", url: `/leads/${id}/consent` });

  it("is given with its text version at the service's time, withdrawn, and each change evented once", async () => {
    const id = await intake({});
    const given = await put(id, { text_version: "2026-11" });
    expect(given.statusCode, given.body).toBe(200);
    expect(given.json()).toMatchObject({
      consent: { given_at: "2026-12-01T12:00:00.000Z", text_version: "2026-11" },
    });
    // The same version again changes nothing; a new one is consent anew.
    clock.at = new Date("2026-12-02T09:30:00.000Z");
    expect((await put(id, { text_version: "2026-11" })).json()).toMatchObject({
      consent: { given_at: "2026-12-01T12:00:00.000Z" },
    });
    expect((await put(id, { text_version: "2026-12" })).json()).toMatchObject({
      consent: { given_at: "2026-12-02T09:30:00.000Z", text_version: "2026-12" },
    });
    const withdrawn = await withdraw(id);
    expect(withdrawn.statusCode, withdrawn.body).toBe(200);
    expect(withdrawn.json()).toMatchObject({ consent: null });
    expect((await withdraw(id)).json()).toMatchObject({ consent: null });

    const events = (await leadEvents(id)).slice(1);
    expect(events.map((event) => event.details)).toEqual([
      {
        before: { consent: null },
        after: { consent: { given_at: "2026-12-01T12:00:00.000Z", text_version: "2026-11" } },
      },
      {
        before: { consent: { given_at: "2026-12-01T12:00:00.000Z", text_version: "2026-11" } },
        after: { consent: { given_at: "2026-12-02T09:30:00.000Z", text_version: "2026-12" } },
      },
      {
        before: { consent: { given_at: "2026-12-02T09:30:00.000Z", text_version: "2026-12" } },
        after: { consent: null },
      },
    ]);
    expect(events.map((event) => event.type)).toEqual(["lead.updated", "lead.updated", "lead.updated"]);
  });

  it("refuses a missing or empty text_version naming it, and an unknown lead with a 404", async () => {
    const id = await intake({});
    for (const payload of [{}, { text_version: "" }, { text_version: "x".repeat(51) }]) {
      const response = await put(id, payload);
      expectProblem(response, 400, "validation_failed");
      expect(response.json()).toMatchObject({ errors: [{ path: "text_version" }] });
    }
    expect((await getLead(id)).consent).toBeNull();
    expectProblem(await put(424242, { text_version: "v1" }), 404, "not_found");
    expectProblem(await withdraw(424242), 404, "not_found");
  });
});
