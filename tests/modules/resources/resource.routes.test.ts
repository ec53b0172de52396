// Resources in open mode (an admin's rights): every field stored and answered, the events,
// opening hours checked, names unique among those not archived, archiving.
import { describe, expect, it } from "vitest";
import { query } from "../../helpers/sql.js";
import { useTestApp } from "../../helpers/test-app.js";
import { expectProblem, expectValidationError } from "../../http/problem-assertions.js";

type Resource = {
  id: number;
  name: string;
  kind: string | null;
  capacity: number | null;
  opening_hours: Record<string, [string, string]> | null;
  is_active: boolean;
  created_at: string;
  updated_at: string;
  archived_at: string | null;
};

const clock = { at: new Date("2026-12-03T10:00:00.000Z") };
const t = useTestApp({ clock: { now: () => clock.at } });

const post = (payload: object) => t.app.inject({ method: "POST", url: "/resources", payload });
const patch = (id: number, payload: object) =>
  t.app.inject({ method: "PATCH", url: `/resources/${id}`, payload });
const create = async (payload: object): Promise<Resource> => {
  const response = await post(payload);
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as Resource;
};
const get = async (id: number): Promise<Resource> => {
  const response = await t.app.inject({ method: "GET", url: `/resources/${id}` });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as Resource;
};
const eventsOf = (id: number) =>
  query<{ type: string; data: Resource; details: Record<string, unknown> }>(
    t.testDatabase.url,
    "SELECT type, data, details FROM events WHERE entity_type = 'resource' AND entity_id = $1 ORDER BY id",
    [id],
  );
const rows = async () =>
  (
    await query<{ s: string }>(
      t.testDatabase.url,
      "SELECT coalesce(string_agg(r::text, '|' ORDER BY id), '') AS s FROM resources r",
    )
  )[0]?.s;

describe("resources", () => {
  it("stores every field, answers it as GET does, and records resource.created", async () => {
    clock.at = new Date("2026-12-03T10:00:00.000Z");
    const resource = await create({
      name: " Field 1 ",
      kind: "field",
      capacity: 22,
      opening_hours: { mon: ["10:00", "22:00"], sat: ["09:00", "24:00"] },
    });
    expect(resource).toEqual({
      id: expect.any(Number),
      name: "Field 1",
      kind: "field",
      capacity: 22,
      opening_hours: { mon: ["10:00", "22:00"], sat: ["09:00", "24:00"] },
      is_active: true,
      created_at: "2026-12-03T10:00:00.000Z",
      updated_at: "2026-12-03T10:00:00.000Z",
      archived_at: null,
    });
    expect(await get(resource.id)).toEqual(resource);
    expect(await eventsOf(resource.id)).toEqual([{ type: "resource.created", data: resource, details: {} }]);
    const bare = await create({ name: "Rest room" });
    expect(bare).toMatchObject({ kind: null, capacity: null, opening_hours: null, is_active: true });
  });

  it("changes the fields sent, records before and after; null opening hours is always open", async () => {
    const resource = await create({ name: "Table 7", opening_hours: { sun: ["12:00", "18:00"] } });
    clock.at = new Date("2026-12-03T11:00:00.000Z");
    const response = await patch(resource.id, { opening_hours: null, capacity: 6, is_active: false });
    expect(response.statusCode, response.body).toBe(200);
    const changed = response.json() as Resource;
    expect(changed).toEqual({
      ...resource,
      opening_hours: null,
      capacity: 6,
      is_active: false,
      updated_at: "2026-12-03T11:00:00.000Z",
    });
    expect((await eventsOf(resource.id))[1]).toEqual({
      type: "resource.updated",
      data: changed,
      details: {
        before: { capacity: null, opening_hours: { sun: ["12:00", "18:00"] }, is_active: true },
        after: { capacity: 6, opening_hours: null, is_active: false },
      },
    });
  });

  it("refuses bad opening hours naming the day, and writes nothing", async () => {
    const before = await rows();
    for (const [hours, path] of [
      [{ mon: ["22:00", "10:00"] }, "opening_hours.mon"],
      [{ mon: ["10:00", "10:00"] }, "opening_hours.mon"],
      [{ tue: ["24:00", "24:00"] }, "opening_hours.tue"],
      [{ wed: ["9:00", "18:00"] }, "opening_hours.wed.0"],
      [{ thu: ["10:00", "24:30"] }, "opening_hours.thu.1"],
      [{ fri: ["10:00"] }, "opening_hours.fri"],
      [{ monday: ["10:00", "22:00"] }, "opening_hours.monday"],
    ] as const) {
      const body = expectValidationError(await post({ name: "x", opening_hours: hours }), path);
      expect(body.errors?.[0]?.message).not.toBe("");
    }
    expectValidationError(await post({ name: "x", capacity: 0 }), "capacity");
    expectValidationError(await post({ name: "   " }), "name");
    expect(await rows()).toBe(before);
  });

  it("keeps names unique regardless of case among resources not archived", async () => {
    const first = await create({ name: "Field North" });
    expectProblem(await post({ name: "field north" }), 409, "conflict");
    const other = await create({ name: "Field South" });
    expectProblem(await patch(other.id, { name: "FIELD NORTH" }), 409, "conflict");
    expect((await t.app.inject({ method: "DELETE", url: `/resources/${first.id}` })).statusCode).toBe(204);
    await create({ name: "Field North" });
  });

  it("archives once: out of the default list, still readable, final", async () => {
    const resource = await create({ name: "Old field", kind: "old" });
    clock.at = new Date("2026-12-03T12:00:00.000Z");
    expect((await t.app.inject({ method: "DELETE", url: `/resources/${resource.id}` })).statusCode).toBe(204);
    expect((await t.app.inject({ method: "DELETE", url: `/resources/${resource.id}` })).statusCode).toBe(204);
    expect((await get(resource.id)).archived_at).toBe("2026-12-03T12:00:00.000Z");
    expect((await eventsOf(resource.id)).map((event) => event.type)).toEqual([
      "resource.created",
      "resource.archived",
    ]);
    const list = async (q: string) =>
      ((await t.app.inject({ method: "GET", url: `/resources?${q}` })).json() as Resource[]).map((r) => r.id);
    expect(await list("kind=old")).toEqual([]);
    expect(await list("kind=old&include_archived=true")).toEqual([resource.id]);
    expectProblem(await patch(resource.id, { name: "New" }), 409, "resource_archived");
    expectProblem(await t.app.inject({ method: "DELETE", url: "/resources/424242" }), 404, "not_found");
    expectProblem(await patch(424_242, { name: "x" }), 404, "not_found");
  });
});
