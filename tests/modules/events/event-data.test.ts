// An event's data is the resource exactly as the API shows it right after the change:
// each writer's event held against the GET answer (or the route's own answer) at that moment.
import { describe, expect, it } from "vitest";
import { createAppeal, createOperator, createSource, setWeights, unique } from "../../helpers/factories.js";
import { query } from "../../helpers/sql.js";
import { useTestApp } from "../../helpers/test-app.js";

const t = useTestApp();

/** The data of the newest event of this type about this entity. */
async function dataOf(type: string, entityId: number): Promise<unknown> {
  const [row] = await query<{ data: unknown }>(
    t.testDatabase.url,
    "SELECT data FROM events WHERE type = $1 AND entity_id = $2 ORDER BY id DESC LIMIT 1",
    [type, entityId],
  );
  return row?.data;
}

const get = async (url: string) => {
  const response = await t.app.inject({ method: "GET", url });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as Record<string, unknown>;
};

describe("the data of each event", () => {
  it("message.created (the intake's and a posted one) and appeal.closed after a reply: as the GETs show them", async () => {
    const source = await createSource(t.app);
    const operator = await createOperator(t.app, { max_load: 5 });
    await setWeights(t.app, source.id, [{ operator_id: operator.id, weight: 1 }]);
    const appeal = await createAppeal(t.app, { source_id: source.id, message: "Is it in stock?" });
    const reply = await t.app.inject({
      method: "POST",
      url: `/appeals/${appeal.appeal_id}/messages`,
      payload: {
        text: "It is.",
        sender: "operator",
        external_id: "m-1",
        attachments: [{ kind: "link", url: "https://example.com/item" }],
      },
    });
    expect(reply.statusCode, reply.body).toBe(201);
    const page = (await get(`/appeals/${appeal.appeal_id}/messages`)) as { items: { id: number }[] };
    expect(page.items).toHaveLength(2);
    for (const message of page.items) expect(await dataOf("message.created", message.id)).toEqual(message);
    expect(page.items[1]).toEqual(reply.json());

    const closed = await t.app.inject({ method: "PATCH", url: `/appeals/${appeal.appeal_id}/close` });
    expect(closed.statusCode).toBe(200);
    const shown = await get(`/appeals/${appeal.appeal_id}`);
    expect(shown.first_response_at).toBe((reply.json() as { created_at: string }).created_at);
    expect(await dataOf("appeal.closed", appeal.appeal_id)).toEqual(shown);
  });

  it("lead.created and lead.updated: the lead as GET /leads/{id} shows it", async () => {
    const source = await createSource(t.app);
    const externalId = unique("lead");
    const first = await createAppeal(t.app, {
      source_id: source.id,
      lead_external_id: externalId,
      lead_name: "Ann",
    });
    expect(await dataOf("lead.created", first.lead_id)).toEqual(await get(`/leads/${first.lead_id}`));
    await createAppeal(t.app, {
      source_id: source.id,
      lead_external_id: externalId,
      lead_phone: "+79160000000",
    });
    const lead = await get(`/leads/${first.lead_id}`);
    expect(lead).toMatchObject({ name: "Ann", phone: "+79160000000", appeals_count: 2 });
    expect(await dataOf("lead.updated", first.lead_id)).toEqual(lead);
  });

  it("appeal.assigned of a transfer and appeal.reopened: the appeal as GET /appeals/{id} shows it", async () => {
    const source = await createSource(t.app);
    const [a, b] = [
      await createOperator(t.app, { max_load: 5 }),
      await createOperator(t.app, { max_load: 5 }),
    ];
    await setWeights(t.app, source.id, [{ operator_id: a.id, weight: 1 }]);
    const appeal = await createAppeal(t.app, { source_id: source.id });
    const moved = await t.app.inject({
      method: "PATCH",
      url: `/appeals/${appeal.appeal_id}/assign`,
      payload: { operator_id: b.id, force: true },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    const shown = await get(`/appeals/${appeal.appeal_id}`);
    expect(shown).toMatchObject({ operator: { id: b.id } });
    expect(await dataOf("appeal.assigned", appeal.appeal_id)).toEqual(shown);
    await t.app.inject({ method: "PATCH", url: `/appeals/${appeal.appeal_id}/close` });
    const reopened = await t.app.inject({ method: "PATCH", url: `/appeals/${appeal.appeal_id}/reopen` });
    expect(reopened.statusCode, reopened.body).toBe(200);
    expect(await dataOf("appeal.reopened", appeal.appeal_id)).toEqual(
      await get(`/appeals/${appeal.appeal_id}`),
    );
  });

  it("operator.archived: the operator as GET /operators/{id} shows it, archived", async () => {
    const operator = await createOperator(t.app);
    const archived = await t.app.inject({ method: "DELETE", url: `/operators/${operator.id}` });
    expect(archived.statusCode, archived.body).toBe(204);
    const shown = await get(`/operators/${operator.id}`);
    expect(shown.archived_at).not.toBeNull();
    expect(await dataOf("operator.archived", operator.id)).toEqual(shown);
  });

  it("source.created, source.updated, source.archived and weights.replaced: as the source routes show them", async () => {
    const source = await createSource(t.app);
    expect(await dataOf("source.created", source.id)).toEqual(await get(`/sources/${source.id}`));
    const renamed = await t.app.inject({
      method: "PATCH",
      url: `/sources/${source.id}`,
      payload: { name: unique("s") },
    });
    expect(await dataOf("source.updated", source.id)).toEqual(renamed.json());
    const operator = await createOperator(t.app);
    await setWeights(t.app, source.id, [{ operator_id: operator.id, weight: 7 }]);
    expect(await dataOf("weights.replaced", source.id)).toEqual({
      source_id: source.id,
      weights: await (await t.app.inject({ method: "GET", url: `/sources/${source.id}/weights` })).json(),
    });
    await t.app.inject({ method: "DELETE", url: `/sources/${source.id}` });
    expect(await dataOf("source.archived", source.id)).toEqual(
      await get(`/sources/${source.id}?include_archived=true`),
    );
  });

  it("material.created, material.updated and material.archived: the material as GET /materials/{id} shows it", async () => {
    const created = await t.app.inject({
      method: "POST",
      url: "/materials",
      payload: {
        title: unique("m"),
        category: "article",
        media: [{ kind: "photo", url: "https://example.com/a.jpg" }],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json() as { id: number };
    expect(await dataOf("material.created", id)).toEqual(await get(`/materials/${id}`));
    const updated = await t.app.inject({
      method: "PATCH",
      url: `/materials/${id}`,
      payload: { published: true },
    });
    expect(updated.statusCode, updated.body).toBe(200);
    expect(await dataOf("material.updated", id)).toEqual(await get(`/materials/${id}`));
    expect((await t.app.inject({ method: "DELETE", url: `/materials/${id}` })).statusCode).toBe(204);
    const archived = await get(`/materials/${id}`);
    expect(archived.archived_at).not.toBeNull();
    expect(await dataOf("material.archived", id)).toEqual(archived);
  });

  it("bot_script.created, bot_script.updated and appeal.created of a scripted source: as the GETs show them", async () => {
    const created = await t.app.inject({
      method: "POST",
      url: "/bot-scripts",
      payload: { name: unique("script"), content: "v1" },
    });
    const id = (created.json() as { id: number }).id;
    expect(await dataOf("bot_script.created", id)).toEqual(await get(`/bot-scripts/${id}`));
    await t.app.inject({ method: "PATCH", url: `/bot-scripts/${id}`, payload: { content: "v2" } });
    const shown = await get(`/bot-scripts/${id}`);
    expect(shown).toMatchObject({ version: 2, content: "v2" });
    expect(await dataOf("bot_script.updated", id)).toEqual(shown);

    const source = await t.app.inject({
      method: "POST",
      url: "/sources",
      payload: { name: unique("source"), bot_script_id: id },
    });
    const sourceId = (source.json() as { id: number }).id;
    const appeal = await createAppeal(t.app, { source_id: sourceId, message: "hi" });
    const appealShown = await get(`/appeals/${appeal.appeal_id}`);
    expect(appealShown).toMatchObject({ status: "pending", bot_script_id: id, bot_script_version: 2 });
    expect(await dataOf("appeal.created", appeal.appeal_id)).toEqual(appealShown);
  });

  it("api_key.created and api_key.revoked: the key as the API shows it, never the secret", async () => {
    const created = await t.app.inject({
      method: "POST",
      url: "/api-keys",
      payload: { role: "viewer", label: unique("k") },
    });
    expect(created.statusCode, created.body).toBe(201);
    // The first key ends open mode: from here on the routes want a key; the service is used directly.
    const { key, ...shown } = created.json() as { id: number; key: string };
    const data = await dataOf("api_key.created", shown.id);
    expect(data).toEqual({ ...shown, last_used_at: null, revoked_at: null });
    expect(JSON.stringify(data)).not.toContain(key);
    await t.deps.apiKeys.revoke(shown.id, "admin");
    const [row] = await query<{ revoked_at: Date }>(
      t.testDatabase.url,
      "SELECT revoked_at FROM api_keys WHERE id = $1",
      [shown.id],
    );
    expect(await dataOf("api_key.revoked", shown.id)).toEqual({
      ...shown,
      last_used_at: null,
      revoked_at: row?.revoked_at.toISOString(),
    });
  });
});
