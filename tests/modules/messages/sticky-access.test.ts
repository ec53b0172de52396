// Who may post to a lead's conversation (API.md "Roles", "Conversations"): admin and intake keys;
// an intake key with source_ids only through its sources, any other source being the 404 of an
// unknown one (even where the lead has an open appeal), before anything is read or written;
// viewer and operator keys a 403. The events name the key that caused them.
import { beforeAll, describe, expect, it } from "vitest";
import { query } from "../../helpers/sql.js";
import { useTestApp } from "../../helpers/test-app.js";
import { expectProblem } from "../../http/problem-assertions.js";

const t = useTestApp();
const keys = {} as Record<"admin" | "intake" | "scoped" | "viewer" | "operator", string>;
const ids = { mine: 0, theirs: 0, operator: 0 };

async function staffedSource(name: string) {
  const operator = await t.deps.operators.create({ name, is_active: true, max_load: 50 }, "test");
  const source = await t.deps.sources.create({ name: `${name}'s source`, strategy: "weighted" }, "test");
  await t.deps.sources.replaceWeights(source.id, [{ operator_id: operator.id, weight: 1 }], "test");
  return { sourceId: source.id, operatorId: operator.id };
}

beforeAll(async () => {
  const mine = await staffedSource("sticky operator A");
  const theirs = await staffedSource("sticky operator B");
  Object.assign(ids, { mine: mine.sourceId, theirs: theirs.sourceId, operator: mine.operatorId });
  const create = async (label: string, role: "admin" | "intake" | "viewer" | "operator", extra = {}) =>
    (await t.deps.apiKeys.create({ label, role, ...extra }, "test")).key;
  keys.admin = await create("sticky admin", "admin");
  keys.intake = await create("sticky bot", "intake");
  keys.scoped = await create("sticky scoped bot", "intake", { sourceIds: [mine.sourceId] });
  keys.viewer = await create("sticky viewer", "viewer");
  keys.operator = await create("sticky operator", "operator", { operatorId: mine.operatorId });
});

const post = (key: string, lead: string, payload: object) =>
  t.app.inject({
    method: "POST",
    url: `/leads/by-external-id/${lead}/messages`,
    headers: { authorization: `Bearer ${key}` },
    payload,
  });

async function written() {
  const [row] = await query(
    t.testDatabase.url,
    `SELECT (SELECT count(*)::int FROM leads) AS leads, (SELECT count(*)::int FROM appeals) AS appeals,
            (SELECT count(*)::int FROM messages) AS messages, (SELECT count(*)::int FROM events) AS events`,
  );
  return row;
}

describe("POST /leads/by-external-id/{external_id}/messages by role", () => {
  it("admin and intake keys post; the events name the key", async () => {
    const byBot = await post(keys.intake, "access-lead-1", { source_id: ids.theirs, text: "hi" });
    expect(byBot.statusCode, byBot.body).toBe(201);
    const byAdmin = await post(keys.admin, "access-lead-1", {
      source_id: ids.theirs,
      text: "and?",
      sender: "bot",
    });
    expect(byAdmin.statusCode, byAdmin.body).toBe(201);
    expect(byAdmin.json().appeal.id).toBe(byBot.json().appeal.id);
    const actors = await query<{ type: string; actor: string }>(
      t.testDatabase.url,
      "SELECT type, actor FROM events WHERE appeal_id = $1 ORDER BY id",
      [byBot.json().appeal.id],
    );
    expect(actors).toEqual([
      { type: "appeal.created", actor: "sticky bot" },
      { type: "appeal.assigned", actor: "sticky bot" },
      { type: "message.created", actor: "sticky bot" },
      { type: "message.created", actor: "sticky admin" },
    ]);
  });

  it("viewer and operator keys get a 403 and write nothing", async () => {
    const before = await written();
    for (const key of [keys.viewer, keys.operator]) {
      expectProblem(await post(key, "access-lead-2", { source_id: ids.mine, text: "hi" }), 403, "forbidden");
    }
    expect(await written()).toEqual(before);
  });

  it("a scoped intake key posts through its sources; any other is the 404 of an unknown source", async () => {
    const allowed = await post(keys.scoped, "access-lead-3", { source_id: ids.mine, text: "hi" });
    expect(allowed.statusCode, allowed.body).toBe(201);
    expect(allowed.json()).toMatchObject({ appeal_created: true, appeal: { source_id: ids.mine } });

    // The lead has an open appeal through the other source: the scoped key cannot tell.
    const open = await post(keys.intake, "access-lead-3", { source_id: ids.theirs, text: "elsewhere" });
    expect(open.statusCode).toBe(201);
    const before = await written();
    const outside = expectProblem(
      await post(keys.scoped, "access-lead-3", { source_id: ids.theirs, text: "sneaky", external_id: "x-1" }),
      404,
      "not_found",
    );
    const unknown = expectProblem(
      await post(keys.scoped, "access-lead-3", { source_id: 424242, text: "sneaky" }),
      404,
      "not_found",
    );
    expect(outside.errors).toEqual([{ path: "source_id", message: `source ${ids.theirs} does not exist` }]);
    expect(unknown.errors).toEqual([{ path: "source_id", message: "source 424242 does not exist" }]);
    expect(await written()).toEqual(before);
  });
});
