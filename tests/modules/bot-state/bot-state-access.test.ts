// Who reads and writes the bots' dialog state, source by source: admins and bots (intake keys)
// read, write and delete; a key with source_ids only within its sources (another source is the
// 404 of a missing one, nothing read or written); viewers read (every GET); operator keys nothing.
import type { LightMyRequestResponse } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { query } from "../../helpers/sql.js";
import { useTestApp } from "../../helpers/test-app.js";
import { expectProblem } from "../../http/problem-assertions.js";

const t = useTestApp();
const keys = { admin: "", viewer: "", intake: "", scoped: "", operator: "" };
const sources = { mine: 0, theirs: 0 };

type Method = "GET" | "PUT" | "DELETE";
const as = (key: string, method: Method, source: number, chat: string, payload?: object) =>
  t.app.inject({
    method,
    url: `/bot-state/${source}/${chat}`,
    headers: { authorization: `Bearer ${key}` },
    ...(payload && { payload }),
  });

/** Every row of the table: a refusal leaves it as it was. */
const allRows = () => query(t.testDatabase.url, "SELECT * FROM bot_states ORDER BY source_id, chat_id");

beforeAll(async () => {
  sources.mine = (await t.deps.sources.create({ name: "access: my bot", strategy: "weighted" }, "test")).id;
  sources.theirs = (
    await t.deps.sources.create({ name: "access: their bot", strategy: "weighted" }, "test")
  ).id;
  const operator = await t.deps.operators.create(
    { name: "access operator", is_active: true, max_load: 1 },
    "test",
  );
  const key = async (label: string, role: "admin" | "viewer" | "intake" | "operator", extra = {}) =>
    (await t.deps.apiKeys.create({ label, role, ...extra }, "test")).key;
  keys.admin = await key("admin", "admin");
  keys.viewer = await key("viewer", "viewer");
  keys.intake = await key("bot", "intake");
  keys.scoped = await key("scoped bot", "intake", { sourceIds: [sources.mine] });
  keys.operator = await key("operator", "operator", { operatorId: operator.id });
  // A state in each source, written by an admin.
  for (const source of [sources.mine, sources.theirs]) {
    expect((await as(keys.admin, "PUT", source, "42", { state: "seeded" })).statusCode).toBe(201);
  }
});

describe.each([
  ["an admin key", "admin"],
  ["an intake key", "intake"],
] as const)("%s", (_, kind) => {
  it("reads, writes and deletes in any source", async () => {
    for (const source of [sources.mine, sources.theirs]) {
      const chat = `${kind}-chat`;
      expect((await as(keys[kind], "PUT", source, chat, { state: "one" })).statusCode).toBe(201);
      expect((await as(keys[kind], "GET", source, chat)).json()).toMatchObject({ state: "one", version: 1 });
      expect((await as(keys[kind], "DELETE", source, chat)).statusCode).toBe(204);
    }
  });
});

describe("an intake key with source_ids", () => {
  it("reads, writes and deletes in its sources", async () => {
    const written = await as(keys.scoped, "PUT", sources.mine, "scoped-chat", { state: "mine" });
    expect(written.statusCode, written.body).toBe(201);
    expect((await as(keys.scoped, "GET", sources.mine, "42")).json()).toMatchObject({ state: "seeded" });
    expect((await as(keys.scoped, "DELETE", sources.mine, "scoped-chat")).statusCode).toBe(204);
  });

  it("gets the 404 of a missing source for another, on every method, nothing read or written", async () => {
    const before = await allRows();
    const strip = (response: LightMyRequestResponse) => {
      const { request_id: _, instance: __, ...problem } = expectProblem(response, 404, "not_found");
      return problem;
    };
    for (const [method, payload] of [["GET"], ["PUT", { state: "theirs" }], ["DELETE"]] as const) {
      const theirs = strip(await as(keys.scoped, method, sources.theirs, "42", payload));
      const missing = strip(await as(keys.scoped, method, 424242, "42", payload));
      expect(theirs).toEqual({
        ...missing,
        detail: `Source ${sources.theirs} does not exist; nothing was stored.`,
        errors: [{ path: "source_id", message: `source ${sources.theirs} does not exist` }],
      });
    }
    expect(await allRows()).toEqual(before);
    expect((await as(keys.admin, "GET", sources.theirs, "42")).json()).toMatchObject({
      state: "seeded",
      version: 1,
    });
  });
});

describe("a viewer key", () => {
  it("reads (every GET), and gets a 403 on PUT and DELETE, nothing written", async () => {
    const read = await as(keys.viewer, "GET", sources.theirs, "42");
    expect(read.statusCode, read.body).toBe(200);
    expect(read.headers.etag).toBe('"1"');
    const before = await allRows();
    for (const [method, payload] of [["PUT", { state: "viewer" }], ["DELETE"]] as const) {
      const problem = expectProblem(
        await as(keys.viewer, method, sources.theirs, "42", payload),
        403,
        "forbidden",
      );
      expect(problem.detail).toBe(
        "This route needs the role admin or intake; the API key has the role viewer.",
      );
    }
    expect(await allRows()).toEqual(before);
  });
});

describe("an operator key", () => {
  it("gets a 403 on every method: it keeps no bot's dialog", async () => {
    const before = await allRows();
    for (const [method, payload] of [["GET"], ["PUT", { state: "operator" }], ["DELETE"]] as const) {
      expectProblem(await as(keys.operator, method, sources.mine, "42", payload), 403, "forbidden");
    }
    expect(await allRows()).toEqual(before);
  });
});
