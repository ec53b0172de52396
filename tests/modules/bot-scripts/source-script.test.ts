// A source names its bot script; every appeal records the script and the version its source
// named at intake, and keeps them through reopens, transfers and later versions.
import { describe, expect, it } from "vitest";
import { createOperator, createSource, setWeights, unique } from "../../helpers/factories.js";
import { query } from "../../helpers/sql.js";
import { useTestApp } from "../../helpers/test-app.js";
import { expectProblem } from "../../http/problem-assertions.js";

type Script = { id: number; name: string; version: number; content: string };
type Source = { id: number; name: string; bot_script_id: number | null };
type Appeal = { id: number; bot_script_id: number | null; bot_script_version: number | null };

const t = useTestApp();

const send = async (method: "POST" | "PATCH" | "GET", url: string, payload?: object, status = 200) => {
  const response = await t.app.inject({ method, url, ...(payload && { payload }) });
  expect(response.statusCode, response.body).toBe(status);
  return response.json();
};
const script = (content = "Say hello."): Promise<Script> =>
  send("POST", "/bot-scripts", { name: unique("script"), content }, 201);
const newVersion = (id: number, content: string): Promise<Script> =>
  send("PATCH", `/bot-scripts/${id}`, { content });
const appeal = async (sourceId: number) => {
  const created = await send(
    "POST",
    "/appeals",
    { source_id: sourceId, lead_external_id: unique("lead") },
    201,
  );
  return { created, shown: (await send("GET", `/appeals/${created.appeal_id}`)) as Appeal };
};
const recorded = (a: Appeal) => [a.bot_script_id, a.bot_script_version];
/** Sources and their events: what a refused source write must leave alone. */
const sourceRows = () =>
  query(
    t.testDatabase.url,
    `SELECT (SELECT json_agg(s ORDER BY id) FROM sources s) AS sources,
            (SELECT count(*)::int FROM events WHERE entity_type = 'source') AS events`,
  );

describe("a source's bot_script_id", () => {
  it("is set on POST, changed and cleared on PATCH, shown by GET, and recorded in source.* events", async () => {
    const [a, b] = [await script(), await script()];
    const created: Source = await send("POST", "/sources", { name: unique("src"), bot_script_id: a.id }, 201);
    expect(created.bot_script_id).toBe(a.id);
    expect(await send("GET", `/sources/${created.id}`)).toEqual(created);
    const moved: Source = await send("PATCH", `/sources/${created.id}`, { bot_script_id: b.id });
    expect(moved.bot_script_id).toBe(b.id);
    const cleared: Source = await send("PATCH", `/sources/${created.id}`, { bot_script_id: null });
    expect(cleared.bot_script_id).toBeNull();
    const events = await t.database.prisma.event.findMany({
      where: { entityType: "source", entityId: created.id },
      orderBy: { id: "asc" },
      select: { type: true, data: true, details: true },
    });
    expect(events).toEqual([
      {
        type: "source.created",
        data: created,
        details: { name: created.name, description: null, strategy: "weighted", bot_script_id: a.id },
      },
      {
        type: "source.updated",
        data: moved,
        details: { before: { bot_script_id: a.id }, after: { bot_script_id: b.id } },
      },
      {
        type: "source.updated",
        data: cleared,
        details: { before: { bot_script_id: b.id }, after: { bot_script_id: null } },
      },
    ]);
    // The list shows it too, and a source without one says null.
    const plain = await createSource(t.app);
    const listed = (await send("GET", "/sources")) as Source[];
    expect(listed.find((s) => s.id === plain.id)?.bot_script_id).toBeNull();
  });

  it("an unknown script is a 404 naming bot_script_id, and nothing is written", async () => {
    const before = await sourceRows();
    const posted = expectProblem(
      await t.app.inject({
        method: "POST",
        url: "/sources",
        payload: { name: unique("s"), bot_script_id: 987654 },
      }),
      404,
      "not_found",
    );
    expect(posted.errors).toEqual([{ path: "bot_script_id", message: "bot script 987654 does not exist" }]);
    expect(await sourceRows()).toEqual(before);

    const source = await createSource(t.app);
    const afterCreate = await sourceRows();
    const patched = expectProblem(
      await t.app.inject({
        method: "PATCH",
        url: `/sources/${source.id}`,
        payload: { name: unique("renamed"), bot_script_id: 987654 },
      }),
      404,
      "not_found",
    );
    expect(patched.errors).toEqual([{ path: "bot_script_id", message: "bot script 987654 does not exist" }]);
    expect(await sourceRows()).toEqual(afterCreate);
    // The source named in the path comes first: an unknown source is its 404, whatever the body names.
    const ghost = expectProblem(
      await t.app.inject({ method: "PATCH", url: "/sources/876543", payload: { bot_script_id: 987654 } }),
      404,
      "not_found",
    );
    expect(ghost.detail).toBe("Source 876543 does not exist.");
  });
});

describe("an appeal's bot script", () => {
  it("is the source's script and current version at intake, kept after new versions, a reopen and a transfer", async () => {
    const [x, y] = [
      await createOperator(t.app, { max_load: 10 }),
      await createOperator(t.app, { max_load: 10 }),
    ];
    const s = await script("v1");
    const source: Source = await send("POST", "/sources", { name: unique("src"), bot_script_id: s.id }, 201);
    await setWeights(t.app, source.id, [{ operator_id: x.id, weight: 1 }]);

    const first = await appeal(source.id);
    expect(first.created).toMatchObject({ bot_script_id: s.id, bot_script_version: 1 });
    expect(recorded(first.shown)).toEqual([s.id, 1]);

    expect((await newVersion(s.id, "v2")).version).toBe(2);
    const second = await appeal(source.id);
    expect(recorded(second.shown)).toEqual([s.id, 2]);
    expect(recorded(await send("GET", `/appeals/${first.shown.id}`))).toEqual([s.id, 1]);
    // A rename is no new version: the next appeal records 2 as well.
    await send("PATCH", `/bot-scripts/${s.id}`, { name: unique("renamed") });
    expect(recorded((await appeal(source.id)).shown)).toEqual([s.id, 2]);

    // The version the first appeal names is still there, with the text its bot followed.
    const versions = await send("GET", `/bot-scripts/${s.id}/versions`);
    expect(versions.items.find((v: { version: number }) => v.version === 1)?.content).toBe("v1");

    await newVersion(s.id, "v3");
    await send("PATCH", `/appeals/${first.shown.id}/close`);
    const reopened: Appeal = await send("PATCH", `/appeals/${first.shown.id}/reopen`);
    expect(recorded(reopened)).toEqual([s.id, 1]);
    const moved: Appeal = await send("PATCH", `/appeals/${first.shown.id}/assign`, {
      operator_id: y.id,
      force: true,
    });
    expect(recorded(moved)).toEqual([s.id, 1]);
    // The events' data is the Appeal as shown: these fields too.
    const [event] = await query<{ data: Appeal }>(
      t.testDatabase.url,
      "SELECT data FROM events WHERE type = 'appeal.created' AND entity_id = $1",
      [second.shown.id],
    );
    expect(recorded(event?.data as Appeal)).toEqual([s.id, 2]);
  });

  it("is null without a script, follows the source to another one, and a pending appeal records it too", async () => {
    const source = await createSource(t.app); // no weights: every appeal waits
    const none = await appeal(source.id);
    expect(none.created).toMatchObject({ status: "pending", bot_script_id: null, bot_script_version: null });
    expect(recorded(none.shown)).toEqual([null, null]);

    const s = await script();
    await newVersion(s.id, "second");
    await send("PATCH", `/sources/${source.id}`, { bot_script_id: s.id });
    const linked = await appeal(source.id);
    expect(linked.created).toMatchObject({ status: "pending", bot_script_id: s.id, bot_script_version: 2 });

    const other = await script();
    await send("PATCH", `/sources/${source.id}`, { bot_script_id: other.id });
    expect(recorded((await appeal(source.id)).shown)).toEqual([other.id, 1]);
    // Changing the old script now moves nothing of this source.
    await newVersion(s.id, "third");
    expect(recorded((await appeal(source.id)).shown)).toEqual([other.id, 1]);
    expect(recorded(await send("GET", `/appeals/${linked.shown.id}`))).toEqual([s.id, 2]);
  });

  it("a script named by several sources: each new version reaches all of them at once", async () => {
    const s = await script();
    const sources: Source[] = [];
    for (let i = 0; i < 3; i++) {
      sources.push(await send("POST", "/sources", { name: unique("src"), bot_script_id: s.id }, 201));
    }
    await newVersion(s.id, "for everyone");
    for (const source of sources) expect(recorded((await appeal(source.id)).shown)).toEqual([s.id, 2]);
    // The sources as shown did not change (the version they carry is internal): no source.updated.
    for (const source of sources) expect(await send("GET", `/sources/${source.id}`)).toEqual(source);
    const updates = await t.database.prisma.event.count({
      where: { type: "source.updated", entityId: { in: sources.map((source) => source.id) } },
    });
    expect(updates).toBe(0);
  });
});
