// POST /activities, a lead's timeline and a material's stats in open mode (an admin's rights):
// every field stored and answered, unknown and archived references, idempotency by external_id,
// pages newest first, exact stats, bad input writing nothing.
import { describe, expect, it } from "vitest";
import { createAppeal, createSource, unique } from "../../helpers/factories.js";
import { useTestApp } from "../../helpers/test-app.js";
import { expectProblem, expectValidationError } from "../../http/problem-assertions.js";

type Activity = {
  id: number;
  lead_id: number;
  type: string;
  material_id: number | null;
  data: Record<string, unknown>;
  occurred_at: string;
  external_id: string | null;
  created_at: string;
};
type Page = { items: Activity[]; next_cursor: string | null };

/** The tests' clock: the default occurred_at and every created_at. */
const clock = { at: new Date("2026-12-03T10:00:00.000Z") };

describe("activities", () => {
  const t = useTestApp({ clock: { now: () => clock.at } });

  const post = (payload: unknown) =>
    t.app.inject({ method: "POST", url: "/activities", payload: payload as object });
  const record = async (payload: object): Promise<Activity> => {
    const response = await post(payload);
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as Activity;
  };
  const timeline = async (leadId: number, query = ""): Promise<Page> => {
    const response = await t.app.inject({ method: "GET", url: `/leads/${leadId}/activities${query}` });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as Page;
  };
  const stats = async (materialId: number) => {
    const response = await t.app.inject({ method: "GET", url: `/materials/${materialId}/stats` });
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  };
  const material = async (body: object = {}): Promise<number> => {
    const response = await t.app.inject({
      method: "POST",
      url: "/materials",
      payload: { title: unique("material"), category: "article", published: true, ...body },
    });
    expect(response.statusCode, response.body).toBe(201);
    return (response.json() as { id: number }).id;
  };
  const archive = async (id: number) =>
    expect((await t.app.inject({ method: "DELETE", url: `/materials/${id}` })).statusCode).toBe(204);
  /** A lead, made the only way leads are made: by an appeal. */
  const lead = async (): Promise<{ id: number; externalId: string }> => {
    const source = await createSource(t.app);
    const externalId = unique("lead");
    const appeal = await createAppeal(t.app, { source_id: source.id, lead_external_id: externalId });
    return { id: appeal.lead_id, externalId };
  };
  /** What a refused request must leave as it was: the activities, the leads, the events. */
  const snapshot = async () =>
    (
      await t.database.prisma.$queryRaw<{ activities: string; leads: number; events: number }[]>`
        SELECT (SELECT coalesce(string_agg(a::text, '|' ORDER BY a.id), '') FROM activities a) AS activities,
               (SELECT count(*)::int FROM leads) AS leads, (SELECT count(*)::int FROM events) AS events`
    )[0];

  describe("POST /activities", () => {
    it("stores every field as sent and answers it as the timeline shows it; records no event", async () => {
      const { id: leadId } = await lead();
      const materialId = await material();
      clock.at = new Date("2026-12-03T10:00:00.000Z");
      const events = (await snapshot())?.events;
      const activity = await record({
        lead_id: leadId,
        type: "material_viewed",
        material_id: materialId,
        data: { source: "menu", position: 2, tags: ["summer"], nested: { ok: true, none: null } },
        occurred_at: "2026-12-03T12:30:00.5+03:00",
        external_id: "tg_update_1001",
      });
      expect(activity).toEqual({
        id: expect.any(Number),
        lead_id: leadId,
        type: "material_viewed",
        material_id: materialId,
        data: { source: "menu", position: 2, tags: ["summer"], nested: { ok: true, none: null } },
        occurred_at: "2026-12-03T09:30:00.500Z",
        external_id: "tg_update_1001",
        created_at: "2026-12-03T10:00:00.000Z",
      });
      expect(await timeline(leadId)).toEqual({ items: [activity], next_cursor: null });
      expect((await snapshot())?.events).toBe(events);
    });

    it("names the lead by external id; occurred_at defaults to the service's clock; data to {}", async () => {
      const { id: leadId, externalId } = await lead();
      clock.at = new Date("2026-12-03T11:00:00.000Z");
      const activity = await record({ lead_external_id: externalId, type: "  profile_completed " });
      expect(activity).toMatchObject({
        lead_id: leadId,
        type: "profile_completed",
        material_id: null,
        data: {},
        occurred_at: "2026-12-03T11:00:00.000Z",
        external_id: null,
        created_at: "2026-12-03T11:00:00.000Z",
      });
    });

    it("an unknown lead is a 404 naming the field, and creates no lead; an unknown material a 404 on material_id", async () => {
      const { id: leadId } = await lead();
      const before = await snapshot();
      const cases = [
        [{ lead_id: 424242, type: "button_clicked" }, "lead_id", "Lead 424242 does not exist."],
        [
          { lead_external_id: "tg_nobody", type: "button_clicked" },
          "lead_external_id",
          'No lead has external_id "tg_nobody".',
        ],
        [
          { lead_id: leadId, type: "material_viewed", material_id: 424242 },
          "material_id",
          "Material 424242 does not exist.",
        ],
      ] as const;
      for (const [payload, path, detail] of cases) {
        const body = expectProblem(await post(payload), 404, "not_found");
        expect(body.errors).toEqual([{ path, message: "not found" }]);
        expect(body.detail).toBe(detail);
      }
      expect(await snapshot()).toEqual(before);
    });

    it("an archived material takes no new activity: a 409 material_archived on material_id, nothing written", async () => {
      const { id: leadId } = await lead();
      const materialId = await material();
      await record({
        lead_id: leadId,
        type: "material_viewed",
        material_id: materialId,
        external_id: "before",
      });
      await archive(materialId);
      const before = await snapshot();
      for (const type of ["material_viewed", "button_clicked"]) {
        const body = expectProblem(
          await post({ lead_id: leadId, type, material_id: materialId }),
          409,
          "material_archived",
        );
        expect(body.errors).toEqual([{ path: "material_id", message: "is archived" }]);
      }
      expect(await snapshot()).toEqual(before);
    });
  });

  describe("idempotency by external_id", () => {
    it("a repeat answers the first with 200 whatever else it says, also once the material is archived; writes nothing", async () => {
      const { id: leadId, externalId } = await lead();
      const materialId = await material();
      const first = await record({
        lead_id: leadId,
        type: "material_viewed",
        material_id: materialId,
        data: { n: 1 },
        external_id: "tg-7",
      });
      const before = await snapshot();
      const again = await post({
        lead_external_id: externalId,
        type: "button_clicked",
        data: { n: 2 },
        external_id: "tg-7",
      });
      expect(again.statusCode, again.body).toBe(200);
      expect(again.json()).toEqual(first);
      await archive(materialId);
      const afterArchive = await snapshot();
      const late = await post({
        lead_id: leadId,
        type: "material_viewed",
        material_id: materialId,
        external_id: "tg-7",
      });
      expect(late.statusCode, late.body).toBe(200);
      expect(late.json()).toEqual(first);
      expect(await snapshot()).toEqual(afterArchive);
      expect(afterArchive?.activities).toBe(before?.activities);

      // The same external id for another lead is another activity.
      const other = await lead();
      const elsewhere = await record({ lead_id: other.id, type: "button_clicked", external_id: "tg-7" });
      expect(elsewhere.id).not.toBe(first.id);
    });

    it("stores one activity for 20 concurrent retries: one 201, nineteen 200, one id", async () => {
      const { id: leadId } = await lead();
      const materialId = await material();
      const payload = {
        lead_id: leadId,
        type: "material_viewed",
        material_id: materialId,
        external_id: "tg-retry",
      };
      const answers = await Promise.all(Array.from({ length: 20 }, () => post(payload)));
      expect(answers.map((a) => a.statusCode).sort()).toEqual([...Array(19).fill(200), 201]);
      const ids = new Set(answers.map((a) => (a.json() as Activity).id));
      expect(ids.size).toBe(1);
      expect((await timeline(leadId)).items.map((a) => a.id)).toEqual([...ids]);
      expect(await stats(materialId)).toMatchObject({ views: 1, unique_leads: 1 });
    });
  });

  describe("GET /leads/{id}/activities", () => {
    it("pages newest first by occurred_at (then id), whatever order they were recorded in, and filters", async () => {
      const { id: leadId } = await lead();
      const a = await material();
      const b = await material();
      const at = (minute: number) => `2026-12-02T10:${String(minute).padStart(2, "0")}:00.000Z`;
      // Recorded out of order; two at the same moment.
      const made = [
        await record({ lead_id: leadId, type: "material_viewed", material_id: a, occurred_at: at(30) }),
        await record({ lead_id: leadId, type: "button_clicked", occurred_at: at(10) }),
        await record({ lead_id: leadId, type: "material_viewed", material_id: b, occurred_at: at(20) }),
        await record({ lead_id: leadId, type: "button_clicked", material_id: a, occurred_at: at(20) }),
        await record({ lead_id: leadId, type: "material_viewed", material_id: a, occurred_at: at(40) }),
      ];
      const [m30, b10, m20b, b20a, m40] = made as [Activity, Activity, Activity, Activity, Activity];
      const expected = [m40, m30, b20a, m20b, b10].map((x) => x.id);
      // Unrelated activities of another lead stay out.
      const other = await lead();
      await record({ lead_id: other.id, type: "material_viewed", material_id: a });

      const first = await timeline(leadId, "?limit=2");
      expect(first.items.map((x) => x.id)).toEqual(expected.slice(0, 2));
      expect(first.next_cursor).toBe(`${Date.parse(at(30))}.${m30.id}`);
      const second = await timeline(leadId, `?limit=2&cursor=${first.next_cursor}`);
      expect(second.items.map((x) => x.id)).toEqual(expected.slice(2, 4));
      const last = await timeline(leadId, `?limit=2&cursor=${second.next_cursor}`);
      expect(last).toEqual({ items: [b10], next_cursor: null });

      expect((await timeline(leadId, "?type=material_viewed")).items.map((x) => x.id)).toEqual(
        [m40, m30, m20b].map((x) => x.id),
      );
      expect((await timeline(leadId, `?material_id=${a}`)).items.map((x) => x.id)).toEqual(
        [m40, m30, b20a].map((x) => x.id),
      );
      expect((await timeline(leadId, `?type=button_clicked&material_id=${a}`)).items).toEqual([b20a]);
      expect(await timeline(leadId, "?type=nothing_like_it")).toEqual({ items: [], next_cursor: null });
    });

    it("an unknown lead is a 404; a lead without activities an empty page; a bad cursor a 400", async () => {
      expect(
        expectProblem(
          await t.app.inject({ method: "GET", url: "/leads/424242/activities" }),
          404,
          "not_found",
        ).detail,
      ).toBe("Lead 424242 does not exist.");
      const { id: leadId } = await lead();
      expect(await timeline(leadId)).toEqual({ items: [], next_cursor: null });
      for (const cursor of ["12", "abc", "1.0", "1.2.3", "1.2147483648"]) {
        expectValidationError(
          await t.app.inject({ method: "GET", url: `/leads/${leadId}/activities?cursor=${cursor}` }),
          "cursor",
        );
      }
    });
  });

  describe("GET /materials/{id}/stats", () => {
    it("counts views and the leads behind them exactly; other types and materials do not count", async () => {
      const materialId = await material();
      const otherMaterial = await material();
      expect(await stats(materialId)).toEqual({
        material_id: materialId,
        views: 0,
        unique_leads: 0,
        last_viewed_at: null,
      });
      const [ann, bob, cid] = [await lead(), await lead(), await lead()];
      const view = (leadId: number, occurred_at: string, m = materialId) =>
        record({ lead_id: leadId, type: "material_viewed", material_id: m, occurred_at });
      await view(ann.id, "2026-12-01T09:00:00.000Z");
      await view(ann.id, "2026-12-01T10:00:00.000Z");
      await view(ann.id, "2026-12-01T08:00:00.000Z");
      await view(bob.id, "2026-12-02T07:15:00.250Z");
      // Recorded last, happened earlier: last_viewed_at is the latest occurred_at.
      await view(bob.id, "2026-11-30T00:00:00.000Z");
      await record({ lead_id: cid.id, type: "button_clicked", material_id: materialId });
      await view(cid.id, "2026-12-03T00:00:00.000Z", otherMaterial);

      expect(await stats(materialId)).toEqual({
        material_id: materialId,
        views: 5,
        unique_leads: 2,
        last_viewed_at: "2026-12-02T07:15:00.250Z",
      });
      expect(await stats(otherMaterial)).toEqual({
        material_id: otherMaterial,
        views: 1,
        unique_leads: 1,
        last_viewed_at: "2026-12-03T00:00:00.000Z",
      });
    });

    it("an archived material keeps its stats, which no refused activity changes; an unknown one is a 404", async () => {
      const materialId = await material();
      const { id: leadId } = await lead();
      await record({
        lead_id: leadId,
        type: "material_viewed",
        material_id: materialId,
        occurred_at: "2026-12-01T09:00:00.000Z",
      });
      await archive(materialId);
      expectProblem(
        await post({ lead_id: leadId, type: "material_viewed", material_id: materialId }),
        409,
        "material_archived",
      );
      expect(await stats(materialId)).toEqual({
        material_id: materialId,
        views: 1,
        unique_leads: 1,
        last_viewed_at: "2026-12-01T09:00:00.000Z",
      });
      expect(
        expectProblem(await t.app.inject({ method: "GET", url: "/materials/424242/stats" }), 404, "not_found")
          .detail,
      ).toBe("Material 424242 does not exist.");
    });
  });

  describe("bad input: a 400 naming the field, nothing written", () => {
    const deep = (levels: number): Record<string, unknown> => {
      let value: Record<string, unknown> = {};
      for (let i = 1; i < levels; i++) value = { d: value };
      return value;
    };
    const cases: [string, Record<string, unknown>, string[]][] = [
      ["no lead", { type: "button_clicked" }, ["lead_id"]],
      [
        "both lead_id and lead_external_id",
        { lead_id: 1, lead_external_id: "x", type: "a" },
        ["lead_external_id"],
      ],
      ["no type", { lead_id: 1 }, ["type"]],
      ["a blank type", { lead_id: 1, type: "  " }, ["type"]],
      ["a 101-character type", { lead_id: 1, type: "t".repeat(101) }, ["type"]],
      ["material_viewed without material_id", { lead_id: 1, type: "material_viewed" }, ["material_id"]],
      ["data as an array", { lead_id: 1, type: "a", data: [1] }, ["data"]],
      ["data null", { lead_id: 1, type: "a", data: null }, ["data"]],
      ["data over 16 KiB", { lead_id: 1, type: "a", data: { text: "x".repeat(16 * 1024) } }, ["data"]],
      ["data 33 levels deep", { lead_id: 1, type: "a", data: deep(33) }, ["data"]],
      ["a NUL deep in data", { lead_id: 1, type: "a", data: { a: [{ "b.c": "x\u0000" }] } }, ["data"]],
      [
        "a lone surrogate in a member name of data",
        { lead_id: 1, type: "a", data: { "\ud800": 1 } },
        ["data"],
      ],
      [
        "occurred_at without an offset",
        { lead_id: 1, type: "a", occurred_at: "2026-12-03T10:00:00" },
        ["occurred_at"],
      ],
      ["occurred_at as a date", { lead_id: 1, type: "a", occurred_at: "2026-12-03" }, ["occurred_at"]],
      ["an empty external_id", { lead_id: 1, type: "a", external_id: "" }, ["external_id"]],
      [
        "a 256-character external_id",
        { lead_id: 1, type: "a", external_id: "e".repeat(256) },
        ["external_id"],
      ],
      ["a lead_id of 0", { lead_id: 0, type: "a" }, ["lead_id"]],
      ["a material_id too large", { lead_id: 1, type: "a", material_id: 2 ** 31 }, ["material_id"]],
      ["an unknown field", { lead_id: 1, type: "a", source_id: 1 }, ["source_id"]],
    ];

    it.each(cases)("%s", async (_, payload, paths) => {
      const before = await snapshot();
      expectValidationError(await post(payload), ...paths);
      expect(await snapshot()).toEqual(before);
    });

    it("data of exactly 16 KiB and 32 levels is accepted", async () => {
      const { id: leadId } = await lead();
      const text = "x".repeat(16 * 1024 - '{"text":""}'.length);
      expect((await record({ lead_id: leadId, type: "a", data: { text } })).data).toEqual({ text });
      expect((await record({ lead_id: leadId, type: "a", data: deep(32) })).data).toEqual(deep(32));
    });

    it("occurred_at more than a day ahead of the service's clock is a 400; a day ahead is fine", async () => {
      const { id: leadId } = await lead();
      clock.at = new Date("2026-12-03T10:00:00.000Z");
      const before = await snapshot();
      expectValidationError(
        await post({ lead_id: leadId, type: "a", occurred_at: "2026-12-04T10:00:00.001Z" }),
        "occurred_at",
      );
      expect(await snapshot()).toEqual(before);
      expect(
        (await record({ lead_id: leadId, type: "a", occurred_at: "2026-12-04T13:00:00+03:00" })).occurred_at,
      ).toBe("2026-12-04T10:00:00.000Z");
    });
  });
});
