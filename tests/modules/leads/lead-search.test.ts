// GET /leads?search=: either phone in any format, email, external id (exact), and any part or
// combination of the name parts (ё = е, case-insensitive, a typo tolerated), best match first,
// with the filters and a keyset cursor over rank and id.
import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { createOperator, createSource, setWeights } from "../../helpers/factories.js";
import { useTestApp } from "../../helpers/test-app.js";
import { expectProblem } from "../../http/problem-assertions.js";

type Page = { items: { id: number; name: string | null }[]; next_cursor: string | null };

const t = useTestApp();
const lead = { anna: 0, petr: 0, ivan: 0, joanne: 0, tagged: 0 };
let telegram = 0;
let site = 0;

async function postAppeal(app: FastifyInstance, body: Record<string, unknown>): Promise<number> {
  const response = await app.inject({ method: "POST", url: "/appeals", payload: body });
  expect(response.statusCode, response.body).toBe(201);
  return (response.json() as { lead_id: number }).lead_id;
}

async function patch(id: number, body: Record<string, unknown>): Promise<void> {
  const response = await t.app.inject({ method: "PATCH", url: `/leads/${id}`, payload: body });
  expect(response.statusCode, response.body).toBe(200);
}

async function search(query: string): Promise<Page> {
  const response = await t.app.inject({ method: "GET", url: `/leads?${query}` });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as Page;
}

const ids = async (query: string) => (await search(query)).items.map((item) => item.id);
const find = (text: string) => ids(`search=${encodeURIComponent(text)}`);

beforeAll(async () => {
  const operator = await createOperator(t.app, { name: "Olga", max_load: 100 });
  telegram = (await createSource(t.app, { name: "Telegram" })).id;
  site = (await createSource(t.app, { name: "Site" })).id;
  for (const source of [telegram, site])
    await setWeights(t.app, source, [{ operator_id: operator.id, weight: 1 }]);
  lead.anna = await postAppeal(t.app, {
    source_id: telegram,
    lead_external_id: "tg_1001",
    lead_name: "Анна Каренина",
    lead_phone: "+7 900 111-22-33",
    lead_email: "anna@mail.ru",
  });
  lead.petr = await postAppeal(t.app, { source_id: telegram, lead_external_id: "tg_2002" });
  await patch(lead.petr, { last_name: "Иванов", first_name: "Пётр", middle_name: "Сергеевич" });
  lead.ivan = await postAppeal(t.app, {
    source_id: site,
    lead_external_id: "form-7",
    lead_name: "Иван Петров",
  });
  await patch(lead.ivan, { second_phone: "8 (916) 123-45-67" });
  lead.joanne = await postAppeal(t.app, {
    source_id: site,
    lead_external_id: "wa_3003",
    lead_name: "Joanne Rowling",
    lead_phone: "+44 20 7946 0958",
    lead_email: "jo@example.co.uk",
  });
  lead.tagged = await postAppeal(t.app, {
    source_id: site,
    lead_external_id: "form-8",
    lead_name: "Пётр Первый",
  });
  await patch(lead.tagged, { tags: ["vip", "newsletter"] });
});

describe("GET /leads?search=", () => {
  it("finds either phone in any format, exactly", async () => {
    expect(await find("8 900 111 22 33")).toEqual([lead.anna]);
    expect(await find("9001112233")).toEqual([lead.anna]);
    expect(await find("+7 (916) 123-45-67")).toEqual([lead.ivan]);
    expect(await find("+442079460958")).toEqual([lead.joanne]);
    // Part of a number is no number: nothing matches it.
    expect(await find("111-22")).toEqual([]);
  });

  it("finds an email in any case and an external id, exactly", async () => {
    expect(await find("ANNA@MAIL.RU")).toEqual([lead.anna]);
    expect(await find("tg_1001")).toEqual([lead.anna]);
    expect(await find("tg_100")).toEqual([]);
  });

  it("finds any name part or combination, ё as е, best match first", async () => {
    // "петр" is a whole word of Пётр Сергеевич Иванов and of Пётр Первый, a part of Петров.
    expect(await find("петр")).toEqual([lead.tagged, lead.petr, lead.ivan]);
    expect(await find("Иванов Пётр")).toEqual([lead.petr, lead.ivan]);
    expect(await find("сергеевич")).toEqual([lead.petr]);
    expect(await find("rowling JOANNE")).toEqual([lead.joanne]);
    expect(await find("nobody")).toEqual([]);
  });

  it("tolerates a typo", async () => {
    expect(await find("Каренена")).toEqual([lead.anna]);
  });

  it("narrows by tag, source and creation time, with or without a search", async () => {
    expect(await ids("tag=vip")).toEqual([lead.tagged]);
    expect(await ids(`search=${encodeURIComponent("петр")}&tag=vip`)).toEqual([lead.tagged]);
    expect(await ids(`source_id=${telegram}`)).toEqual([lead.petr, lead.anna]);
    expect(await ids(`search=${encodeURIComponent("петр")}&source_id=${site}`)).toEqual([
      lead.tagged,
      lead.ivan,
    ]);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(await ids(`created_from=${encodeURIComponent(future)}`)).toEqual([]);
    expect(await ids(`created_to=${encodeURIComponent(future)}&tag=newsletter`)).toEqual([lead.tagged]);
  });

  it("pages a search by rank and id", async () => {
    const first = await search(`search=${encodeURIComponent("петр")}&limit=2`);
    expect(first.items.map((item) => item.id)).toEqual([lead.tagged, lead.petr]);
    expect(first.next_cursor).toBe(`1.000000_${lead.petr}`);
    const rest = await search(`search=${encodeURIComponent("петр")}&limit=2&cursor=${first.next_cursor}`);
    expect(rest.items.map((item) => item.id)).toEqual([lead.ivan]);
    expect(rest.next_cursor).toBeNull();
  });

  it("refuses a cursor of the other kind of list, and bad filters, naming them", async () => {
    const list = await t.app.inject({ method: "GET", url: `/leads?search=x&cursor=${lead.anna}` });
    expectProblem(list, 400, "validation_failed");
    expect(list.json()).toMatchObject({ errors: [{ path: "cursor" }] });
    const ranked = await t.app.inject({ method: "GET", url: `/leads?cursor=1.000000_${lead.anna}` });
    expect(ranked.json()).toMatchObject({ status: 400, errors: [{ path: "cursor" }] });
    for (const [query, field] of [
      ["cursor=3.000000_1", "cursor"],
      ["tag=", "tag"],
      ["source_id=0", "source_id"],
      ["created_from=2026-12-01", "created_from"],
      ["created_from=2026-12-02T00:00:00Z&created_to=2026-12-01T00:00:00Z", "created_to"],
    ]) {
      const response = await t.app.inject({ method: "GET", url: `/leads?${query}` });
      expect(response.statusCode, query).toBe(400);
      expect(response.json(), query).toMatchObject({ errors: [{ path: field }] });
    }
  });
});

describe("a search that is a phone number", () => {
  it("is looked up exactly: a name holding the same digits is no match", async () => {
    const source = (await createSource(t.app, { name: "Digits" })).id;
    const room = await postAppeal(t.app, {
      source_id: source,
      lead_external_id: "room-lead",
      lead_name: "Room 9035550101",
    });
    // A valid number: only the exact arms (no lead has this phone).
    expect(await find("9035550101")).toEqual([]);
    expect(await find("8 (903) 555-01-01")).toEqual([]);
    // Not a number alone (a word beside it): the name arm finds the digits in the name.
    expect(await find("Room 9035550101")).toEqual([room]);
  });
});
