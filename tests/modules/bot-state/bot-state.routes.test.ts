// PUT, GET and DELETE /bot-state/{source_id}/{chat_id} in open mode (an admin's rights): the
// state as stored and answered, versions and ETags, If-Match and If-None-Match, deletes that keep
// the version counting, 404s, and bad input that names its field and writes nothing.
import type { LightMyRequestResponse } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { createSource, unique } from "../../helpers/factories.js";
import { query } from "../../helpers/sql.js";
import { useTestApp } from "../../helpers/test-app.js";
import { expectProblem, expectValidationError } from "../../http/problem-assertions.js";

type BotState = {
  source_id: number;
  chat_id: string;
  state: string;
  data: Record<string, unknown>;
  version: number;
  updated_at: string;
};

/** The tests' clock: every write's updated_at. */
const clock = { at: new Date("2026-12-04T10:00:00.000Z") };

const t = useTestApp({ clock: { now: () => clock.at } });
let sourceId: number;

beforeAll(async () => {
  sourceId = (await createSource(t.app)).id;
});

const url = (chat: string, source = sourceId) => `/bot-state/${source}/${encodeURIComponent(chat)}`;
const put = (chat: string, payload: unknown, headers: Record<string, string> = {}, source = sourceId) =>
  t.app.inject({ method: "PUT", url: url(chat, source), payload: payload as object, headers });
const get = (chat: string, source = sourceId) => t.app.inject({ method: "GET", url: url(chat, source) });
const remove = (chat: string, headers: Record<string, string> = {}, source = sourceId) =>
  t.app.inject({ method: "DELETE", url: url(chat, source), headers });

function expectState(response: LightMyRequestResponse, status: number, expected: BotState): void {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.json()).toEqual(expected);
  expect(response.headers.etag).toBe(`"${expected.version}"`);
}

/** Every row of the chat, tombstones included, as the table holds it. */
const rowsOf = (chat: string) =>
  query(
    t.testDatabase.url,
    `SELECT state, data, version, first_version, updated_at FROM bot_states
     WHERE source_id = $1 AND chat_id = $2`,
    [sourceId, chat],
  );

describe("a chat's state", () => {
  it("is created (201), read back with its ETag, and replaced (200) with the next version", async () => {
    const chat = "-1001234567890";
    const data = { name: "Ivan", step: 2, basket: [{ sku: "A-1", qty: 3 }], nested: { deep: { ok: true } } };
    const first = { source_id: sourceId, chat_id: chat, state: "awaiting_phone", data, version: 1 };
    expectState(await put(chat, { state: "awaiting_phone", data }), 201, {
      ...first,
      updated_at: "2026-12-04T10:00:00.000Z",
    });
    expectState(await get(chat), 200, { ...first, updated_at: "2026-12-04T10:00:00.000Z" });

    clock.at = new Date("2026-12-04T10:05:00.000Z");
    const replaced = await put(chat, { state: "done" }, { "if-match": '"1"' });
    expectState(replaced, 200, {
      source_id: sourceId,
      chat_id: chat,
      state: "done",
      data: {},
      version: 2,
      updated_at: "2026-12-04T10:05:00.000Z",
    });
    expect((await get(chat)).json()).toEqual(replaced.json());
    expect(await rowsOf(chat)).toEqual([
      {
        state: "done",
        data: {},
        version: 2,
        first_version: 1,
        updated_at: new Date("2026-12-04T10:05:00.000Z"),
      },
    ]);
  });

  it("keeps chat ids as sent: negative, beyond 2^53, with slashes and spaces", async () => {
    for (const chat of [
      "-1009223372036854775808",
      "18446744073709551617",
      "whatsapp/+7 916 123-45-67",
      "é😀",
    ]) {
      const written = await put(chat, { state: "start" });
      expect(written.statusCode, written.body).toBe(201);
      expect((await get(chat)).json()).toMatchObject({ chat_id: chat, state: "start", version: 1 });
    }
    const longest = "9".repeat(200);
    expect((await put(longest, { state: "start" })).statusCode).toBe(201);
    expect((await get(longest)).json()).toMatchObject({ chat_id: longest });
  });

  it("takes data of exactly 64 KiB as JSON, and states of 1 and 100 characters", async () => {
    const chat = unique("chat");
    const filler = "x".repeat(64 * 1024 - JSON.stringify({ text: "" }).length);
    const written = await put(chat, { state: "s".repeat(100), data: { text: filler } });
    expect(written.statusCode, written.body).toBe(201);
    expect(Buffer.byteLength(JSON.stringify((written.json() as BotState).data))).toBe(64 * 1024);
    expect((await get(chat)).json()).toMatchObject({ state: "s".repeat(100), data: { text: filler } });
    expect((await put(chat, { state: "a" })).json()).toMatchObject({ state: "a", version: 2 });
  });

  it("counts versions one by one across unconditional writes", async () => {
    const chat = unique("chat");
    const versions = [];
    for (let i = 0; i < 5; i++)
      versions.push(((await put(chat, { state: `s${i}` })).json() as BotState).version);
    expect(versions).toEqual([1, 2, 3, 4, 5]);
  });
});

describe("If-Match and If-None-Match", () => {
  it("If-Match with the current version writes; a stale one is a 412 naming if-match, nothing written", async () => {
    const chat = unique("chat");
    await put(chat, { state: "one" });
    expect((await put(chat, { state: "two" }, { "if-match": '"1"' })).statusCode).toBe(200);
    const before = await rowsOf(chat);

    const stale = await put(chat, { state: "lost", data: { x: 1 } }, { "if-match": '"1"' });
    const problem = expectProblem(stale, 412, "precondition_failed");
    expect(problem).toMatchObject({
      title: "Precondition failed",
      detail: `Chat "${chat}" of source ${sourceId} is at version 2, and If-Match is "1"; nothing was written.`,
      errors: [{ path: "if-match", message: "the state is at version 2" }],
    });
    expect(stale.headers.etag).toBeUndefined();
    expect(await rowsOf(chat)).toEqual(before);
    expect((await put(chat, { state: "three" }, { "if-match": '"2"' })).json()).toMatchObject({
      state: "three",
      version: 3,
    });
  });

  it("If-Match on a chat without a state is a 412: it never creates", async () => {
    const chat = unique("chat");
    for (const ifMatch of ['"1"', "*"]) {
      const problem = expectProblem(
        await put(chat, { state: "x" }, { "if-match": ifMatch }),
        412,
        "precondition_failed",
      );
      expect(problem.errors).toEqual([{ path: "if-match", message: "the chat has no state" }]);
    }
    expect(await rowsOf(chat)).toEqual([]);
  });

  it("If-Match: * writes over any existing version", async () => {
    const chat = unique("chat");
    await put(chat, { state: "one" });
    await put(chat, { state: "two" });
    expect((await put(chat, { state: "three" }, { "if-match": "*" })).json()).toMatchObject({ version: 3 });
  });

  it("If-None-Match: * creates only", async () => {
    const chat = unique("chat");
    expectState(await put(chat, { state: "first" }, { "if-none-match": "*" }), 201, {
      source_id: sourceId,
      chat_id: chat,
      state: "first",
      data: {},
      version: 1,
      updated_at: clock.at.toISOString(),
    });
    const again = await put(chat, { state: "second" }, { "if-none-match": "*" });
    expect(expectProblem(again, 412, "precondition_failed")).toMatchObject({
      detail: `Chat "${chat}" of source ${sourceId} is at version 1, and If-None-Match is * (create only); nothing was written.`,
      errors: [{ path: "if-none-match", message: "the state is at version 1" }],
    });
    expect((await get(chat)).json()).toMatchObject({ state: "first", version: 1 });
  });
});

describe("DELETE", () => {
  it("forgets the state (204, then GET 404) and the chat's version keeps counting", async () => {
    const chat = unique("chat");
    await put(chat, { state: "one", data: { secret: "phone" } });
    await put(chat, { state: "two", data: { secret: "phone" } });
    const deleted = await remove(chat);
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe("");
    expect(expectProblem(await get(chat), 404, "not_found")).toMatchObject({
      detail: `Chat "${chat}" of source ${sourceId} has no state.`,
      errors: [{ path: "chat_id", message: "has no state" }],
    });
    // A tombstone: no state, no data, the version moved on.
    expect(await rowsOf(chat)).toEqual([
      { state: null, data: null, version: 3, first_version: 1, updated_at: clock.at },
    ]);

    // A version held from before the delete matches nothing after it.
    expectProblem(await put(chat, { state: "stale" }, { "if-match": '"2"' }), 412, "precondition_failed");
    const revived = await put(chat, { state: "again" }, { "if-none-match": "*" });
    expectState(revived, 201, {
      source_id: sourceId,
      chat_id: chat,
      state: "again",
      data: {},
      version: 4,
      updated_at: clock.at.toISOString(),
    });
    expectProblem(await put(chat, { state: "stale" }, { "if-match": '"2"' }), 412, "precondition_failed");
    expect((await put(chat, { state: "next" }, { "if-match": '"4"' })).statusCode).toBe(200);
  });

  it("is a 204 when there is no state, and then writes nothing", async () => {
    const chat = unique("chat");
    expect((await remove(chat)).statusCode).toBe(204);
    await put(chat, { state: "one" });
    await remove(chat);
    const tombstone = await rowsOf(chat);
    expect((await remove(chat)).statusCode).toBe(204);
    expect(await rowsOf(chat)).toEqual(tombstone);
  });

  it("honours If-Match: the current version deletes, a stale one or a missing state is a 412", async () => {
    const chat = unique("chat");
    await put(chat, { state: "one" });
    await put(chat, { state: "two" });
    const stale = await remove(chat, { "if-match": '"1"' });
    expect(expectProblem(stale, 412, "precondition_failed")).toMatchObject({
      detail: `Chat "${chat}" of source ${sourceId} is at version 2, and If-Match is "1"; nothing was written.`,
      errors: [{ path: "if-match", message: "the state is at version 2" }],
    });
    expect((await get(chat)).json()).toMatchObject({ state: "two", version: 2 });
    expect((await remove(chat, { "if-match": '"2"' })).statusCode).toBe(204);
    for (const ifMatch of ['"3"', "*"]) {
      const gone = await remove(chat, { "if-match": ifMatch });
      expect(expectProblem(gone, 412, "precondition_failed").errors).toEqual([
        { path: "if-match", message: "the chat has no state" },
      ]);
    }
  });
});

describe("404s", () => {
  it("an unknown source is a 404 naming source_id on every method, nothing written", async () => {
    for (const response of [
      await put("1", { state: "x" }, {}, 424242),
      await get("1", 424242),
      await remove("1", {}, 424242),
    ]) {
      expect(expectProblem(response, 404, "not_found")).toMatchObject({
        detail: "Source 424242 does not exist; nothing was stored.",
        errors: [{ path: "source_id", message: "source 424242 does not exist" }],
      });
    }
    expect(await query(t.testDatabase.url, "SELECT * FROM bot_states WHERE source_id = 424242")).toEqual([]);
  });

  it("an archived source takes no writes; its states stay readable and deletable", async () => {
    const source = (await createSource(t.app)).id;
    await put("7", { state: "kept" }, {}, source);
    expect((await t.app.inject({ method: "DELETE", url: `/sources/${source}` })).statusCode).toBe(204);
    const conditions: Record<string, string>[] = [{}, { "if-match": '"1"' }, { "if-none-match": "*" }];
    for (const headers of conditions) {
      const refused = await put("7", { state: "new" }, headers, source);
      expect(expectProblem(refused, 404, "not_found")).toMatchObject({
        detail: `Source ${source} is archived; nothing was stored.`,
        errors: [{ path: "source_id", message: `source ${source} is archived` }],
      });
    }
    expect((await put("8", { state: "new" }, {}, source)).statusCode).toBe(404);
    expect((await get("7", source)).json()).toMatchObject({ state: "kept", version: 1 });
    expect((await remove("7", {}, source)).statusCode).toBe(204);
    expect((await get("7", source)).statusCode).toBe(404);
  });
});

describe("bad input", () => {
  const chat = "bad-input-chat";
  beforeAll(async () => {
    await put(chat, { state: "kept", data: { a: 1 } });
  });

  /** Each refusal: a 400 naming exactly these fields, and the chat's row as it was. */
  async function refused(response: Promise<LightMyRequestResponse>, ...paths: string[]) {
    const before = await rowsOf(chat);
    const problem = expectValidationError(await response, ...paths);
    expect(await rowsOf(chat)).toEqual(before);
    return problem;
  }

  it.each([
    ["an empty state", { state: "" }, "state"],
    ["a state of 101 characters", { state: "s".repeat(101) }, "state"],
    ["a blank state", { state: "\u200b" }, "state"],
    ["a state with NUL", { state: "a\u0000b" }, "state"],
    ["no state", { data: {} }, "state"],
    ["a null state", { state: null }, "state"],
    ["data as an array", { state: "x", data: [1, 2] }, "data"],
    ["data as a string", { state: "x", data: "{}" }, "data"],
    ["data null", { state: "x", data: null }, "data"],
    ["an unknown field", { state: "x", version: 3 }, "version"],
  ])("%s", async (_, payload, path) => {
    await refused(put(chat, payload), path);
  });

  it("data over 64 KiB as JSON: a 400 naming data, saying its size", async () => {
    const filler = "x".repeat(64 * 1024 - JSON.stringify({ text: "" }).length + 1);
    const problem = await refused(put(chat, { state: "x", data: { text: filler } }), "data");
    expect(problem.errors?.[0]?.message).toBe("must be at most 65536 bytes as JSON (it is 65537)");
    // Counted in bytes, not characters: 2-byte characters reach the limit at half the count.
    await refused(put(chat, { state: "x", data: { text: "é".repeat(33_000) } }), "data");
  });

  it("a body over BODY_LIMIT_BYTES is a 413 before any of that", async () => {
    const big = JSON.stringify({ state: "x", data: { text: "x".repeat(1024 * 1024) } });
    const before = await rowsOf(chat);
    const response = await t.app.inject({
      method: "PUT",
      url: url(chat),
      payload: big,
      headers: { "content-type": "application/json" },
    });
    expectProblem(response, 413, "payload_too_large");
    expect(await rowsOf(chat)).toEqual(before);
  });

  it.each([
    ["unquoted", "1"],
    ["weak", 'W/"1"'],
    ["a list", '"1", "2"'],
    ["zero", '"0"'],
    ["a leading zero", '"01"'],
    ["past int4", '"2147483648"'],
    ["not a number", '"abc"'],
    ["empty", ""],
  ])("If-Match %s is a 400 naming if-match", async (_, value) => {
    await refused(put(chat, { state: "x" }, { "if-match": value }), "if-match");
    const before = await rowsOf(chat);
    expectValidationError(await remove(chat, { "if-match": value }), "if-match");
    expect(await rowsOf(chat)).toEqual(before);
  });

  it("If-None-Match other than *, or sent with If-Match, is a 400 naming if-none-match", async () => {
    await refused(put(chat, { state: "x" }, { "if-none-match": '"1"' }), "if-none-match");
    await refused(put(chat, { state: "x" }, { "if-match": '"1"', "if-none-match": "*" }), "if-none-match");
  });

  it.each([
    ["a source id of 0", "/bot-state/0/1", "source_id"],
    ["a source id that is not a number", "/bot-state/abc/1", "source_id"],
    ["a chat id of 201 characters", `/bot-state/SOURCE/${"9".repeat(201)}`, "chat_id"],
    ["a chat id with NUL", "/bot-state/SOURCE/a%00b", "chat_id"],
  ])("%s is a 400 naming it", async (_, path, field) => {
    const target = path.replace("SOURCE", String(sourceId));
    for (const method of ["GET", "PUT", "DELETE"] as const) {
      const response = await t.app.inject({
        method,
        url: target,
        ...(method === "PUT" && { payload: { state: "x" } }),
      });
      expectValidationError(response, field);
    }
    expect(
      await query(
        t.testDatabase.url,
        "SELECT count(*)::int AS n FROM bot_states WHERE length(chat_id) > 200",
      ),
    ).toEqual([{ n: 0 }]);
  });
});
