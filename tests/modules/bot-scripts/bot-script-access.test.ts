// Who reads and writes bot scripts, object by object: admins write; viewers read everything;
// bots (intake keys) read the script they follow and its versions, a key with source_ids only the
// scripts its sources name (any other is the 404 of a missing one); operator keys nothing.
import { beforeAll, describe, expect, it } from "vitest";
import { useTestApp } from "../../helpers/test-app.js";
import { expectProblem } from "../../http/problem-assertions.js";

const t = useTestApp();
const keys = { admin: "", viewer: "", intake: "", scoped: "", operator: "" };
const ids = { mine: 0, theirs: 0, unlinked: 0, source: 0 };

const as = (key: string, method: "GET" | "POST" | "PATCH", url: string, payload?: object) =>
  t.app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload && { payload }) });

beforeAll(async () => {
  const create = async (name: string) =>
    (await t.deps.botScripts.create({ name, content: `${name}: say hello` }, "test")).id;
  ids.mine = await create("access: my bot's script");
  ids.theirs = await create("access: another bot's script");
  ids.unlinked = await create("access: nobody's script");
  await t.deps.botScripts.update(ids.mine, { content: "my bot's script, v2" }, "test");
  const mine = await t.deps.sources.create(
    { name: "access: my source", strategy: "weighted", bot_script_id: ids.mine },
    "test",
  );
  await t.deps.sources.create(
    { name: "access: their source", strategy: "weighted", bot_script_id: ids.theirs },
    "test",
  );
  ids.source = mine.id;
  const operator = await t.deps.operators.create(
    { name: "access operator", is_active: true, max_load: 1 },
    "test",
  );
  const key = async (label: string, role: "admin" | "viewer" | "intake" | "operator", extra = {}) =>
    (await t.deps.apiKeys.create({ label, role, ...extra }, "test")).key;
  keys.admin = await key("admin", "admin");
  keys.viewer = await key("viewer", "viewer");
  keys.intake = await key("bot", "intake");
  keys.scoped = await key("scoped bot", "intake", { sourceIds: [mine.id] });
  keys.operator = await key("operator", "operator", { operatorId: operator.id });
});

describe("a scoped intake key", () => {
  it("reads the script its source names and its versions", async () => {
    const script = await as(keys.scoped, "GET", `/bot-scripts/${ids.mine}`);
    expect(script.statusCode, script.body).toBe(200);
    expect(script.json()).toMatchObject({ id: ids.mine, version: 2, content: "my bot's script, v2" });
    const versions = await as(keys.scoped, "GET", `/bot-scripts/${ids.mine}/versions`);
    expect(versions.statusCode, versions.body).toBe(200);
    expect(versions.json().items.map((v: { version: number }) => v.version)).toEqual([1, 2]);
  });

  it("gets the 404 of a missing script for any other, on both routes", async () => {
    for (const suffix of ["", "/versions"]) {
      const missing = expectProblem(
        await as(keys.scoped, "GET", `/bot-scripts/424242${suffix}`),
        404,
        "not_found",
      );
      for (const id of [ids.theirs, ids.unlinked]) {
        const other = expectProblem(
          await as(keys.scoped, "GET", `/bot-scripts/${id}${suffix}`),
          404,
          "not_found",
        );
        expect({ ...other, request_id: null, instance: null }).toEqual({
          ...missing,
          request_id: null,
          instance: null,
          detail: `Bot script ${id} does not exist.`,
        });
      }
    }
  });

  it("loses the script when its source names another one", async () => {
    await t.deps.sources.update(ids.source, { bot_script_id: ids.unlinked }, "test");
    try {
      expect((await as(keys.scoped, "GET", `/bot-scripts/${ids.mine}`)).statusCode).toBe(404);
      expect((await as(keys.scoped, "GET", `/bot-scripts/${ids.unlinked}`)).statusCode).toBe(200);
    } finally {
      await t.deps.sources.update(ids.source, { bot_script_id: ids.mine }, "test");
    }
  });
});

describe("the other keys", () => {
  it("an unscoped intake key reads any script and its versions, but lists and writes none", async () => {
    for (const id of [ids.mine, ids.theirs, ids.unlinked]) {
      expect((await as(keys.intake, "GET", `/bot-scripts/${id}`)).statusCode).toBe(200);
      expect((await as(keys.intake, "GET", `/bot-scripts/${id}/versions`)).statusCode).toBe(200);
    }
    expectProblem(await as(keys.intake, "GET", "/bot-scripts"), 403, "forbidden");
    expectProblem(
      await as(keys.intake, "POST", "/bot-scripts", { name: "x", content: "y" }),
      403,
      "forbidden",
    );
    expectProblem(
      await as(keys.intake, "PATCH", `/bot-scripts/${ids.mine}`, { content: "y" }),
      403,
      "forbidden",
    );
  });

  it("a viewer reads everything and writes nothing; an operator key reads nothing", async () => {
    const list = await as(keys.viewer, "GET", "/bot-scripts");
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((s: { id: number }) => s.id)).toEqual([ids.mine, ids.theirs, ids.unlinked]);
    expectProblem(
      await as(keys.viewer, "PATCH", `/bot-scripts/${ids.mine}`, { content: "y" }),
      403,
      "forbidden",
    );
    for (const url of ["/bot-scripts", `/bot-scripts/${ids.mine}`, `/bot-scripts/${ids.mine}/versions`]) {
      expectProblem(await as(keys.operator, "GET", url), 403, "forbidden");
    }
  });

  it("an admin writes; the audit trail names its key", async () => {
    const created = await as(keys.admin, "POST", "/bot-scripts", { name: "access: admin's", content: "hi" });
    expect(created.statusCode, created.body).toBe(201);
    const [event] = await t.database.prisma.event.findMany({
      where: { type: "bot_script.created", entityId: created.json().id },
      select: { actor: true },
    });
    expect(event?.actor).toBe("admin");
  });
});
