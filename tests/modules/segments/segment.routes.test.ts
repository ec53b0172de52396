// Segments on the test database, in open mode (an admin's rights): every filter key on known
// leads with exact membership (the page, the count, GET /leads?segment_id= and the export agree),
// fixed lists, changes and their events, and bad input that writes nothing.
import { beforeAll, describe, expect, it } from "vitest";
import { createAppeal, createOperator, createSource, setWeights, unique } from "../../helpers/factories.js";
import { useTestApp } from "../../helpers/test-app.js";
import { expectProblem, expectValidationError } from "../../http/problem-assertions.js";

type Segment = {
  id: number;
  name: string;
  description: string | null;
  kind: "filter" | "list";
  filter: Record<string, unknown> | null;
  lead_count?: number;
  created_at: string;
  updated_at: string;
  archived_at: string | null;
};
type LeadPage = { items: { id: number; external_id: string }[]; next_cursor: string | null };

describe("segments", () => {
  const t = useTestApp();

  /** The fixture's leads by name: what each has is written beside it in beforeAll. */
  const lead: Record<string, number> = {};
  const source: Record<string, number> = {};
  let viewedMaterial = 0;
  let otherMaterial = 0;

  const inject = (method: "GET" | "POST" | "PATCH" | "DELETE" | "PUT", url: string, payload?: object) =>
    t.app.inject({ method, url, ...(payload !== undefined && { payload }) });
  const ok = async <T>(
    method: "GET" | "POST" | "PATCH" | "PUT",
    url: string,
    payload?: object,
    status = 200,
  ) => {
    const response = await inject(method, url, payload);
    expect(response.statusCode, response.body).toBe(status);
    return response.json() as T;
  };
  const sql = (text: string, ...values: unknown[]) => t.database.prisma.$executeRawUnsafe(text, ...values);

  const createSegment = (filter: object, name = unique("segment")) =>
    ok<Segment>("POST", "/segments", { name, filter }, 201);

  /** The fixture's names of a segment's leads, read every way a segment is read; they must agree. */
  async function members(filter: object): Promise<string[]> {
    const segment = await createSegment(filter);
    const page = await ok<LeadPage>("GET", `/segments/${segment.id}/leads?limit=500`);
    const listed = await ok<LeadPage>("GET", `/leads?segment_id=${segment.id}&limit=500`);
    expect(listed).toEqual(page);
    const counted = await ok<Segment>("GET", `/segments/${segment.id}`);
    expect(counted.lead_count).toBe(page.items.length);
    const csv = await inject("GET", `/exports/leads.csv?segment_id=${segment.id}`);
    expect(csv.statusCode, csv.body).toBe(200);
    const exportedIds = csv.body
      .split("\r\n")
      .slice(1)
      .filter((line) => line !== "")
      .map((line) => Number(line.split(",")[0]));
    // The export reads oldest first, the page newest first.
    expect(exportedIds).toEqual(page.items.map((item) => item.id).reverse());
    const names = Object.fromEntries(Object.entries(lead).map(([name, id]) => [id, name]));
    return page.items.map((item) => names[item.id] ?? `unknown ${item.id}`).sort();
  }

  beforeAll(async () => {
    const operator = await createOperator(t.app, { max_load: 100 });
    for (const name of ["web", "telegram", "closedDoor"]) source[name] = (await createSource(t.app)).id;
    await setWeights(t.app, source.web as number, [{ operator_id: operator.id, weight: 1 }]);
    await setWeights(t.app, source.telegram as number, [{ operator_id: operator.id, weight: 1 }]);
    // closedDoor has no weights: its appeals wait, pending.
    const appeal = async (name: string, from: string) => {
      const created = await createAppeal(t.app, {
        source_id: source[from] as number,
        lead_external_id: `seg-${name}-${process.pid}`,
      });
      lead[name] = created.lead_id;
      return created.appeal_id;
    };
    // anna: web (active), vip + newsletter, consent, viewed the material on 2026-11-10.
    await appeal("anna", "web");
    // boris: telegram, closed; vip; blocked the bot.
    const borisAppeal = await appeal("boris", "telegram");
    await ok("PATCH", `/appeals/${borisAppeal}/close`, {});
    // clara: closedDoor (pending); newsletter; consent.
    await appeal("clara", "closedDoor");
    // dmitry: web and telegram; no tags; viewed the other material; clicked a button.
    await appeal("dmitry", "web");
    await appeal("dmitry", "telegram");
    // elena: web; vip + newsletter + partner.
    await appeal("elena", "web");
    // fedor: web; vip and consent, then erased: in no segment, whatever the filter.
    await appeal("fedor", "web");

    await ok("PATCH", `/leads/${lead.anna}`, { tags: ["vip", "newsletter"] });
    await ok("PATCH", `/leads/${lead.boris}`, { tags: ["vip"], blocked_at: "2026-11-20T09:00:00.000Z" });
    await ok("PATCH", `/leads/${lead.clara}`, { tags: ["newsletter"] });
    await ok("PATCH", `/leads/${lead.elena}`, { tags: ["vip", "newsletter", "partner"] });
    await ok("PATCH", `/leads/${lead.fedor}`, { tags: ["vip"] });
    for (const name of ["anna", "clara", "fedor"]) {
      await ok("PUT", `/leads/${lead[name]}/consent`, { text_version: "v1" });
    }

    viewedMaterial = (
      await ok<{ id: number }>("POST", "/materials", { title: "Prices", category: "article" }, 201)
    ).id;
    otherMaterial = (
      await ok<{ id: number }>("POST", "/materials", { title: "Menu", category: "article" }, 201)
    ).id;
    const activity = (name: string, type: string, occurred_at: string, material_id?: number) =>
      ok("POST", "/activities", { lead_id: lead[name], type, occurred_at, material_id }, 201);
    await activity("anna", "material_viewed", "2026-11-10T12:00:00.000Z", viewedMaterial);
    await activity("dmitry", "material_viewed", "2026-10-01T12:00:00.000Z", otherMaterial);
    await activity("dmitry", "button_clicked", "2026-11-15T12:00:00.000Z");
    await activity("fedor", "material_viewed", "2026-11-10T12:00:00.000Z", viewedMaterial);

    // Times the filters compare: when each lead came and when its latest appeal did.
    const times: Record<string, [string, string]> = {
      anna: ["2026-01-10T10:00:00Z", "2026-11-25T10:00:00Z"],
      boris: ["2026-03-01T10:00:00Z", "2026-03-01T10:00:00Z"],
      clara: ["2026-06-15T10:00:00Z", "2026-06-15T10:00:00Z"],
      dmitry: ["2026-02-01T10:00:00Z", "2026-10-20T10:00:00Z"],
      elena: ["2026-11-01T10:00:00Z", "2026-11-01T10:00:00Z"],
      fedor: ["2026-05-01T10:00:00Z", "2026-05-01T10:00:00Z"],
    };
    for (const [name, [created, lastAppeal]] of Object.entries(times)) {
      await sql("UPDATE leads SET created_at = $1::timestamptz WHERE id = $2", created, lead[name]);
      await sql("UPDATE appeals SET created_at = $1::timestamptz WHERE lead_id = $2", created, lead[name]);
      await sql(
        "UPDATE appeals SET created_at = $1::timestamptz WHERE id = (SELECT max(id) FROM appeals WHERE lead_id = $2)",
        lastAppeal,
        lead[name],
      );
    }
    const erased = await inject("DELETE", `/leads/${lead.fedor}`);
    expect(erased.statusCode, erased.body).toBe(200);
  });

  it("keeps exactly the leads each filter key names", async () => {
    const everyone = ["anna", "boris", "clara", "dmitry", "elena"];
    // Other test files' leads live in other databases: the fixture's leads are all there are.
    expect(await members({})).toEqual(everyone);
    expect(await members({ source_ids: [source.telegram] })).toEqual(["boris", "dmitry"]);
    expect(await members({ source_ids: [source.telegram, source.closedDoor] })).toEqual([
      "boris",
      "clara",
      "dmitry",
    ]);
    expect(await members({ tags_any: ["vip"] })).toEqual(["anna", "boris", "elena"]);
    expect(await members({ tags_any: ["partner", "newsletter"] })).toEqual(["anna", "clara", "elena"]);
    expect(await members({ tags_all: ["vip", "newsletter"] })).toEqual(["anna", "elena"]);
    expect(await members({ tags_all: ["vip", "partner"] })).toEqual(["elena"]);
    expect(await members({ appeal_status: "pending" })).toEqual(["clara"]);
    expect(await members({ appeal_status: "closed" })).toEqual(["boris"]);
    expect(await members({ appeal_status: "active" })).toEqual(["anna", "dmitry", "elena"]);
    expect(await members({ created_from: "2026-03-01T10:00:00.000Z" })).toEqual(["boris", "clara", "elena"]);
    expect(await members({ created_to: "2026-03-01T10:00:00.000Z" })).toEqual(["anna", "dmitry"]);
    expect(
      await members({ created_from: "2026-02-01T10:00:00.000Z", created_to: "2026-06-15T10:00:00.000Z" }),
    ).toEqual(["boris", "dmitry"]);
    expect(await members({ last_appeal_from: "2026-10-20T10:00:00.000Z" })).toEqual([
      "anna",
      "dmitry",
      "elena",
    ]);
    // dmitry's first appeal (2026-02-01) is before the bound, his latest is not: the latest counts.
    expect(await members({ last_appeal_to: "2026-10-01T00:00:00.000Z" })).toEqual(["boris", "clara"]);
    expect(await members({ consent: true })).toEqual(["anna", "clara"]);
    expect(await members({ consent: false })).toEqual(["boris", "dmitry", "elena"]);
    expect(await members({ blocked: true })).toEqual(["boris"]);
    expect(await members({ blocked: false })).toEqual(["anna", "clara", "dmitry", "elena"]);
    expect(await members({ activity: { type: "material_viewed", present: true } })).toEqual([
      "anna",
      "dmitry",
    ]);
    expect(
      await members({ activity: { type: "material_viewed", material_id: viewedMaterial, present: true } }),
    ).toEqual(["anna"]);
    expect(
      await members({
        activity: { type: "material_viewed", since: "2026-11-01T00:00:00.000Z", present: true },
      }),
    ).toEqual(["anna"]);
    expect(await members({ activity: { type: "material_viewed", present: false } })).toEqual([
      "boris",
      "clara",
      "elena",
    ]);
    expect(await members({ activity: { type: "button_clicked", present: true } })).toEqual(["dmitry"]);
    // Every given condition must hold.
    expect(await members({ tags_any: ["vip"], consent: true })).toEqual(["anna"]);
    expect(await members({ tags_any: ["newsletter"], source_ids: [source.web], blocked: false })).toEqual([
      "anna",
      "elena",
    ]);
  });

  it("is computed when read: a lead that changes joins or leaves at once", async () => {
    const segment = await createSegment({ tags_all: ["partner"] });
    const ids = async () =>
      (await ok<LeadPage>("GET", `/segments/${segment.id}/leads`)).items.map((item) => item.id);
    expect(await ids()).toEqual([lead.elena]);
    await ok("PATCH", `/leads/${lead.clara}`, { tags: ["newsletter", "partner"] });
    expect(await ids()).toEqual([lead.elena, lead.clara].sort((a, b) => (b as number) - (a as number)));
    await ok("PATCH", `/leads/${lead.clara}`, { tags: ["newsletter"] });
    expect(await ids()).toEqual([lead.elena]);
  });

  it("holds a fixed list: its leads once each, erased ones left out, pages newest first", async () => {
    const list = [lead.dmitry, lead.anna, lead.fedor, lead.anna, lead.clara] as number[];
    const segment = await createSegment({ lead_ids: list });
    expect(segment).toMatchObject({ kind: "list", filter: null });
    const first = await ok<LeadPage>("GET", `/segments/${segment.id}/leads?limit=2`);
    expect(first.items.map((item) => item.id)).toEqual([lead.dmitry, lead.clara]);
    expect(first.next_cursor).toBe(String(lead.clara));
    const second = await ok<LeadPage>(
      "GET",
      `/segments/${segment.id}/leads?limit=2&cursor=${first.next_cursor}`,
    );
    expect(second).toEqual({ items: [expect.objectContaining({ id: lead.anna })], next_cursor: null });
    expect((await ok<Segment>("GET", `/segments/${segment.id}`)).lead_count).toBe(3);
    const stored = await t.database.prisma.segmentLead.count({ where: { segmentId: segment.id } });
    expect(stored).toBe(4);

    // A list can become a filter and back; the old list goes.
    const changed = await ok<Segment>("PATCH", `/segments/${segment.id}`, { filter: { blocked: true } });
    expect(changed).toMatchObject({ kind: "filter", filter: { blocked: true } });
    expect(await t.database.prisma.segmentLead.count({ where: { segmentId: segment.id } })).toBe(0);
    expect((await ok<Segment>("GET", `/segments/${segment.id}`)).lead_count).toBe(1);
    await ok("PATCH", `/segments/${segment.id}`, { filter: { lead_ids: [lead.boris] } });
    expect((await ok<LeadPage>("GET", `/segments/${segment.id}/leads`)).items.map((item) => item.id)).toEqual(
      [lead.boris],
    );
  });

  it("records every change as an event with the segment as answered; archiving is final", async () => {
    const created = await createSegment({ consent: true }, unique("evented"));
    const renamed = await ok<Segment>("PATCH", `/segments/${created.id}`, { name: `${created.name}-2` });
    expect(renamed.name).toBe(`${created.name}-2`);
    const archive = await inject("DELETE", `/segments/${created.id}`);
    expect(archive.statusCode).toBe(204);
    const archived = await ok<Segment>("GET", `/segments/${created.id}`);
    expect(archived).toEqual({
      ...renamed,
      updated_at: archived.archived_at,
      archived_at: expect.stringMatching(/^2\d{3}-/),
      lead_count: 2,
    });
    // Still readable with its leads; no change; a second archive changes nothing; its name is free again.
    expect((await ok<LeadPage>("GET", `/segments/${created.id}/leads`)).items.map((item) => item.id)).toEqual(
      [lead.clara, lead.anna],
    );
    expectProblem(
      await inject("PATCH", `/segments/${created.id}`, { name: "again" }),
      409,
      "segment_archived",
    );
    expect((await inject("DELETE", `/segments/${created.id}`)).statusCode).toBe(204);
    await createSegment({ consent: false }, renamed.name);
    const events = await t.database.prisma.event.findMany({
      where: { entityType: "segment", entityId: created.id },
      orderBy: { id: "asc" },
    });
    const { lead_count: _, ...shown } = archived;
    expect(events.map((event) => [event.type, event.data])).toEqual([
      ["segment.created", created],
      ["segment.updated", renamed],
      ["segment.archived", shown],
    ]);
    expect(events[1]?.details).toEqual({ before: { name: created.name }, after: { name: renamed.name } });
    expectProblem(await inject("GET", "/segments/999999"), 404, "not_found");
    expectProblem(await inject("GET", "/segments/999999/leads"), 404, "not_found");
    expectProblem(await inject("DELETE", "/segments/999999"), 404, "not_found");
  });

  it("lists segments newest first without counting them, archived ones on request", async () => {
    const a = await createSegment({ blocked: true });
    const b = await createSegment({ blocked: false });
    const page = await ok<{ items: Segment[]; next_cursor: string | null }>("GET", "/segments?limit=2");
    expect(page.items).toEqual([b, a]);
    expect(page.next_cursor).toBe(String(a.id));
    expect((await inject("DELETE", `/segments/${b.id}`)).statusCode).toBe(204);
    const [first] = (await ok<{ items: Segment[] }>("GET", "/segments?limit=1")).items;
    expect(first).toEqual(a);
    const [withArchived] = (await ok<{ items: Segment[] }>("GET", "/segments?limit=1&include_archived=true"))
      .items;
    expect(withArchived).toMatchObject({ id: b.id, archived_at: expect.any(String) });
  });

  it("lists segments newest first without counting them", async () => {
    const a = await createSegment({ blocked: true });
    const b = await createSegment({ blocked: false });
    const page = await ok<{ items: Segment[]; next_cursor: string | null }>("GET", "/segments?limit=2");
    expect(page.items).toEqual([b, a]);
    expect(page.next_cursor).toBe(String(a.id));
  });

  describe("refuses bad input, writing nothing", () => {
    const rows = async () =>
      (
        await t.database.prisma.$queryRaw<{ segments: number; members: number; events: number }[]>`
          SELECT (SELECT count(*)::int FROM segments) AS segments,
                 (SELECT count(*)::int FROM segment_leads) AS members,
                 (SELECT count(*)::int FROM events) AS events`
      )[0];

    it.each([
      [{ filter: { tagz: ["vip"] } }, ["filter.tagz"]],
      [{ filter: { tags_any: [] } }, ["filter.tags_any"]],
      [{ filter: { tags_any: ["vip"], consent: "yes" } }, ["filter.consent"]],
      [{ filter: { appeal_status: "open" } }, ["filter.appeal_status"]],
      [{ filter: { source_ids: [0] } }, ["filter.source_ids.0"]],
      [
        { filter: { created_from: "2026-05-01T00:00:00Z", created_to: "2026-04-01T00:00:00Z" } },
        ["filter.created_to"],
      ],
      [
        { filter: { last_appeal_from: "2026-05-01T00:00:00Z", last_appeal_to: "2026-04-01T00:00:00Z" } },
        ["filter.last_appeal_to"],
      ],
      [{ filter: { created_from: "2026-05-01" } }, ["filter.created_from"]],
      [{ filter: { activity: { type: "material_viewed" } } }, ["filter.activity.present"]],
      [{ filter: { activity: { type: "x", present: true, extra: 1 } } }, ["filter.activity.extra"]],
      [{ filter: { lead_ids: [] } }, ["filter.lead_ids"]],
      [{ filter: { lead_ids: Array.from({ length: 10_001 }, (_, i) => i + 1) } }, ["filter.lead_ids"]],
      [{ filter: { lead_ids: [1], consent: true } }, ["filter.consent"]],
      [{}, ["filter"]],
      [{ filter: null }, ["filter"]],
    ])("POST %j", async (body, paths) => {
      const before = await rows();
      expectValidationError(await inject("POST", "/segments", { name: unique("bad"), ...body }), ...paths);
      expect(await rows()).toEqual(before);
    });

    it("names the unknown leads of a list (a 404: the body names leads that do not exist)", async () => {
      const before = await rows();
      const body = expectProblem(
        await inject("POST", "/segments", {
          name: unique("bad"),
          filter: { lead_ids: [lead.anna, 999_999, 999_998] },
        }),
        404,
        "not_found",
      );
      expect(body.detail).toBe("Unknown leads in lead_ids: 999998, 999999.");
      expect(body.errors).toEqual([{ path: "filter.lead_ids", message: "no lead has id 999998, 999999" }]);
      expect(await rows()).toEqual(before);
      // A PATCH with an unknown lead keeps the list it would have replaced.
      const list = await createSegment({ lead_ids: [lead.anna as number] });
      const withList = await rows();
      expectProblem(
        await inject("PATCH", `/segments/${list.id}`, { filter: { lead_ids: [lead.boris, 999_997] } }),
        404,
        "not_found",
      );
      expect(await rows()).toEqual(withList);
      expect((await ok<LeadPage>("GET", `/segments/${list.id}/leads`)).items.map((item) => item.id)).toEqual([
        lead.anna,
      ]);
    });

    it("refuses a taken name in any case, on create and on rename", async () => {
      const taken = await createSegment({ consent: true }, unique("Taken"));
      const other = await createSegment({ consent: false });
      const before = await rows();
      const body = expectProblem(
        await inject("POST", "/segments", { name: taken.name.toUpperCase(), filter: {} }),
        409,
        "conflict",
      );
      expect(body.errors).toEqual([{ path: "name", message: "already taken" }]);
      expectProblem(
        await inject("PATCH", `/segments/${other.id}`, { name: taken.name.toLowerCase() }),
        409,
        "conflict",
      );
      expect(await rows()).toEqual(before);
    });

    it("refuses an empty change, an unknown segment and an unknown segment_id filter", async () => {
      const segment = await createSegment({ consent: true });
      const before = await rows();
      expectValidationError(await inject("PATCH", `/segments/${segment.id}`, {}), "(root)");
      expectProblem(await inject("PATCH", "/segments/999999", { name: "x" }), 404, "not_found");
      const leads = expectProblem(await inject("GET", "/leads?segment_id=999999"), 404, "not_found");
      expect(leads.errors).toEqual([{ path: "segment_id", message: "not found" }]);
      const exported = expectProblem(
        await inject("GET", "/exports/leads.csv?segment_id=999999"),
        404,
        "not_found",
      );
      expect(exported.errors).toEqual([{ path: "segment_id", message: "not found" }]);
      expectValidationError(await inject("GET", "/leads?segment_id=abc"), "segment_id");
      expect(await rows()).toEqual(before);
    });
  });
});
