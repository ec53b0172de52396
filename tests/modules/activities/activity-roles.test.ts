// Who sees which materials and may record which activities (API.md "Roles"): bots (intake keys)
// read published, unarchived materials only and record activities, a scoped one only for leads
// with an appeal in its sources; what a key may not see is the 404 of a missing thing, and a
// refused activity writes nothing. Viewers read everything, timelines and stats included.
import { beforeAll, describe, expect, it } from "vitest";
import { query } from "../../helpers/sql.js";
import { useTestApp } from "../../helpers/test-app.js";
import { expectProblem } from "../../http/problem-assertions.js";

const t = useTestApp();
const keys = {} as Record<"admin" | "intake" | "scoped" | "viewer", string>;
const ids = { leadA: 0, leadB: 0, published: 0, draft: 0, archived: 0 };
const category = "roles-test";

beforeAll(async () => {
  const sourceA = await t.deps.sources.create({ name: "roles source A", strategy: "weighted" }, "test");
  const sourceB = await t.deps.sources.create({ name: "roles source B", strategy: "weighted" }, "test");
  ids.leadA = (
    await t.deps.appeals.create({ source_id: sourceA.id, lead_external_id: "roles-lead-a" }, "test")
  ).appeal.lead_id;
  ids.leadB = (
    await t.deps.appeals.create({ source_id: sourceB.id, lead_external_id: "roles-lead-b" }, "test")
  ).appeal.lead_id;
  const material = async (title: string, published: boolean) =>
    (await t.deps.materials.create({ title, category, media: [], published }, "test")).id;
  ids.published = await material("Published", true);
  ids.draft = await material("Draft", false);
  ids.archived = await material("Archived", true);
  await t.deps.materials.archive(ids.archived, "test");
  const create = async (label: string, role: "admin" | "intake" | "viewer", extra = {}) =>
    (await t.deps.apiKeys.create({ label, role, ...extra }, "test")).key;
  keys.admin = await create("roles admin", "admin");
  keys.intake = await create("roles bot", "intake");
  keys.scoped = await create("roles scoped bot", "intake", { sourceIds: [sourceA.id] });
  keys.viewer = await create("roles viewer", "viewer");
});

const as = (key: string, method: "GET" | "POST", url: string, payload?: object) =>
  t.app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload && { payload }) });
const titles = async (key: string, q = "") => {
  const response = await as(key, "GET", `/materials?category=${category}${q}`);
  expect(response.statusCode, response.body).toBe(200);
  return (response.json() as { items: { title: string }[] }).items.map((m) => m.title);
};
const activities = async () =>
  (await query<{ n: number }>(t.testDatabase.url, "SELECT count(*)::int AS n FROM activities"))[0]?.n;

describe("materials, by role", () => {
  it("a bot lists published, unarchived materials only, whatever its filters ask for", async () => {
    expect(await titles(keys.intake)).toEqual(["Published"]);
    expect(await titles(keys.intake, "&published=false")).toEqual([]);
    expect(await titles(keys.intake, "&include_archived=true")).toEqual(["Published"]);
    expect(await titles(keys.scoped)).toEqual(["Published"]);
  });

  it("admins and viewers list drafts too, and archived ones on request", async () => {
    for (const key of [keys.admin, keys.viewer]) {
      expect(await titles(key)).toEqual(["Draft", "Published"]);
      expect(await titles(key, "&include_archived=true")).toEqual(["Archived", "Draft", "Published"]);
    }
  });

  it("a bot reads a published material; a draft or an archived one is the 404 of a missing one", async () => {
    expect((await as(keys.intake, "GET", `/materials/${ids.published}`)).statusCode).toBe(200);
    const missing = expectProblem(await as(keys.intake, "GET", "/materials/424242"), 404, "not_found");
    for (const id of [ids.draft, ids.archived]) {
      const hidden = expectProblem(await as(keys.intake, "GET", `/materials/${id}`), 404, "not_found");
      expect(hidden.detail).toBe(`Material ${id} does not exist.`);
      expect(Object.keys(hidden).sort()).toEqual(Object.keys(missing).sort());
      expect((await as(keys.viewer, "GET", `/materials/${id}`)).statusCode).toBe(200);
    }
  });
});

describe("activities, by role", () => {
  const view = (key: string, body: object) =>
    as(key, "POST", "/activities", { type: "material_viewed", material_id: ids.published, ...body });

  it("a bot records views of published materials; a draft is a 404 on material_id to it, not to an admin", async () => {
    const recorded = await view(keys.intake, { lead_id: ids.leadB });
    expect(recorded.statusCode, recorded.body).toBe(201);
    const before = await activities();
    const draft = expectProblem(
      await view(keys.intake, { lead_id: ids.leadB, material_id: ids.draft }),
      404,
      "not_found",
    );
    expect(draft.errors).toEqual([{ path: "material_id", message: "not found" }]);
    expect(await activities()).toBe(before);
    expect((await view(keys.admin, { lead_id: ids.leadB, material_id: ids.draft })).statusCode).toBe(201);
    // Archived is archived for everyone.
    expectProblem(
      await view(keys.intake, { lead_id: ids.leadB, material_id: ids.archived }),
      409,
      "material_archived",
    );
  });

  it("a scoped bot records only for leads with an appeal in its sources; others are 404s naming the field", async () => {
    expect((await view(keys.scoped, { lead_id: ids.leadA })).statusCode).toBe(201);
    expect((await view(keys.scoped, { lead_external_id: "roles-lead-a" })).statusCode).toBe(201);
    const before = await activities();
    for (const [body, path] of [
      [{ lead_id: ids.leadB }, "lead_id"],
      [{ lead_external_id: "roles-lead-b" }, "lead_external_id"],
    ] as const) {
      const refused = expectProblem(await view(keys.scoped, body), 404, "not_found");
      expect(refused.errors).toEqual([{ path, message: "not found" }]);
    }
    expect(await activities()).toBe(before);
  });

  it("viewers read a lead's timeline and a material's stats; bots read neither", async () => {
    const materialId = (
      await t.deps.materials.create({ title: "Stats", category, media: [], published: true }, "test")
    ).id;
    for (const [key, leadId] of [
      [keys.scoped, ids.leadA],
      [keys.scoped, ids.leadA],
      [keys.intake, ids.leadB],
    ] as const) {
      expect((await view(key, { lead_id: leadId, material_id: materialId })).statusCode).toBe(201);
    }
    const timeline = await as(keys.viewer, "GET", `/leads/${ids.leadA}/activities?material_id=${materialId}`);
    expect(timeline.statusCode, timeline.body).toBe(200);
    expect((timeline.json() as { items: { lead_id: number }[] }).items.map((a) => a.lead_id)).toEqual([
      ids.leadA,
      ids.leadA,
    ]);
    const stats = await as(keys.viewer, "GET", `/materials/${materialId}/stats`);
    expect(stats.json()).toMatchObject({ material_id: materialId, views: 3, unique_leads: 2 });
    for (const url of [`/leads/${ids.leadA}/activities`, `/materials/${materialId}/stats`]) {
      expectProblem(await as(keys.intake, "GET", url), 403, "forbidden");
    }
  });
});
