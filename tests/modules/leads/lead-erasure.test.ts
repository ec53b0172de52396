// DELETE /leads/{id}: the lead's personal data blanked everywhere it lives (profile, the
// messages of its appeals, its activities, the event log's copies) and not recoverable through
// any route, the log (which the stream replays) or a webhook delivery still queued; counts and
// statistics kept; lead.erased recorded; the old external id starts a fresh lead.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOperator, createSource, setWeights } from "../../helpers/factories.js";
import { query } from "../../helpers/sql.js";
import { useTestApp } from "../../helpers/test-app.js";
import { deliver } from "../../helpers/webhook-delivery.js";
import { type Receiver, startReceiver } from "../../helpers/webhook-receiver.js";
import { expectProblem } from "../../http/problem-assertions.js";

const t = useTestApp({ webhooks: { allowPrivateUrls: true, random: () => 0.5, timeoutMs: 2_000 } });

/** Everything personal the lead gave, each a string no other row of the test holds. */
const PERSONAL = [
  "tg_erase_me",
  "Ерофей",
  "Стиралкин",
  "+7 916 555-44-33",
  "+79165554433",
  "erofey@example.com",
  "Please call me at home",
  "passport.jpg",
  "Street 5, flat 7",
  "Erase Corp",
  "vip-erase",
];

let receiver: Receiver;
let sourceId = 0;
let leadId = 0;
let appealId = 0;

const inject = (method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE", url: string, payload?: object) =>
  t.app.inject({ method, url, ...(payload && { payload }) });

async function ok<T>(method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE", url: string, payload?: object) {
  const response = await inject(method, url, payload);
  expect(response.statusCode, `${method} ${url}: ${response.body}`).toBeLessThan(300);
  return response.json() as T;
}

function leaks(text: string): string[] {
  return PERSONAL.filter((value) => text.includes(value));
}

beforeAll(async () => {
  receiver = await startReceiver();
  const operator = await createOperator(t.app, { name: "Olga", max_load: 10 });
  const source = (await createSource(t.app, { name: "Telegram" })).id;
  sourceId = source;
  await setWeights(t.app, source, [{ operator_id: operator.id, weight: 1 }]);
  // The webhook is registered before anything happens; nothing is delivered until after the erasure.
  const hook = await ok<{ secret: string }>("POST", "/webhooks", { url: receiver.url, event_types: ["*"] });
  receiver.secret = hook.secret;

  const created = await ok<{ appeal_id: number; lead_id: number }>("POST", "/appeals", {
    source_id: source,
    lead_external_id: "tg_erase_me",
    lead_name: "Ерофей Стиралкин",
    lead_phone: "+7 916 555-44-33",
    lead_email: "erofey@example.com",
    message: "Please call me at home",
  });
  ({ appeal_id: appealId, lead_id: leadId } = created);
  await ok("POST", `/appeals/${appealId}/messages`, {
    text: "Street 5, flat 7",
    sender: "lead",
    attachments: [{ kind: "document", url: "https://files.example.com/passport.jpg", name: "passport.jpg" }],
  });
  await ok("POST", `/appeals/${appealId}/messages`, {
    text: "Thanks, Street 5, flat 7 noted",
    sender: "operator",
  });
  await ok("PATCH", `/leads/${leadId}`, { company: "Erase Corp", tags: ["vip-erase"], first_name: "Ерофей" });
  await ok("PUT", `/leads/${leadId}/consent`, { text_version: "v1" });
  const material = await ok<{ id: number }>("POST", "/materials", {
    title: "Price list",
    category: "article",
    published: true,
  });
  await ok("POST", "/activities", {
    lead_id: leadId,
    type: "material_viewed",
    material_id: material.id,
    data: { note: "Street 5, flat 7" },
  });
});

afterAll(async () => {
  await receiver.close();
});

describe("DELETE /leads/{id}", () => {
  it("blanks the profile, keeps counts, and answers the erased lead", async () => {
    const before = await ok<{ appeals_count: number }>("GET", `/leads/${leadId}`);
    const erased = await ok<Record<string, unknown>>("DELETE", `/leads/${leadId}`);
    expect(erased).toMatchObject({
      id: leadId,
      external_id: `erased:${leadId}`,
      name: null,
      first_name: null,
      phone: null,
      phone_e164: null,
      email: null,
      company: null,
      tags: [],
      consent: null,
      erased_at: expect.any(String),
      appeals_count: before.appeals_count,
    });
    expect(await ok("GET", `/leads/${leadId}`)).toEqual(erased);
    // Again: answered as it is, nothing written.
    const events = await query(t.testDatabase.url, "SELECT count(*)::int AS n FROM events");
    expect(await ok("DELETE", `/leads/${leadId}`)).toEqual(erased);
    expect(await query(t.testDatabase.url, "SELECT count(*)::int AS n FROM events")).toEqual(events);
  });

  it("blanks the messages of its appeals, their copies and its activities, keeping the conversation's shape", async () => {
    const messages = await ok<{ items: { sender: string; text: string; attachments: unknown[] }[] }>(
      "GET",
      `/appeals/${appealId}/messages`,
    );
    expect(messages.items.map((m) => [m.sender, m.text, m.attachments])).toEqual([
      ["lead", "", []],
      ["lead", "", []],
      ["operator", "", []],
    ]);
    const appeal = await ok<Record<string, unknown>>("GET", `/appeals/${appealId}`);
    expect(appeal).toMatchObject({ lead_external_id: `erased:${leadId}`, message: null, status: "active" });
    expect(appeal.first_response_at).toEqual(expect.any(String));
    const activities = await ok<{ items: { type: string; data: unknown }[] }>(
      "GET",
      `/leads/${leadId}/activities`,
    );
    expect(activities.items.map((a) => [a.type, a.data])).toEqual([["material_viewed", {}]]);
  });

  it("leaves nothing of it in any table, the event log included (what the stream replays)", async () => {
    const tables = await query<{ name: string }>(
      t.testDatabase.url,
      "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'",
    );
    for (const { name } of tables) {
      const rows = await query(t.testDatabase.url, `SELECT * FROM "${name}"`);
      expect(leaks(JSON.stringify(rows)), name).toEqual([]);
    }
    const audit = await ok<{ items: { type: string; data: unknown }[] }>("GET", "/audit?limit=500");
    expect(leaks(JSON.stringify(audit))).toEqual([]);
    expect(audit.items[0]).toMatchObject({
      type: "lead.erased",
      data: { id: leadId, erased_at: expect.any(String) },
    });
    for (const search of ["Ерофей", "+7 916 555-44-33", "erofey@example.com", "tg_erase_me"]) {
      expect(await ok("GET", `/leads?search=${encodeURIComponent(search)}`), search).toEqual({
        items: [],
        next_cursor: null,
      });
    }
  });

  it("sends a webhook still to deliver what is left, not what was erased", async () => {
    await deliver(t);
    const types = receiver.received.map((r) => r.type);
    expect(types).toContain("message.created");
    expect(types.at(-1)).toBe("lead.erased");
    expect(leaks(receiver.received.map((r) => r.raw).join("\n"))).toEqual([]);
    expect(receiver.received.every((r) => r.verified)).toBe(true);
  });

  it("starts a fresh lead for a later appeal with the old external id", async () => {
    const again = await ok<{ lead_id: number }>("POST", "/appeals", {
      source_id: sourceId,
      lead_external_id: "tg_erase_me",
      lead_name: "Ерофей",
    });
    expect(again.lead_id).not.toBe(leadId);
    expect(await ok("GET", `/leads/${again.lead_id}`)).toMatchObject({
      external_id: "tg_erase_me",
      appeals_count: 1,
    });
  });

  it("answers an unknown lead with a 404 and a malformed id with a 400", async () => {
    expectProblem(await inject("DELETE", "/leads/424242"), 404, "not_found");
    expectProblem(await inject("DELETE", "/leads/abc"), 400, "validation_failed");
  });
});
