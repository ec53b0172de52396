// Who may post what in a conversation (API.md "Roles", "Conversations"): intake keys lead and
// bot messages (a scoped one only on appeals of its sources), operator keys operator messages
// on their own appeals, viewers read; a wrong sender is a 403, an appeal outside the key's reach
// the 404 of a missing one, and neither writes anything.
import { beforeAll, describe, expect, it } from "vitest";
import { query } from "../../helpers/sql.js";
import { useTestApp } from "../../helpers/test-app.js";
import { expectProblem } from "../../http/problem-assertions.js";

const t = useTestApp();
const keys = {} as Record<"admin" | "intake" | "scoped" | "viewer" | "operatorA" | "operatorB", string>;
const ids = { operatorA: 0, operatorB: 0, appealA: 0, appealB: 0 };

async function operatorWithAppeal(name: string) {
  const operator = await t.deps.operators.create({ name, is_active: true, max_load: 5 }, "test");
  const source = await t.deps.sources.create({ name: `${name}'s source`, strategy: "weighted" }, "test");
  await t.deps.sources.replaceWeights(source.id, [{ operator_id: operator.id, weight: 1 }], "test");
  const { appeal } = await t.deps.appeals.create(
    { source_id: source.id, lead_external_id: `lead of ${name}`, message: `hello ${name}` },
    "test",
  );
  expect(appeal.operator?.id).toBe(operator.id);
  return { operatorId: operator.id, sourceId: source.id, appealId: appeal.appeal_id };
}

beforeAll(async () => {
  const a = await operatorWithAppeal("operator A");
  const b = await operatorWithAppeal("operator B");
  Object.assign(ids, {
    operatorA: a.operatorId,
    operatorB: b.operatorId,
    appealA: a.appealId,
    appealB: b.appealId,
  });
  const create = async (label: string, role: "admin" | "intake" | "viewer" | "operator", extra = {}) =>
    (await t.deps.apiKeys.create({ label, role, ...extra }, "test")).key;
  keys.admin = await create("messages admin", "admin");
  keys.intake = await create("messages bot", "intake");
  keys.scoped = await create("messages scoped bot", "intake", { sourceIds: [a.sourceId] });
  keys.viewer = await create("messages viewer", "viewer");
  keys.operatorA = await create("messages operator A", "operator", { operatorId: a.operatorId });
  keys.operatorB = await create("messages operator B", "operator", { operatorId: b.operatorId });
});

const post = (key: string, appealId: number, payload: object) =>
  t.app.inject({
    method: "POST",
    url: `/appeals/${appealId}/messages`,
    headers: { authorization: `Bearer ${key}` },
    payload,
  });
const list = (key: string, appealId: number) =>
  t.app.inject({
    method: "GET",
    url: `/appeals/${appealId}/messages`,
    headers: { authorization: `Bearer ${key}` },
  });

async function count(): Promise<number> {
  const [row] = await query<{ n: number }>(
    t.testDatabase.url,
    "SELECT ((SELECT count(*) FROM messages) + (SELECT count(*) FROM events))::int AS n",
  );
  return row?.n ?? -1;
}

describe("an intake key", () => {
  it("posts lead and bot messages, recorded under its label; an operator message is a 403", async () => {
    for (const sender of ["lead", "bot"]) {
      const response = await post(keys.intake, ids.appealB, { text: `from the ${sender}`, sender });
      expect(response.statusCode, response.body).toBe(201);
      expect(response.json()).toMatchObject({ sender, operator_id: null, appeal_id: ids.appealB });
    }
    const [event] = await query<{ actor: string }>(
      t.testDatabase.url,
      "SELECT actor FROM events WHERE type = 'message.created' ORDER BY id DESC LIMIT 1",
    );
    expect(event?.actor).toBe("messages bot");
    const before = await count();
    const refused = expectProblem(
      await post(keys.intake, ids.appealB, { text: "pretending", sender: "operator" }),
      403,
      "forbidden",
    );
    expect(refused.errors).toEqual([{ path: "sender", message: "not allowed for role intake" }]);
    expect(await count()).toBe(before);
  });

  it("scoped to sources, writes and reads only appeals of those sources (404 elsewhere)", async () => {
    expect((await post(keys.scoped, ids.appealA, { text: "mine", sender: "bot" })).statusCode).toBe(201);
    expect((await list(keys.scoped, ids.appealA)).statusCode).toBe(200);
    const before = await count();
    expectProblem(
      await post(keys.scoped, ids.appealB, { text: "not mine", sender: "bot" }),
      404,
      "not_found",
    );
    expectProblem(await list(keys.scoped, ids.appealB), 404, "not_found");
    expect(await count()).toBe(before);
  });
});

describe("a viewer key", () => {
  it("reads a conversation and may not post in it", async () => {
    const page = await list(keys.viewer, ids.appealA);
    expect(page.statusCode).toBe(200);
    expect((page.json() as { items: { text: string }[] }).items[0]?.text).toBe("hello operator A");
    const before = await count();
    expectProblem(await post(keys.viewer, ids.appealA, { text: "hi", sender: "lead" }), 403, "forbidden");
    expect(await count()).toBe(before);
  });
});

describe("an operator key", () => {
  it("posts operator messages on its own appeals, as itself; lead or bot is a 403", async () => {
    const response = await post(keys.operatorA, ids.appealA, { text: "How can I help?", sender: "operator" });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({ sender: "operator", operator_id: ids.operatorA });
    const before = await count();
    for (const sender of ["lead", "bot"]) {
      expectProblem(await post(keys.operatorA, ids.appealA, { text: "x", sender }), 403, "forbidden");
    }
    expect(await count()).toBe(before);
  });

  it("finds another operator's appeal missing: 404 for its conversation, read or write", async () => {
    const before = await count();
    expectProblem(
      await post(keys.operatorA, ids.appealB, { text: "x", sender: "operator" }),
      404,
      "not_found",
    );
    expectProblem(await list(keys.operatorA, ids.appealB), 404, "not_found");
    expect(await count()).toBe(before);
    expect((await list(keys.operatorB, ids.appealB)).statusCode).toBe(200);
  });
});

describe("an admin key", () => {
  it("posts as any sender; its operator message is the appeal's operator's", async () => {
    for (const sender of ["lead", "bot"]) {
      expect((await post(keys.admin, ids.appealB, { text: sender, sender })).statusCode).toBe(201);
    }
    const reply = await post(keys.admin, ids.appealB, { text: "on behalf", sender: "operator" });
    expect(reply.statusCode, reply.body).toBe(201);
    expect(reply.json()).toMatchObject({ sender: "operator", operator_id: ids.operatorB });
  });
});
