// The materials library in open mode (an admin's rights), on the test database: every field
// stored and answered, the events, the lists' filters and pages, archiving, bad input.
import { describe, expect, it } from "vitest";
import { useTestApp } from "../../helpers/test-app.js";
import { expectProblem, expectValidationError } from "../../http/problem-assertions.js";

type Media = { kind: string; url: string | null; telegram_file_id: string | null; name: string | null };
type Material = {
  id: number;
  title: string;
  category: string;
  body: string | null;
  media: Media[];
  published: boolean;
  published_at: string | null;
  created_at: string;
  updated_at: string;
  archived_at: string | null;
};
type Page = { items: Material[]; next_cursor: string | null };

/** The tests' clock: materials are stamped by it. */
const clock = { at: new Date("2026-12-03T10:00:00.000Z") };

describe("materials", () => {
  const t = useTestApp({ clock: { now: () => clock.at } });

  const post = (payload: unknown) =>
    t.app.inject({ method: "POST", url: "/materials", payload: payload as object });
  const patch = (id: number, payload: unknown) =>
    t.app.inject({ method: "PATCH", url: `/materials/${id}`, payload: payload as object });
  const create = async (payload: object): Promise<Material> => {
    const response = await post(payload);
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as Material;
  };
  const get = async (id: number): Promise<Material> => {
    const response = await t.app.inject({ method: "GET", url: `/materials/${id}` });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as Material;
  };
  const list = async (query: string): Promise<Page> => {
    const response = await t.app.inject({ method: "GET", url: `/materials?${query}` });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as Page;
  };
  const archive = async (id: number) => {
    const response = await t.app.inject({ method: "DELETE", url: `/materials/${id}` });
    expect(response.statusCode, response.body).toBe(204);
    expect(response.body).toBe("");
  };
  /** Rows a refused request must not have added or changed. */
  const snapshot = async () =>
    (
      await t.database.prisma.$queryRaw<{ materials: string; events: number }[]>`
        SELECT (SELECT coalesce(string_agg(m::text, '|' ORDER BY m.id), '') FROM materials m) AS materials,
               (SELECT count(*)::int FROM events) AS events`
    )[0];
  const materialEvents = (id: number) =>
    t.database.prisma.event.findMany({
      where: { entityType: "material", entityId: id },
      orderBy: { id: "asc" },
      select: { type: true, actor: true, data: true, details: true },
    });

  describe("POST /materials", () => {
    it("stores every field, answers it as GET does, and records material.created with it", async () => {
      clock.at = new Date("2026-12-03T10:00:00.000Z");
      const material = await create({
        title: "  Summer menu ",
        category: "article",
        body: "Cold soups and lemonades, from June.",
        media: [
          { kind: "photo", url: "https://example.com/menu.jpg", name: "menu.jpg" },
          { kind: "document", telegram_file_id: "BQACAgIAAxkBAAIC" },
        ],
        published: true,
      });
      expect(material).toEqual({
        id: expect.any(Number),
        title: "Summer menu",
        category: "article",
        body: "Cold soups and lemonades, from June.",
        media: [
          { kind: "photo", url: "https://example.com/menu.jpg", telegram_file_id: null, name: "menu.jpg" },
          { kind: "document", url: null, telegram_file_id: "BQACAgIAAxkBAAIC", name: null },
        ],
        published: true,
        published_at: "2026-12-03T10:00:00.000Z",
        created_at: "2026-12-03T10:00:00.000Z",
        updated_at: "2026-12-03T10:00:00.000Z",
        archived_at: null,
      });
      expect(await get(material.id)).toEqual(material);
      expect(await materialEvents(material.id)).toEqual([
        { type: "material.created", actor: "anonymous", data: material, details: {} },
      ]);
    });

    it("is unpublished, without body or media, by default", async () => {
      const material = await create({ title: "Draft", category: "product" });
      expect(material).toMatchObject({ body: null, media: [], published: false, published_at: null });
    });
  });

  describe("PATCH /materials/{id}", () => {
    it("changes the fields sent; publishing stamps published_at, unpublishing clears it; one event each", async () => {
      clock.at = new Date("2026-12-03T11:00:00.000Z");
      const material = await create({ title: "Open day", category: "event", body: "Saturday" });

      clock.at = new Date("2026-12-03T12:00:00.000Z");
      const published = await patch(material.id, { published: true, body: null });
      expect(published.statusCode, published.body).toBe(200);
      expect(published.json()).toEqual({
        ...material,
        body: null,
        published: true,
        published_at: "2026-12-03T12:00:00.000Z",
        updated_at: "2026-12-03T12:00:00.000Z",
      });

      clock.at = new Date("2026-12-03T13:00:00.000Z");
      const media = [{ kind: "link", url: "http://example.com/open-day" }];
      const renamed = (await patch(material.id, { title: "Open day 2027", media })).json() as Material;
      // Still published since 12:00: a change that does not touch `published` keeps published_at.
      expect(renamed).toMatchObject({
        title: "Open day 2027",
        media: [{ kind: "link", url: "http://example.com/open-day", telegram_file_id: null, name: null }],
        published_at: "2026-12-03T12:00:00.000Z",
        updated_at: "2026-12-03T13:00:00.000Z",
      });

      const unpublished = (await patch(material.id, { published: false })).json() as Material;
      expect(unpublished).toMatchObject({ published: false, published_at: null });
      expect(await get(material.id)).toEqual(unpublished);

      const events = await materialEvents(material.id);
      expect(events.map((event) => event.type)).toEqual([
        "material.created",
        "material.updated",
        "material.updated",
        "material.updated",
      ]);
      expect(events[1]?.details).toEqual({
        before: { body: "Saturday", published: false },
        after: { body: null, published: true },
      });
      expect(events[2]?.details).toEqual({
        before: { title: "Open day", media: [] },
        after: { title: "Open day 2027", media: renamed.media },
      });
      expect(events[3]?.data).toEqual(unpublished);
    });
  });

  describe("DELETE /materials/{id} (archive)", () => {
    it("sets archived_at, keeps it readable by id, drops it from the default list; a second DELETE changes nothing", async () => {
      const category = `archive-${Date.now()}`;
      const kept = await create({ title: "Kept", category, published: true });
      const gone = await create({ title: "Gone", category, published: true });
      clock.at = new Date("2026-12-03T14:00:00.000Z");
      await archive(gone.id);

      const shown = await get(gone.id);
      expect(shown).toEqual({
        ...gone,
        archived_at: "2026-12-03T14:00:00.000Z",
        updated_at: "2026-12-03T14:00:00.000Z",
      });
      expect((await list(`category=${category}`)).items.map((m) => m.id)).toEqual([kept.id]);
      expect((await list(`category=${category}&include_archived=true`)).items.map((m) => m.id)).toEqual([
        gone.id,
        kept.id,
      ]);

      clock.at = new Date("2026-12-03T15:00:00.000Z");
      await archive(gone.id);
      expect(await get(gone.id)).toEqual(shown);
      const events = await materialEvents(gone.id);
      expect(events.map((event) => event.type)).toEqual(["material.created", "material.archived"]);
      expect(events[1]?.data).toEqual(shown);
    });

    it("an archived material takes no change: PATCH is a 409 material_archived, nothing written", async () => {
      const material = await create({ title: "Old offer", category: "product" });
      await archive(material.id);
      const before = await snapshot();
      const body = expectProblem(await patch(material.id, { title: "New offer" }), 409, "material_archived");
      expect(body.detail).toBe(
        `Material ${material.id} is archived: it takes no changes and no new activities.`,
      );
      expect(await snapshot()).toEqual(before);
    });

    it("an unknown material is a 404 for GET, PATCH and DELETE", async () => {
      for (const [method, payload] of [["GET"], ["PATCH", { title: "x" }], ["DELETE"]] as const) {
        const response = await t.app.inject({
          method,
          url: "/materials/424242",
          ...(payload && { payload }),
        });
        expect(expectProblem(response, 404, "not_found").detail).toBe("Material 424242 does not exist.");
      }
    });
  });

  describe("GET /materials", () => {
    it("filters by category and published, newest first, page by page to the end", async () => {
      const category = `paged-${Date.now()}`;
      const made: Material[] = [];
      for (let i = 0; i < 5; i++)
        made.push(await create({ title: `m${i}`, category, published: i % 2 === 0 }));
      await create({ title: "elsewhere", category: `${category}-other`, published: true });
      const newestFirst = [...made].reverse().map((m) => m.id);

      const first = await list(`category=${category}&limit=2`);
      expect(first.items.map((m) => m.id)).toEqual(newestFirst.slice(0, 2));
      expect(first.next_cursor).toBe(String(newestFirst[1]));
      const second = await list(`category=${category}&limit=2&cursor=${first.next_cursor}`);
      expect(second.items.map((m) => m.id)).toEqual(newestFirst.slice(2, 4));
      const last = await list(`category=${category}&limit=2&cursor=${second.next_cursor}`);
      expect(last).toEqual({ items: [made[0]], next_cursor: null });

      expect((await list(`category=${category}&published=true`)).items.map((m) => m.title)).toEqual([
        "m4",
        "m2",
        "m0",
      ]);
      expect((await list(`category=${category}&published=false`)).items.map((m) => m.title)).toEqual([
        "m3",
        "m1",
      ]);
      // Exact match: neither a prefix nor another case.
      expect((await list(`category=${category.toUpperCase()}`)).items).toEqual([]);
    });
  });

  describe("bad input: a 400 naming the field, nothing written", () => {
    it.each([
      ["no title", { category: "article" }, ["title"]],
      ["a blank title", { title: "   ", category: "article" }, ["title"]],
      ["an over-long title", { title: "x".repeat(501), category: "article" }, ["title"]],
      ["no category", { title: "x" }, ["category"]],
      ["an over-long category", { title: "x", category: "c".repeat(101) }, ["category"]],
      ["an over-long body", { title: "x", category: "c", body: "b".repeat(10_001) }, ["body"]],
      [
        "a medium without url or file id",
        { title: "x", category: "c", media: [{ kind: "photo" }] },
        ["media.0.url"],
      ],
      [
        "a medium with an ftp url",
        {
          title: "x",
          category: "c",
          media: [
            { kind: "link", url: "https://a.example" },
            { kind: "link", url: "ftp://a.example/f" },
          ],
        },
        ["media.1.url"],
      ],
      [
        "an unknown medium kind",
        { title: "x", category: "c", media: [{ kind: "audio", url: "https://a.example" }] },
        ["media.0.kind"],
      ],
      [
        "an unknown member of a medium",
        { title: "x", category: "c", media: [{ kind: "photo", url: "https://a.example", size: 1 }] },
        ["media.0.size"],
      ],
      [
        "21 media",
        { title: "x", category: "c", media: Array(21).fill({ kind: "photo", url: "https://a.example" }) },
        ["media"],
      ],
      ["published null", { title: "x", category: "c", published: null }, ["published"]],
      ["an unknown field", { title: "x", category: "c", tags: [] }, ["tags"]],
      ["a NUL in the body", { title: "x", category: "c", body: "a\u0000b" }, ["body"]],
    ])("POST with %s", async (_, payload, paths) => {
      const before = await snapshot();
      expectValidationError(await post(payload), ...paths);
      expect(await snapshot()).toEqual(before);
    });

    it("PATCH with nothing, a blank title, a null title, a bad medium", async () => {
      const material = await create({ title: "Stays", category: "article" });
      const before = await snapshot();
      expectValidationError(await patch(material.id, {}), "(root)");
      expectValidationError(await patch(material.id, { title: " " }), "title");
      expectValidationError(await patch(material.id, { title: null }), "title");
      expectValidationError(await patch(material.id, { media: [{ kind: "video" }] }), "media.0.url");
      expect(await snapshot()).toEqual(before);
    });

    it("GET with an unknown filter, a bad published, a bad cursor", async () => {
      for (const [query, path] of [
        ["colour=red", "colour"],
        ["published=yes", "published"],
        ["include_archived=1", "include_archived"],
        ["cursor=abc", "cursor"],
        ["limit=501", "limit"],
      ] as const) {
        expectValidationError(await t.app.inject({ method: "GET", url: `/materials?${query}` }), path);
      }
    });
  });
});
