// What the exports hold, read back with exceljs' reader (XLSX) and a strict RFC 4180 parser
// (CSV): exactly the rows of the database as the API shows them, in id order, Cyrillic intact,
// formula-looking text kept as text, quotes, commas and line breaks surviving, numbers and times
// typed in XLSX; the filters applied; bad queries refused before any byte of a file.
import type { LightMyRequestResponse } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { createOperator, createSource, setWeights, unique } from "../../helpers/factories.js";
import { useTestApp } from "../../helpers/test-app.js";
import { expectValidationError } from "../../http/problem-assertions.js";
import { CSV, download, readCsv, readXlsx, XLSX, type XlsxCell } from "./export-reader.js";

const clock = { at: new Date("2026-12-01T10:00:00.000Z") };
const t = useTestApp({ clock: { now: () => clock.at } });

type Lead = {
  id: number;
  external_id: string;
  name: string | null;
  first_name: string | null;
  last_name: string | null;
  middle_name: string | null;
  phone: string | null;
  phone_e164: string | null;
  second_phone: string | null;
  second_phone_e164: string | null;
  email: string | null;
  company: string | null;
  position: string | null;
  heard_from: string | null;
  notes: string | null;
  tags: string[];
  consent: { given_at: string; text_version: string } | null;
  blocked_at: string | null;
  erased_at: string | null;
  appeals_count: number;
  created_at: string;
  updated_at: string;
};
type Appeal = {
  id: number;
  lead_id: number;
  lead_external_id: string;
  source_id: number;
  source_name: string;
  operator: { id: number; name: string } | null;
  status: string;
  message: string | null;
  created_at: string;
  assigned_at: string | null;
  closed_at: string | null;
  first_response_at: string | null;
  bot_script_id: number | null;
  bot_script_version: number | null;
};

const LEAD_HEADERS = [
  "id",
  "external_id",
  "name",
  "first_name",
  "last_name",
  "middle_name",
  "phone",
  "phone_e164",
  "second_phone",
  "second_phone_e164",
  "email",
  "company",
  "position",
  "heard_from",
  "notes",
  "tags",
  "consent_given_at",
  "consent_text_version",
  "blocked_at",
  "erased_at",
  "created_at",
  "updated_at",
  "appeals_count",
  "last_appeal_at",
  "activities_count",
  "materials_viewed",
];
const APPEAL_HEADERS = [
  "id",
  "created_at",
  "status",
  "lead_id",
  "lead_external_id",
  "lead_name",
  "source_id",
  "source_name",
  "operator_id",
  "operator_name",
  "message",
  "assigned_at",
  "closed_at",
  "first_response_at",
  "bot_script_id",
  "bot_script_version",
];

async function call<T>(method: "GET" | "POST" | "PATCH" | "PUT", url: string, payload?: object): Promise<T> {
  const response = await t.app.inject({ method, url, ...(payload && { payload }) });
  expect(response.statusCode, `${method} ${url}: ${response.body}`).toBeLessThan(300);
  return response.json() as T;
}

/** Text as both formats write it: with an apostrophe before a formula start. */
const guarded = (text: string | null) => (text !== null && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text);
const time = (iso: string | null) => (iso === null ? null : new Date(iso));

/** A lead's row as typed cells, from its API answer and what the export adds. */
function leadCells(
  lead: Lead,
  extra: { lastAppealAt: string | null; activities: number; viewed: string[] },
): XlsxCell[] {
  const texts = (...values: (string | null)[]) => values.map(guarded);
  return [
    lead.id,
    ...texts(
      lead.external_id,
      lead.name,
      lead.first_name,
      lead.last_name,
      lead.middle_name,
      lead.phone,
      lead.phone_e164,
      lead.second_phone,
      lead.second_phone_e164,
      lead.email,
      lead.company,
      lead.position,
      lead.heard_from,
      lead.notes,
      lead.tags.length === 0 ? null : lead.tags.join("; "),
    ),
    time(lead.consent?.given_at ?? null),
    guarded(lead.consent?.text_version ?? null),
    time(lead.blocked_at),
    time(lead.erased_at),
    time(lead.created_at),
    time(lead.updated_at),
    lead.appeals_count,
    time(extra.lastAppealAt),
    extra.activities,
    extra.viewed.length === 0 ? null : guarded(extra.viewed.join("; ")),
  ];
}

function appealCells(appeal: Appeal, leadName: string | null): XlsxCell[] {
  return [
    appeal.id,
    time(appeal.created_at),
    appeal.status,
    appeal.lead_id,
    guarded(appeal.lead_external_id),
    guarded(leadName),
    appeal.source_id,
    guarded(appeal.source_name),
    appeal.operator?.id ?? null,
    guarded(appeal.operator?.name ?? null),
    guarded(appeal.message),
    time(appeal.assigned_at),
    time(appeal.closed_at),
    time(appeal.first_response_at),
    appeal.bot_script_id,
    appeal.bot_script_version,
  ];
}

/** The cells as the XLSX holds them: line breaks as LF. */
const asXlsx = (cells: XlsxCell[]) =>
  cells.map((cell) => (typeof cell === "string" ? cell.replace(/\r\n?/g, "\n") : cell));

/** The same cells as a CSV record reads: numbers as digits, times in ISO-8601, null as "". */
const asCsv = (cells: XlsxCell[]) =>
  cells.map((cell) =>
    cell === null
      ? ""
      : cell instanceof Date
        ? cell.toISOString()
        : typeof cell === "number"
          ? String(cell)
          : cell,
  );

const data = {
  sources: { web: 0, bot: 0 },
  operator: { id: 0, name: "" },
  leads: {} as Record<"petr" | "formula" | "at", Lead>,
  extra: {} as Record<
    "petr" | "formula" | "at",
    { lastAppealAt: string; activities: number; viewed: string[] }
  >,
  appeals: [] as Appeal[],
  scriptId: 0,
};

beforeAll(async () => {
  const script = await call<{ id: number }>("POST", "/bot-scripts", {
    name: unique("script"),
    content: "Привет!",
  });
  data.scriptId = script.id;
  data.sources.web = (await createSource(t.app, { name: unique("Сайт, форма") })).id;
  data.sources.bot = (await createSource(t.app, { name: unique("=bot") })).id;
  await call("PATCH", `/sources/${data.sources.bot}`, { bot_script_id: script.id });
  const operator = await createOperator(t.app, { name: "Анна Смирнова", max_load: 100 });
  data.operator = { id: operator.id, name: operator.name };
  await setWeights(t.app, data.sources.web, [{ operator_id: operator.id, weight: 1 }]);

  const appeal = (body: object) => call<{ appeal_id: number; lead_id: number }>("POST", "/appeals", body);
  const petr1 = await appeal({
    lead_external_id: unique("tg-petr"),
    source_id: data.sources.web,
    lead_name: "Пётр Иванов",
    lead_phone: "8 (916) 123-45-67",
    lead_email: "petr@example.com",
    message: 'Здравствуйте, "срочно"',
  });
  await call("POST", `/appeals/${petr1.appeal_id}/messages`, { text: "Добрый день!", sender: "operator" });
  await call("PATCH", `/appeals/${petr1.appeal_id}/close`);
  await call("PATCH", `/leads/${petr1.lead_id}`, {
    first_name: "Пётр",
    last_name: "Иванов",
    middle_name: "Сергеевич",
    second_phone: "+7 903 000-00-01",
    company: 'ООО "Ромашка"',
    position: "директор",
    heard_from: "друзья",
    notes: 'звонить после 18:00, не раньше\r\nвторая строка; "важно"',
    tags: ["vip", "новый"],
  });
  await call("PUT", `/leads/${petr1.lead_id}/consent`, { text_version: "v2" });
  const petrExternal = (await call<Lead>("GET", `/leads/${petr1.lead_id}`)).external_id;
  const petr2 = await appeal({
    lead_external_id: petrExternal,
    source_id: data.sources.bot,
    message: "=cmd|' /C calc'!A0",
  });

  const formula = await appeal({
    lead_external_id: unique("tg-formula"),
    source_id: data.sources.bot,
    lead_name: "=1+2",
    lead_phone: "12345",
  });
  const at = await appeal({
    lead_external_id: unique("@at"),
    source_id: data.sources.web,
    lead_name: "@SUM(A1)",
  });
  await call("PATCH", `/leads/${at.lead_id}`, { tags: ["-минус"], blocked_at: "2026-11-30T08:00:00.000Z" });

  const material = (title: string) =>
    call<{ id: number }>("POST", "/materials", { title, category: "article", published: true });
  const price = await material("Прайс, 2026");
  const route = await material("Как добраться");
  const formulaTitle = await material("+Акция");
  const view = (leadId: number, materialId: number, day: number) =>
    call("POST", "/activities", {
      lead_id: leadId,
      type: "material_viewed",
      material_id: materialId,
      occurred_at: `2026-11-${day}T10:00:00.000Z`,
    });
  await view(petr1.lead_id, route.id, 20);
  await view(petr1.lead_id, price.id, 21);
  await view(petr1.lead_id, route.id, 22);
  await call("POST", "/activities", { lead_id: petr1.lead_id, type: "button_clicked" });
  await view(at.lead_id, formulaTitle.id, 25);

  for (const [key, id] of [
    ["petr", petr1.lead_id],
    ["formula", formula.lead_id],
    ["at", at.lead_id],
  ] as const) {
    data.leads[key] = await call<Lead>("GET", `/leads/${id}`);
  }
  data.appeals = await Promise.all(
    [petr1, petr2, formula, at].map((a) => call<Appeal>("GET", `/appeals/${a.appeal_id}`)),
  );
  const createdAt = (id: number) => data.appeals.find((a) => a.id === id)?.created_at as string;
  data.extra = {
    petr: {
      lastAppealAt: createdAt(petr2.appeal_id),
      activities: 4,
      viewed: ["Как добраться", "Прайс, 2026"],
    },
    formula: { lastAppealAt: createdAt(formula.appeal_id), activities: 0, viewed: [] },
    at: { lastAppealAt: createdAt(at.appeal_id), activities: 1, viewed: ["+Акция"] },
  };
});

const leadName = (leadId: number) =>
  Object.values(data.leads).find((lead) => lead.id === leadId)?.name ?? null;
const expectedLeads = () =>
  (["petr", "formula", "at"] as const).map((k) => leadCells(data.leads[k], data.extra[k]));
const expectedAppeals = () => data.appeals.map((a) => appealCells(a, leadName(a.lead_id)));
const body = (response: LightMyRequestResponse) => response.rawPayload;

describe("GET /exports/leads.xlsx", () => {
  it("holds every lead, oldest first, each cell typed as the API shows it", async () => {
    const response = await download(t.app, "/exports/leads.xlsx", {
      contentType: XLSX,
      filename: "leads-2026-12-01.xlsx",
    });
    const { sheet, rows } = await readXlsx(body(response), LEAD_HEADERS.length);
    expect(sheet).toBe("leads");
    expect(rows).toEqual([LEAD_HEADERS, ...expectedLeads().map(asXlsx)]);
  });

  it("keeps Cyrillic, quotes and line breaks, and formula-looking text as text", async () => {
    const response = await download(t.app, "/exports/leads.xlsx", {
      contentType: XLSX,
      filename: "leads-2026-12-01.xlsx",
    });
    const [, petr, formula, at] = (await readXlsx(body(response), LEAD_HEADERS.length)).rows;
    const cell = (row: XlsxCell[] | undefined, name: string) => row?.[LEAD_HEADERS.indexOf(name)];
    expect(cell(petr, "name")).toBe("Пётр Иванов");
    expect(cell(petr, "company")).toBe('ООО "Ромашка"');
    // XML reads a CR LF as LF (so the export writes LF); the CSV keeps it as stored.
    expect(cell(petr, "notes")).toBe('звонить после 18:00, не раньше\nвторая строка; "важно"');
    expect(cell(petr, "tags")).toBe("vip; новый");
    expect(cell(petr, "phone")).toBe("8 (916) 123-45-67");
    expect(cell(petr, "phone_e164")).toBe("'+79161234567");
    expect(cell(petr, "consent_given_at")).toEqual(new Date("2026-12-01T10:00:00.000Z"));
    expect(cell(petr, "consent_text_version")).toBe("v2");
    expect(cell(petr, "appeals_count")).toBe(2);
    expect(cell(petr, "activities_count")).toBe(4);
    expect(cell(petr, "materials_viewed")).toBe("Как добраться; Прайс, 2026");
    expect(cell(formula, "name")).toBe("'=1+2");
    expect(cell(formula, "phone")).toBe("12345");
    expect(cell(formula, "phone_e164")).toBeNull();
    expect(cell(formula, "consent_given_at")).toBeNull();
    expect(cell(at, "name")).toBe("'@SUM(A1)");
    expect(cell(at, "tags")).toBe("'-минус");
    expect(cell(at, "blocked_at")).toEqual(new Date("2026-11-30T08:00:00.000Z"));
    expect(cell(at, "materials_viewed")).toBe("'+Акция");
  });
});

describe("GET /exports/leads.csv", () => {
  it("holds the same rows as text: a BOM, RFC 4180 quoting, CRLF, ISO-8601 times", async () => {
    const response = await download(t.app, "/exports/leads.csv", {
      contentType: CSV,
      filename: "leads-2026-12-01.csv",
    });
    expect(readCsv(body(response))).toEqual([LEAD_HEADERS, ...expectedLeads().map(asCsv)]);
    const text = body(response).toString("utf8");
    expect(text).toContain(',"ООО ""Ромашка""",');
    expect(text).toContain(',"звонить после 18:00, не раньше\r\nвторая строка; ""важно""",');
    expect(text).toContain(",'=1+2,");
    expect(text).toContain(",2026-12-01T10:00:00.000Z,v2,");
  });

  it("separates fields with ; when asked (sep=; or sep=%3B), quoting what holds a ;", async () => {
    for (const sep of [";", "%3B"]) {
      const response = await download(t.app, `/exports/leads.csv?sep=${sep}`, {
        contentType: CSV,
        filename: "leads-2026-12-01.csv",
      });
      expect(readCsv(body(response), ";")).toEqual([LEAD_HEADERS, ...expectedLeads().map(asCsv)]);
      const text = body(response).toString("utf8");
      expect(text.startsWith("\uFEFFid;external_id;name;")).toBe(true);
      expect(text).toContain(';"vip; новый";');
      expect(text).toContain(';"ООО ""Ромашка""";');
      expect(text).toContain(";Пётр Иванов;");
    }
  });
});

describe("lead export filters (those of GET /leads)", () => {
  const ids = async (query: string) => {
    const response = await t.app.inject({ method: "GET", url: `/exports/leads.csv${query}` });
    expect(response.statusCode, response.body).toBe(200);
    return readCsv(body(response))
      .slice(1)
      .map((record) => Number(record[0]));
  };

  it("keeps the leads each filter keeps, as GET /leads does", async () => {
    const { petr, formula, at } = data.leads;
    expect(await ids("")).toEqual([petr.id, formula.id, at.id]);
    expect(await ids("?tag=vip")).toEqual([petr.id]);
    expect(await ids(`?tag=${encodeURIComponent("-минус")}`)).toEqual([at.id]);
    expect(await ids(`?source_id=${data.sources.bot}`)).toEqual([petr.id, formula.id]);
    expect(await ids(`?source_id=${data.sources.web}&tag=vip`)).toEqual([petr.id]);
    expect(await ids(`?search=${encodeURIComponent("+7 916 123 45 67")}`)).toEqual([petr.id]);
    expect(await ids(`?search=${encodeURIComponent("петр")}`)).toEqual([petr.id]);
    expect(await ids(`?search=${encodeURIComponent("Сидорова")}`)).toEqual([]);
    expect(await ids(`?search=${encodeURIComponent(at.external_id)}`)).toEqual([at.id]);
    expect(await ids(`?created_from=${encodeURIComponent(formula.created_at)}`)).toEqual([formula.id, at.id]);
    expect(await ids(`?created_to=${encodeURIComponent(formula.created_at)}`)).toEqual([petr.id]);
    expect(await ids("?tag=nobody")).toEqual([]);
  });

  it("answers a header-only file when nothing matches, in both formats", async () => {
    const csv = await t.app.inject({ method: "GET", url: "/exports/leads.csv?tag=nobody" });
    expect(body(csv).toString("utf8")).toBe(`\uFEFF${LEAD_HEADERS.join(",")}\r\n`);
    const xlsx = await t.app.inject({ method: "GET", url: "/exports/leads.xlsx?tag=nobody" });
    expect((await readXlsx(body(xlsx), LEAD_HEADERS.length)).rows).toEqual([LEAD_HEADERS]);
  });
});

describe("GET /exports/appeals.xlsx and .csv", () => {
  it("holds every appeal with its lead, source, operator, times and script", async () => {
    const xlsx = await download(t.app, "/exports/appeals.xlsx", {
      contentType: XLSX,
      filename: "appeals-2026-12-01.xlsx",
    });
    const { sheet, rows } = await readXlsx(body(xlsx), APPEAL_HEADERS.length);
    expect(sheet).toBe("appeals");
    expect(rows).toEqual([APPEAL_HEADERS, ...expectedAppeals().map(asXlsx)]);
    const csv = await download(t.app, "/exports/appeals.csv", {
      contentType: CSV,
      filename: "appeals-2026-12-01.csv",
    });
    expect(readCsv(body(csv))).toEqual([APPEAL_HEADERS, ...expectedAppeals().map(asCsv)]);

    const [petr1, petr2, formula] = rows.slice(1);
    const cell = (row: XlsxCell[] | undefined, name: string) => row?.[APPEAL_HEADERS.indexOf(name)];
    expect(cell(petr1, "status")).toBe("closed");
    expect(cell(petr1, "operator_name")).toBe("Анна Смирнова");
    expect(cell(petr1, "message")).toBe('Здравствуйте, "срочно"');
    expect(cell(petr1, "first_response_at")).toBeInstanceOf(Date);
    expect(cell(petr1, "closed_at")).toBeInstanceOf(Date);
    expect(cell(petr1, "bot_script_id")).toBeNull();
    expect(cell(petr2, "status")).toBe("pending");
    expect(cell(petr2, "operator_id")).toBeNull();
    expect(cell(petr2, "message")).toBe("'=cmd|' /C calc'!A0");
    expect(cell(petr2, "source_name")).toMatch(/^'=bot-/);
    expect(cell(petr2, "bot_script_id")).toBe(data.scriptId);
    expect(cell(petr2, "bot_script_version")).toBe(1);
    expect(cell(formula, "lead_name")).toBe("'=1+2");
  });

  it("keeps the appeals of the period, source and operator asked", async () => {
    const ids = async (query: string) => {
      const response = await t.app.inject({ method: "GET", url: `/exports/appeals.csv${query}` });
      expect(response.statusCode, response.body).toBe(200);
      return readCsv(body(response))
        .slice(1)
        .map((record) => Number(record[0]));
    };
    const [petr1, petr2, formula, at] = data.appeals as [Appeal, Appeal, Appeal, Appeal];
    expect(await ids("")).toEqual([petr1.id, petr2.id, formula.id, at.id]);
    expect(await ids(`?source_id=${data.sources.bot}`)).toEqual([petr2.id, formula.id]);
    expect(await ids(`?operator_id=${data.operator.id}`)).toEqual([petr1.id, at.id]);
    expect(await ids(`?operator_id=${data.operator.id}&source_id=${data.sources.bot}`)).toEqual([]);
    const from = encodeURIComponent(petr2.created_at);
    const to = encodeURIComponent(at.created_at);
    expect(await ids(`?from=${from}&to=${to}`)).toEqual([petr2.id, formula.id]);
    expect(await ids(`?from=${to}&to=${to}`)).toEqual([]);
  });
});

describe("bad queries", () => {
  it.each([
    ["/exports/leads.xlsx?sep=;", "sep"],
    ["/exports/leads.csv?sep=tab", "sep"],
    ["/exports/leads.csv?limit=10", "limit"],
    ["/exports/leads.csv?segment_id=0", "segment_id"],
    ["/exports/leads.xlsx?source_id=abc", "source_id"],
    ["/exports/leads.csv?created_from=yesterday", "created_from"],
    ["/exports/leads.csv?created_from=2026-12-02T00:00:00Z&created_to=2026-12-01T00:00:00Z", "created_to"],
    ["/exports/leads.xlsx?search=", "search"],
    ["/exports/appeals.csv?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", "from", "to"],
    ["/exports/appeals.xlsx?operator_id=0", "operator_id"],
    ["/exports/appeals.xlsx?status=active", "status"],
    ["/exports/appeals.csv?sep=%7C", "sep"],
  ])("%s is a 400 naming the field, and no file", async (url, ...paths) => {
    const response = await t.app.inject({ method: "GET", url });
    expectValidationError(response, ...paths);
    expect(response.headers["content-disposition"]).toBeUndefined();
  });
});
