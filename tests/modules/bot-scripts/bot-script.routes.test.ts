// Bot scripts over HTTP: create, read, list, change, the versions a change of content makes,
// their events, and bad input that writes nothing.
import { describe, expect, it } from "vitest";
import { unique } from "../../helpers/factories.js";
import { query } from "../../helpers/sql.js";
import { useTestApp } from "../../helpers/test-app.js";
import { expectProblem, expectValidationError, ISO_UTC } from "../../http/problem-assertions.js";

type Script = {
  id: number;
  name: string;
  version: number;
  content: string;
  created_at: string;
  updated_at: string;
};
type Version = { bot_script_id: number; version: number; content: string; created_at: string };
type Page<T> = { items: T[]; next_cursor: string | null };

const t = useTestApp();

const post = (payload: unknown) =>
  t.app.inject({ method: "POST", url: "/bot-scripts", payload: payload as object });
const patch = (id: number | string, payload: unknown) =>
  t.app.inject({ method: "PATCH", url: `/bot-scripts/${id}`, payload: payload as object });
const get = async <T>(url: string): Promise<T> => {
  const response = await t.app.inject({ method: "GET", url });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as T;
};
const create = async (payload: { name?: string; content?: string } = {}): Promise<Script> => {
  const response = await post({ name: unique("script"), content: "Say hello.", ...payload });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as Script;
};
const changed = async (id: number, payload: object): Promise<Script> => {
  const response = await patch(id, payload);
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as Script;
};
const versions = (id: number, q = "") => get<Page<Version>>(`/bot-scripts/${id}/versions${q}`);
/** Rows of the three tables a script write touches, and its events: what a refusal must leave alone. */
const written = async () => {
  const [row] = await query<{ scripts: number; versions: number; events: number }>(
    t.testDatabase.url,
    `SELECT (SELECT count(*)::int FROM bot_scripts) AS scripts,
            (SELECT count(*)::int FROM bot_script_versions) AS versions,
            (SELECT count(*)::int FROM events WHERE entity_type = 'bot_script') AS events`,
  );
  return row;
};
const eventsOf = (id: number) =>
  t.database.prisma.event.findMany({
    where: { entityType: "bot_script", entityId: id },
    orderBy: { id: "asc" },
    select: { type: true, actor: true, data: true, details: true },
  });

describe("POST /bot-scripts", () => {
  it("creates version 1 with the name trimmed and the content as sent; GET and the versions agree", async () => {
    const name = unique("Telegram first contact");
    const content = "  # Greeting\n\n1. Say hello.\n2. Ask what they need.  \n";
    const response = await post({ name: ` ${name} `, content });
    expect(response.statusCode, response.body).toBe(201);
    const script = response.json() as Script;
    expect(script).toEqual({
      id: expect.any(Number),
      name,
      version: 1,
      content,
      created_at: expect.stringMatching(ISO_UTC),
      updated_at: script.created_at,
    });
    expect(await get(`/bot-scripts/${script.id}`)).toEqual(script);
    expect(await versions(script.id)).toEqual({
      items: [{ bot_script_id: script.id, version: 1, content, created_at: script.created_at }],
      next_cursor: null,
    });
    expect(await eventsOf(script.id)).toEqual([
      { type: "bot_script.created", actor: "anonymous", data: script, details: { name, version: 1 } },
    ]);
  });

  it("takes 100000 characters of content and 200 of name, not one more", async () => {
    const long = await create({
      name: `${"n".repeat(190)}${unique("")}`.slice(-200),
      content: "c".repeat(100_000),
    });
    expect(long.content).toHaveLength(100_000);
    const before = await written();
    expectValidationError(await post({ name: unique("s"), content: "c".repeat(100_001) }), "content");
    expectValidationError(await post({ name: "n".repeat(201), content: "x" }), "name");
    expect(await written()).toEqual(before);
  });

  it.each([
    ["no name", { content: "x" }, ["name"]],
    ["no content", { name: "a script" }, ["content"]],
    ["an empty name", { name: "   ", content: "x" }, ["name"]],
    ["an empty content", { name: "a script", content: "" }, ["content"]],
    ["a content of blanks and zero-width spaces", { name: "a script", content: " \n\u200b\t" }, ["content"]],
    ["a null content", { name: "a script", content: null }, ["content"]],
    ["a content that is not text", { name: "a script", content: 42 }, ["content"]],
    ["a NUL in the content", { name: "a script", content: "a\u0000b" }, ["content"]],
    ["an unknown field", { name: "a script", content: "x", version: 3 }, ["version"]],
  ])("refuses %s with a 400 naming the field, writing nothing", async (_, payload, paths) => {
    const before = await written();
    expectValidationError(await post(payload), ...paths);
    expect(await written()).toEqual(before);
  });

  it("refuses a name another script has, whatever its case, with a 409 naming it and writing nothing", async () => {
    const first = await create({ name: unique("Sales") });
    const before = await written();
    const taken = expectProblem(
      await post({ name: first.name.toUpperCase(), content: "x" }),
      409,
      "conflict",
    );
    expect(taken.errors).toEqual([{ path: "name", message: "already taken" }]);
    expect(await written()).toEqual(before);
  });
});

describe("PATCH /bot-scripts/{id}", () => {
  it("a new content is the next version; the earlier one stays as it was", async () => {
    const script = await create({ content: "v1: say hello" });
    const second = await changed(script.id, { content: "v2: say hello, then ask" });
    expect(second).toEqual({
      ...script,
      version: 2,
      content: "v2: say hello, then ask",
      updated_at: expect.stringMatching(ISO_UTC),
    });
    expect(Date.parse(second.updated_at)).toBeGreaterThanOrEqual(Date.parse(script.updated_at));
    expect(await get(`/bot-scripts/${script.id}`)).toEqual(second);
    const page = await versions(script.id);
    expect(page).toEqual({
      items: [
        { bot_script_id: script.id, version: 1, content: "v1: say hello", created_at: script.created_at },
        {
          bot_script_id: script.id,
          version: 2,
          content: "v2: say hello, then ask",
          created_at: second.updated_at,
        },
      ],
      next_cursor: null,
    });
  });

  it("a new name alone, or the current content again, makes no version", async () => {
    const script = await create({ content: "only text" });
    const renamed = await changed(script.id, { name: `${script.name} (renamed)` });
    expect(renamed).toMatchObject({ name: `${script.name} (renamed)`, version: 1, content: "only text" });
    const same = await changed(script.id, { content: "only text" });
    expect(same).toMatchObject({ version: 1, content: "only text" });
    const both = await changed(script.id, { name: `${script.name} v2`, content: "other text" });
    expect(both).toMatchObject({ name: `${script.name} v2`, version: 2, content: "other text" });
    expect((await versions(script.id)).items.map((v) => [v.version, v.content])).toEqual([
      [1, "only text"],
      [2, "other text"],
    ]);
  });

  it("records bot_script.updated with the resource as answered and the fields sent, before and after", async () => {
    const script = await create({ content: "first" });
    const renamed = await changed(script.id, { name: `${script.name}!` });
    const bumped = await changed(script.id, { content: "second" });
    const events = await eventsOf(script.id);
    expect(events.slice(1)).toEqual([
      {
        type: "bot_script.updated",
        actor: "anonymous",
        data: renamed,
        details: { before: { name: script.name }, after: { name: `${script.name}!` } },
      },
      {
        type: "bot_script.updated",
        actor: "anonymous",
        data: bumped,
        details: { before: { version: 1 }, after: { version: 2 } },
      },
    ]);
  });

  it("refuses bad input with a 400 naming the field, a taken name with a 409, an unknown id with a 404: nothing written", async () => {
    const script = await create();
    const other = await create();
    const before = await written();
    expectValidationError(await patch(script.id, {}), "(root)");
    expectValidationError(await patch(script.id, { content: "" }), "content");
    expectValidationError(await patch(script.id, { content: null }), "content");
    expectValidationError(await patch(script.id, { name: "" }), "name");
    expectValidationError(await patch(script.id, { content: "c".repeat(100_001) }), "content");
    expectValidationError(await patch(script.id, { version: 7 }), "version");
    expectValidationError(await patch("abc", { name: "x" }), "id");
    expectProblem(
      await patch(script.id, { name: other.name.toLowerCase(), content: "new" }),
      409,
      "conflict",
    );
    const missing = expectProblem(await patch(987654, { name: "ghost" }), 404, "not_found");
    expect(missing.detail).toBe("Bot script 987654 does not exist.");
    expect(await written()).toEqual(before);
    expect(await get(`/bot-scripts/${script.id}`)).toEqual(script);
  });
});

describe("reads", () => {
  it("GET /bot-scripts pages oldest first, each script with its current content", async () => {
    const made = [
      await create({ content: "a" }),
      await create({ content: "b" }),
      await create({ content: "c" }),
    ];
    const third = await changed(made[2]?.id as number, { content: "c2" });
    const all: Script[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<Script> = await get(`/bot-scripts?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.items.length).toBeLessThanOrEqual(2);
      all.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor);
    const ids = all.map((script) => script.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(all.filter((script) => made.some((m) => m.id === script.id))).toEqual([made[0], made[1], third]);
  });

  it("GET /bot-scripts/{id}/versions pages by version number", async () => {
    const script = await create({ content: "1" });
    for (const content of ["2", "3", "4", "5"]) await changed(script.id, { content });
    const first = await versions(script.id, "?limit=2");
    expect(first.items.map((v) => v.content)).toEqual(["1", "2"]);
    expect(first.next_cursor).toBe("2");
    const second = await versions(script.id, "?limit=2&cursor=2");
    expect(second.items.map((v) => v.content)).toEqual(["3", "4"]);
    const last = await versions(script.id, "?limit=2&cursor=4");
    expect(last).toEqual({
      items: [expect.objectContaining({ version: 5, content: "5" })],
      next_cursor: null,
    });
    // Past the last version: an empty page, not a 404 (the script exists).
    expect(await versions(script.id, "?cursor=5")).toEqual({ items: [], next_cursor: null });
  });

  it("an unknown script is a 404 on GET and on its versions; a bad id or query a 400", async () => {
    for (const url of ["/bot-scripts/987654", "/bot-scripts/987654/versions"]) {
      const missing = expectProblem(await t.app.inject({ method: "GET", url }), 404, "not_found");
      expect(missing.detail).toBe("Bot script 987654 does not exist.");
    }
    expectValidationError(await t.app.inject({ method: "GET", url: "/bot-scripts/0" }), "id");
    expectValidationError(await t.app.inject({ method: "GET", url: "/bot-scripts?limit=501" }), "limit");
    expectValidationError(
      await t.app.inject({ method: "GET", url: "/bot-scripts/1/versions?cursor=x" }),
      "cursor",
    );
  });
});

describe("the versions table", () => {
  it("refuses to change or delete a version, even straight in SQL", async () => {
    const script = await create({ content: "kept" });
    for (const sql of [
      "UPDATE bot_script_versions SET content = 'changed' WHERE bot_script_id = $1",
      "DELETE FROM bot_script_versions WHERE bot_script_id = $1",
    ]) {
      await expect(query(t.testDatabase.url, sql, [script.id])).rejects.toThrow(
        `version 1 of bot script ${script.id} is immutable`,
      );
    }
    expect((await versions(script.id)).items.map((v) => v.content)).toEqual(["kept"]);
  });
});
