import type { FastifyInstance } from "fastify";
import { beforeEach, describe, expect, it } from "vitest";
import { createOperator, createSource, type OperatorBody, setWeights } from "../../helpers/factories.js";
import { query } from "../../helpers/sql.js";
import { useTestApp } from "../../helpers/test-app.js";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const iso = expect.stringMatching(ISO);

/** The profile fields an appeal does not fill: what a lead has until PATCH /leads/{id} sets them. */
const NO_PROFILE = {
  first_name: null,
  last_name: null,
  middle_name: null,
  second_phone: null,
  second_phone_e164: null,
  company: null,
  position: null,
  heard_from: null,
  notes: null,
  tags: [],
  consent: null,
  blocked_at: null,
  erased_at: null,
};

type LeadBody = {
  id: number;
  external_id: string;
  name: string | null;
  phone: string | null;
  email: string | null;
  appeals_count: number;
  created_at: string;
  updated_at: string;
};
type AppealCreated = { appeal_id: number; lead_id: number; created_at: string; status: string };
type AppealBody = { id: number; created_at: string; assigned_at: string | null; closed_at: string | null };
type AppealInput = {
  source_id: number;
  lead_external_id: string;
  message?: string;
  lead_name?: string;
  lead_phone?: string;
  lead_email?: string;
};

async function postAppeal(app: FastifyInstance, body: AppealInput): Promise<AppealCreated> {
  const response = await app.inject({ method: "POST", url: "/appeals", payload: body });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

async function get<T>(app: FastifyInstance, url: string): Promise<T> {
  const response = await app.inject({ method: "GET", url });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

/** A problem+json answer with exactly these fields. */
async function expectProblem(
  app: FastifyInstance,
  url: string,
  expected: { status: number; code: string; detail?: unknown; errors?: unknown },
) {
  const response = await app.inject({ method: "GET", url });
  expect(response.statusCode, response.body).toBe(expected.status);
  expect(response.headers["content-type"]).toBe("application/problem+json; charset=utf-8");
  const body = response.json();
  expect(body).toEqual({
    type: "about:blank",
    title: expect.any(String),
    status: expected.status,
    code: expected.code,
    detail: expected.detail ?? expect.any(String),
    instance: url,
    request_id: expect.any(String),
    ...(expected.errors !== undefined && { errors: expected.errors }),
  });
  return body as { detail: string };
}

const leadNotFound = (id: number, url: string) =>
  expectProblem(t.app, url, { status: 404, code: "not_found", detail: `Lead ${id} does not exist.` });

const t = useTestApp();
let operator: OperatorBody;
let telegram: { id: number; name: string };
let whatsapp: { id: number; name: string };

beforeEach(async () => {
  await t.testDatabase.reset();
  operator = await createOperator(t.app, { name: "Olga Operator", max_load: 100 });
  telegram = await createSource(t.app, { name: "Telegram" });
  whatsapp = await createSource(t.app, { name: "WhatsApp" });
  await setWeights(t.app, telegram.id, [{ operator_id: operator.id, weight: 1 }]);
  await setWeights(t.app, whatsapp.id, [{ operator_id: operator.id, weight: 1 }]);
});

describe("leads created and updated by appeals", () => {
  it("creates the lead on the first appeal with the details sent", async () => {
    const created = await postAppeal(t.app, {
      source_id: telegram.id,
      lead_external_id: "tg_user_1",
      message: "Hello",
      lead_name: "Anna Petrova",
      lead_phone: "+7 900 123-45-67",
      lead_email: "anna@example.com",
    });
    const lead = await get<LeadBody>(t.app, "/leads/by-external-id/tg_user_1");
    expect(lead).toEqual({
      ...NO_PROFILE,
      id: created.lead_id,
      external_id: "tg_user_1",
      name: "Anna Petrova",
      phone: "+7 900 123-45-67",
      phone_e164: "+79001234567",
      email: "anna@example.com",
      appeals_count: 1,
      created_at: iso,
      updated_at: lead.created_at,
    });
    expect(await get(t.app, `/leads/${created.lead_id}`)).toEqual(lead);
  });

  it("creates a lead without details as nulls", async () => {
    const created = await postAppeal(t.app, { source_id: telegram.id, lead_external_id: "anon" });
    expect(await get(t.app, `/leads/${created.lead_id}`)).toMatchObject({
      external_id: "anon",
      name: null,
      phone: null,
      email: null,
      appeals_count: 1,
    });
  });

  it("reuses the lead across sources and updates only the non-empty details sent", async () => {
    const first = await postAppeal(t.app, {
      source_id: telegram.id,
      lead_external_id: "client-42",
      lead_name: "Ivan",
      lead_phone: "+7 911 000-00-01",
      lead_email: "ivan@example.com",
    });
    const created = await get<LeadBody>(t.app, `/leads/${first.lead_id}`);

    const second = await postAppeal(t.app, {
      source_id: whatsapp.id,
      lead_external_id: "client-42",
      lead_name: "Ivan Sidorov",
    });
    expect(second.lead_id).toBe(first.lead_id);
    const renamed = await get<LeadBody>(t.app, `/leads/${first.lead_id}`);
    expect(renamed).toEqual({
      ...created,
      name: "Ivan Sidorov",
      appeals_count: 2,
      updated_at: iso,
    });
    expect(renamed.updated_at >= created.updated_at).toBe(true);

    // Empty (or blank) values mean "not given": nothing changes, not even updated_at.
    const third = await postAppeal(t.app, {
      source_id: telegram.id,
      lead_external_id: "client-42",
      lead_name: "",
      lead_phone: "   ",
      lead_email: "",
    });
    expect(third.lead_id).toBe(first.lead_id);
    expect(await get(t.app, `/leads/${first.lead_id}`)).toEqual({ ...renamed, appeals_count: 3 });

    await postAppeal(t.app, {
      source_id: whatsapp.id,
      lead_external_id: "client-42",
      lead_phone: "+7 911 000-00-02",
      lead_email: "ivan.s@example.org",
    });
    expect(await get(t.app, `/leads/${first.lead_id}`)).toEqual({
      ...created,
      name: "Ivan Sidorov",
      phone: "+7 911 000-00-02",
      phone_e164: "+79110000002",
      email: "ivan.s@example.org",
      appeals_count: 4,
      updated_at: iso,
    });
    expect((await get<{ items: LeadBody[] }>(t.app, "/leads")).items).toHaveLength(1);
  });

  it("answers an unknown source_id with a 404 naming it and creates no lead", async () => {
    const response = await t.app.inject({
      method: "POST",
      url: "/appeals",
      payload: { source_id: 9999, lead_external_id: "ghost", lead_name: "Nobody" },
    });
    expect(response.statusCode).toBe(404);
    expect(response.headers["content-type"]).toBe("application/problem+json; charset=utf-8");
    expect(response.json()).toEqual({
      type: "about:blank",
      title: "Not found",
      status: 404,
      code: "not_found",
      detail: "Source 9999 does not exist; nothing was stored.",
      errors: [{ path: "source_id", message: "source 9999 does not exist" }],
      instance: "/appeals",
      request_id: expect.any(String),
    });
    await expectProblem(t.app, "/leads/by-external-id/ghost", {
      status: 404,
      code: "not_found",
      detail: 'No lead has external_id "ghost".',
    });
    expect(await get(t.app, "/leads")).toEqual({ items: [], next_cursor: null });
  });

  it("leaves an existing lead unchanged when the source is unknown", async () => {
    const first = await postAppeal(t.app, {
      source_id: telegram.id,
      lead_external_id: "known",
      lead_name: "Kept",
    });
    const before = await get<LeadBody>(t.app, `/leads/${first.lead_id}`);
    const response = await t.app.inject({
      method: "POST",
      url: "/appeals",
      payload: { source_id: 9999, lead_external_id: "known", lead_name: "Changed", lead_phone: "+1" },
    });
    expect(response.statusCode).toBe(404);
    expect(await get(t.app, `/leads/${first.lead_id}`)).toEqual(before);
  });
});

describe("GET /leads", () => {
  async function makeLeads(count: number): Promise<number[]> {
    const ids: number[] = [];
    for (let i = 1; i <= count; i++) {
      ids.push((await postAppeal(t.app, { source_id: telegram.id, lead_external_id: `lead-${i}` })).lead_id);
    }
    return ids;
  }

  it("pages newest first with next_cursor chaining", async () => {
    const [l1, l2, l3, l4, l5] = await makeLeads(5);
    const ids = (page: { items: LeadBody[] }) => page.items.map((lead) => lead.id);

    const page1 = await get<{ items: LeadBody[]; next_cursor: string | null }>(t.app, "/leads?limit=2");
    expect(ids(page1)).toEqual([l5, l4]);
    expect(page1.next_cursor).toBe(String(l4));
    const page2 = await get<{ items: LeadBody[]; next_cursor: string | null }>(
      t.app,
      `/leads?limit=2&cursor=${page1.next_cursor}`,
    );
    expect(ids(page2)).toEqual([l3, l2]);
    expect(page2.next_cursor).toBe(String(l2));
    const page3 = await get<{ items: LeadBody[]; next_cursor: string | null }>(
      t.app,
      `/leads?limit=2&cursor=${page2.next_cursor}`,
    );
    expect(ids(page3)).toEqual([l1]);
    expect(page3.next_cursor).toBeNull();

    expect(page1.items[0]).toEqual({
      ...NO_PROFILE,
      id: l5,
      external_id: "lead-5",
      name: null,
      phone: null,
      phone_e164: null,
      email: null,
      appeals_count: 1,
      created_at: iso,
      updated_at: iso,
    });
    // A page that ends exactly at the last lead has no next page.
    const exact = await get<{ items: LeadBody[]; next_cursor: string | null }>(t.app, "/leads?limit=5");
    expect(ids(exact)).toEqual([l5, l4, l3, l2, l1]);
    expect(exact.next_cursor).toBeNull();
    const all = await get<{ items: LeadBody[]; next_cursor: string | null }>(t.app, "/leads");
    expect(all).toEqual(exact);
  });

  it.each([
    ["limit=0", "limit"],
    ["limit=501", "limit"],
    ["limit=abc", "limit"],
    ["limit=2.5", "limit"],
    ["cursor=abc", "cursor"],
    ["cursor=-1", "cursor"],
    ["search=", "search"],
    ["search=%20%20", "search"],
    ["search=a%00b", "search"],
    ["unknown=1", "unknown"],
  ])("answers %s with a 400 naming %s", async (query, field) => {
    const body = await expectProblem(t.app, `/leads?${query}`, {
      status: 400,
      code: "validation_failed",
      errors: [{ path: field, message: expect.any(String) }],
    });
    expect(body.detail).toContain(field);
  });

  it("accepts the limit bounds 1 and 500", async () => {
    const [l1, l2] = await makeLeads(2);
    expect(await get(t.app, "/leads?limit=1")).toMatchObject({
      items: [{ id: l2 }],
      next_cursor: String(l2),
    });
    expect(await get(t.app, "/leads?limit=500")).toMatchObject({
      items: [{ id: l2 }, { id: l1 }],
      next_cursor: null,
    });
  });

  it("refuses a cursor beyond every possible id, naming it", async () => {
    const response = await t.app.inject({ method: "GET", url: "/leads?cursor=9999999999" });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors.map((e: { path: string }) => e.path)).toEqual(["cursor"]);
  });
});

describe("GET /leads/{id} and /leads/by-external-id/{external_id}", () => {
  it("finds a lead by an external id with special characters", async () => {
    for (const external of ["tg:user@1", "wa/+7 900 123", "vk:Иван?x=1&y#2", "100%"]) {
      const created = await postAppeal(t.app, {
        source_id: telegram.id,
        lead_external_id: external,
        lead_name: `name of ${external}`,
      });
      expect(await get(t.app, `/leads/by-external-id/${encodeURIComponent(external)}`)).toMatchObject({
        id: created.lead_id,
        external_id: external,
        name: `name of ${external}`,
      });
    }
    // Exact match only: neither a prefix nor another case finds it.
    await expectProblem(t.app, "/leads/by-external-id/tg%3Auser", {
      status: 404,
      code: "not_found",
      detail: 'No lead has external_id "tg:user".',
    });
    await expectProblem(t.app, "/leads/by-external-id/TG%3AUSER%401", {
      status: 404,
      code: "not_found",
      detail: 'No lead has external_id "TG:USER@1".',
    });
  });

  it("finds an external id of 100 characters and refuses a NUL character with a 400", async () => {
    const long = `tg_${"9".repeat(97)}`;
    const created = await postAppeal(t.app, { source_id: telegram.id, lead_external_id: long });
    expect(await get(t.app, `/leads/by-external-id/${long}`)).toMatchObject({
      id: created.lead_id,
      external_id: long,
    });
    await expectProblem(t.app, "/leads/by-external-id/a%00b", {
      status: 400,
      code: "validation_failed",
      errors: [{ path: "external_id", message: expect.any(String) }],
    });
  });

  it("answers unknown ids with 404 and malformed ids with 400", async () => {
    await leadNotFound(12345, "/leads/12345");
    await leadNotFound(12345, "/leads/12345/appeals");
    await leadNotFound(12345, "/appeals/leads/12345/appeals");
    for (const url of [
      "/leads/x",
      "/leads/0",
      "/leads/1.5",
      "/leads/x/appeals",
      "/appeals/leads/x/appeals",
    ]) {
      await expectProblem(t.app, url, {
        status: 400,
        code: "validation_failed",
        errors: [{ path: "id", message: expect.any(String) }],
      });
    }
  });
});

describe("a lead's appeals", () => {
  it("lists them oldest first with every field, on the new route (a page) and the legacy one (an array)", async () => {
    const a1 = await postAppeal(t.app, {
      source_id: telegram.id,
      lead_external_id: "tg_9",
      message: "first",
      lead_name: "Nina",
    });
    const other = await postAppeal(t.app, { source_id: telegram.id, lead_external_id: "someone-else" });
    const a2 = await postAppeal(t.app, { source_id: whatsapp.id, lead_external_id: "tg_9" });
    const a3 = await postAppeal(t.app, {
      source_id: telegram.id,
      lead_external_id: "tg_9",
      message: "third",
    });
    const closed = await t.app.inject({ method: "PATCH", url: `/appeals/${a1.appeal_id}/close` });
    expect(closed.statusCode).toBe(200);
    const a1Closed = closed.json<AppealBody>();
    const fetched = async (id: number) => get<AppealBody>(t.app, `/appeals/${id}`);
    const [a2Now, a3Now] = [await fetched(a2.appeal_id), await fetched(a3.appeal_id)];

    const operatorRef = { id: operator.id, name: "Olga Operator" };
    const expected = [
      {
        id: a1.appeal_id,
        lead_id: a1.lead_id,
        lead_external_id: "tg_9",
        source_id: telegram.id,
        source_name: "Telegram",
        operator: operatorRef,
        status: "closed",
        message: "first",
        created_at: a1.created_at,
        assigned_at: a1Closed.assigned_at,
        closed_at: a1Closed.closed_at,
        first_response_at: null,
        bot_script_id: null,
        bot_script_version: null,
      },
      {
        id: a2.appeal_id,
        lead_id: a1.lead_id,
        lead_external_id: "tg_9",
        source_id: whatsapp.id,
        source_name: "WhatsApp",
        operator: operatorRef,
        status: "active",
        message: null,
        created_at: a2.created_at,
        assigned_at: a2Now.assigned_at,
        closed_at: null,
        first_response_at: null,
        bot_script_id: null,
        bot_script_version: null,
      },
      {
        id: a3.appeal_id,
        lead_id: a1.lead_id,
        lead_external_id: "tg_9",
        source_id: telegram.id,
        source_name: "Telegram",
        operator: operatorRef,
        status: "active",
        message: "third",
        created_at: a3.created_at,
        assigned_at: a3Now.assigned_at,
        closed_at: null,
        first_response_at: null,
        bot_script_id: null,
        bot_script_version: null,
      },
    ];
    expect(a1Closed.closed_at).toMatch(ISO);
    expect(a2Now.assigned_at).toMatch(ISO);
    expect(await get(t.app, `/leads/${a1.lead_id}/appeals`)).toEqual({ items: expected, next_cursor: null });
    expect(await get(t.app, `/appeals/leads/${a1.lead_id}/appeals`)).toEqual(expected);
    expect(await get(t.app, `/leads/${other.lead_id}/appeals`)).toMatchObject({
      items: [{ id: other.appeal_id, lead_external_id: "someone-else" }],
      next_cursor: null,
    });
    expect(await get(t.app, `/leads/${a1.lead_id}`)).toMatchObject({ appeals_count: 3 });
  });

  it("keeps the legacy GET /appeals/leads: every lead, newest first, as a bare array", async () => {
    expect(await get(t.app, "/appeals/leads")).toEqual([]);
    const first = await postAppeal(t.app, {
      source_id: telegram.id,
      lead_external_id: "old",
      lead_email: "old@example.com",
    });
    await postAppeal(t.app, { source_id: whatsapp.id, lead_external_id: "old" });
    const second = await postAppeal(t.app, {
      source_id: whatsapp.id,
      lead_external_id: "new",
      lead_name: "New",
    });
    const leads = await get<LeadBody[]>(t.app, "/appeals/leads");
    expect(leads).toEqual([
      {
        ...NO_PROFILE,
        id: second.lead_id,
        external_id: "new",
        name: "New",
        phone: null,
        phone_e164: null,
        email: null,
        appeals_count: 1,
        created_at: iso,
        updated_at: iso,
      },
      {
        ...NO_PROFILE,
        id: first.lead_id,
        external_id: "old",
        name: null,
        phone: null,
        phone_e164: null,
        email: "old@example.com",
        appeals_count: 2,
        created_at: iso,
        updated_at: iso,
      },
    ]);
    expect(leads).toEqual((await get<{ items: LeadBody[] }>(t.app, "/leads")).items);
  });
});

describe("GET /leads/{id}/appeals pages, the legacy route is bounded", () => {
  type Page = { items: AppealBody[]; next_cursor: string | null };
  const ids = (appeals: AppealBody[]) => appeals.map((appeal) => appeal.id);

  async function appealsOf(externalId: string, count: number): Promise<number[]> {
    const made: number[] = [];
    for (let i = 0; i < count; i++) {
      const source = i % 2 === 0 ? telegram.id : whatsapp.id;
      made.push((await postAppeal(t.app, { source_id: source, lead_external_id: externalId })).appeal_id);
    }
    return made;
  }

  it("pages oldest first with next_cursor chaining, only this lead's appeals", async () => {
    const [x1, x2, x3, x4, x5] = await appealsOf("paged", 5);
    await appealsOf("someone-else", 2);
    const lead = await get<LeadBody>(t.app, "/leads/by-external-id/paged");

    const page1 = await get<Page>(t.app, `/leads/${lead.id}/appeals?limit=2`);
    expect(ids(page1.items)).toEqual([x1, x2]);
    expect(page1.next_cursor).toBe(String(x2));
    const page2 = await get<Page>(t.app, `/leads/${lead.id}/appeals?limit=2&cursor=${page1.next_cursor}`);
    expect(ids(page2.items)).toEqual([x3, x4]);
    expect(page2.next_cursor).toBe(String(x4));
    const page3 = await get<Page>(t.app, `/leads/${lead.id}/appeals?limit=2&cursor=${page2.next_cursor}`);
    expect(ids(page3.items)).toEqual([x5]);
    expect(page3.next_cursor).toBeNull();

    // A page that ends exactly at the last appeal has no next page; the default limit is 50.
    const exact = await get<Page>(t.app, `/leads/${lead.id}/appeals?limit=5`);
    expect(ids(exact.items)).toEqual([x1, x2, x3, x4, x5]);
    expect(exact.next_cursor).toBeNull();
    expect(await get(t.app, `/leads/${lead.id}/appeals`)).toEqual(exact);
    expect(page1.items[0]).toEqual(await get(t.app, `/appeals/${x1}`));
    // A lead without appeals after the cursor: an empty last page.
    expect(await get(t.app, `/leads/${lead.id}/appeals?cursor=${x5}`)).toEqual({
      items: [],
      next_cursor: null,
    });
  });

  it("answers at most 50 by default and 500 at most", async () => {
    const lead = await get<LeadBody>(
      t.app,
      `/leads/${(await postAppeal(t.app, { source_id: telegram.id, lead_external_id: "many" })).lead_id}`,
    );
    await addClosedAppeals(lead.id, 504);
    const all = await query<{ id: number }>(
      t.testDatabase.url,
      "SELECT id FROM appeals WHERE lead_id = $1 ORDER BY id",
      [lead.id],
    );
    expect(all).toHaveLength(505);
    const allIds = all.map((row) => row.id);

    const first = await get<Page>(t.app, `/leads/${lead.id}/appeals`);
    expect(ids(first.items)).toEqual(allIds.slice(0, 50));
    expect(first.next_cursor).toBe(String(allIds[49]));
    const big = await get<Page>(t.app, `/leads/${lead.id}/appeals?limit=500`);
    expect(ids(big.items)).toEqual(allIds.slice(0, 500));
    const rest = await get<Page>(t.app, `/leads/${lead.id}/appeals?limit=500&cursor=${big.next_cursor}`);
    expect(ids(rest.items)).toEqual(allIds.slice(500));
    expect(rest.next_cursor).toBeNull();

    // The original design's route keeps its bare array, oldest first, of the 500 newest.
    const legacy = await get<AppealBody[]>(t.app, `/appeals/leads/${lead.id}/appeals`);
    expect(ids(legacy)).toEqual(allIds.slice(-500));
  });

  it.each([
    ["limit=0", "limit"],
    ["limit=501", "limit"],
    ["limit=abc", "limit"],
    ["cursor=abc", "cursor"],
    ["cursor=0", "cursor"],
    ["unknown=1", "unknown"],
  ])("answers %s with a 400 naming %s", async (queryString, field) => {
    const created = await postAppeal(t.app, { source_id: telegram.id, lead_external_id: "q" });
    await expectProblem(t.app, `/leads/${created.lead_id}/appeals?${queryString}`, {
      status: 400,
      code: "validation_failed",
      errors: [{ path: field, message: expect.any(String) }],
    });
  });

  it("answers 404 for an unknown lead whatever the page", async () => {
    await leadNotFound(777, "/leads/777/appeals?limit=1&cursor=5");
  });
});

/** Closed appeals of one lead straight in the table: a few hundred without as many intakes. */
async function addClosedAppeals(leadId: number, count: number): Promise<void> {
  await query(
    t.testDatabase.url,
    `INSERT INTO appeals (lead_id, source_id, operator_id, status, message, assigned_at, closed_at)
     SELECT $1, $2, $3, 'closed', 'bulk ' || n, now(), now() FROM generate_series(1, $4) AS n`,
    [leadId, telegram.id, operator.id, count],
  );
}
