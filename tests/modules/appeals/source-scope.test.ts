// Intake keys scoped to sources: a key with source_ids posts
// only into those sources and reads only their appeals. Anything else answers the
// 404 an unknown id gets, word for word, and writes nothing. An intake key without
// source_ids keeps the behaviour it had.
import type { LightMyRequestResponse } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { query } from "../../helpers/sql.js";
import { useTestApp } from "../../helpers/test-app.js";
import { expectProblem, ISO_UTC } from "../../http/problem-assertions.js";

const t = useTestApp();

const keys = { admin: "", scoped: "", unscoped: "" };
let sourceA = 0;
let sourceB = 0;
/** Appeals registered by the unscoped key before the tests: one in A, one in B. */
let appealA = 0;
let appealB = 0;
const LEAD_OF_B = "scope-lead-of-b";

function call(
  key: string,
  method: "GET" | "HEAD" | "POST",
  url: string,
  payload?: object,
  headers: Record<string, string> = {},
) {
  return t.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${key}`, ...headers },
    ...(payload && { payload }),
  });
}

async function created(response: LightMyRequestResponse): Promise<{ appeal_id: number; source_id: number }> {
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

/** The rows a rejected intake must leave alone. */
async function counts() {
  const [row] = await query<Record<string, number>>(
    t.testDatabase.url,
    `SELECT (SELECT count(*)::int FROM leads) AS leads,
            (SELECT count(*)::int FROM appeals) AS appeals,
            (SELECT count(*)::int FROM idempotency_keys) AS idempotency_keys,
            (SELECT count(*)::int FROM events) AS events`,
  );
  return row;
}

/** What an unknown source_id answers today, minus the per-request members. */
function unknownSource(id: number) {
  return {
    type: "about:blank",
    title: "Not found",
    status: 404,
    code: "not_found",
    detail: `Source ${id} does not exist; nothing was stored.`,
    errors: [{ path: "source_id", message: `source ${id} does not exist` }],
  };
}

function withoutRequest(body: object) {
  const { request_id: _, instance: __, ...rest } = body as Record<string, unknown>;
  return rest;
}

beforeAll(async () => {
  keys.admin = (await t.deps.apiKeys.create({ label: "scope admin", role: "admin" }, "test")).key;
  const source = async (name: string) => {
    const response = await call(keys.admin, "POST", "/sources", { name });
    expect(response.statusCode, response.body).toBe(201);
    return (response.json() as { id: number }).id;
  };
  sourceA = await source("scope A");
  sourceB = await source("scope B");
  keys.scoped = (
    await t.deps.apiKeys.create({ label: "bot of A", role: "intake", sourceIds: [sourceA] }, "test")
  ).key;
  keys.unscoped = (await t.deps.apiKeys.create({ label: "bot of all", role: "intake" }, "test")).key;
  appealA = (
    await created(
      await call(keys.unscoped, "POST", "/appeals", {
        lead_external_id: "scope-lead-of-a",
        source_id: sourceA,
      }),
    )
  ).appeal_id;
  appealB = (
    await created(
      await call(keys.unscoped, "POST", "/appeals", {
        lead_external_id: LEAD_OF_B,
        source_id: sourceB,
        message: "private to B",
        lead_name: "Bea",
        lead_phone: "+15550001111",
        lead_email: "bea@example.com",
      }),
    )
  ).appeal_id;
});

describe("a key scoped to source A", () => {
  it("posts into A", async () => {
    const response = await call(keys.scoped, "POST", "/appeals", {
      lead_external_id: "scope-new-lead",
      source_id: sourceA,
      message: "hello",
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toEqual({
      appeal_id: expect.any(Number),
      lead_id: expect.any(Number),
      lead_external_id: "scope-new-lead",
      source_id: sourceA,
      source_name: "scope A",
      operator: null,
      status: "pending",
      message: "hello",
      created_at: expect.stringMatching(ISO_UTC),
      bot_script_id: null,
      bot_script_version: null,
    });
  });

  it("posting into B is the 404 of an unknown source, and writes nothing: no lead, no appeal, no key, no event", async () => {
    const before = await counts();
    const intoB = await call(
      keys.scoped,
      "POST",
      "/appeals",
      { lead_external_id: LEAD_OF_B, source_id: sourceB, lead_name: "Mallory", lead_phone: "+15559999999" },
      { "idempotency-key": "scope-attempt-1" },
    );
    expect(withoutRequest(expectProblem(intoB, 404, "not_found"))).toEqual(unknownSource(sourceB));
    const newLead = await call(keys.scoped, "POST", "/appeals", {
      lead_external_id: "scope-lead-never",
      source_id: sourceB,
    });
    expect(withoutRequest(expectProblem(newLead, 404, "not_found"))).toEqual(unknownSource(sourceB));
    // Word for word what a source that does not exist answers.
    const missing = await call(keys.unscoped, "POST", "/appeals", {
      lead_external_id: "scope-lead-never",
      source_id: 424242,
    });
    expect(withoutRequest(expectProblem(missing, 404, "not_found"))).toEqual(unknownSource(424242));

    expect(await counts()).toEqual(before);
    const [lead] = await query(
      t.testDatabase.url,
      "SELECT name, phone, email FROM leads WHERE external_id = $1",
      [LEAD_OF_B],
    );
    expect(lead).toEqual({ name: "Bea", phone: "+15550001111", email: "bea@example.com" });
    const [never] = await query(
      t.testDatabase.url,
      "SELECT count(*)::int AS n FROM leads WHERE external_id = $1",
      ["scope-lead-never"],
    );
    expect(never).toEqual({ n: 0 });
  });

  it("reads A's appeal; B's appeal answers the 404 of an appeal that does not exist", async () => {
    const own = await call(keys.scoped, "GET", `/appeals/${appealA}`);
    expect(own.statusCode, own.body).toBe(200);
    expect(own.json()).toMatchObject({
      id: appealA,
      source_id: sourceA,
      lead_external_id: "scope-lead-of-a",
    });

    const other = await call(keys.scoped, "GET", `/appeals/${appealB}`);
    const missing = await call(keys.scoped, "GET", "/appeals/424242");
    expect(withoutRequest(expectProblem(other, 404, "not_found"))).toEqual({
      ...withoutRequest(expectProblem(missing, 404, "not_found")),
      detail: `Appeal ${appealB} does not exist.`,
    });
    expect(other.body).not.toContain(LEAD_OF_B);
    expect(other.body).not.toContain("private to B");
    expect((await call(keys.scoped, "HEAD", `/appeals/${appealB}`)).statusCode).toBe(404);
  });

  it("still may not list appeals (the intake role never could); the list itself is filtered to A", async () => {
    expectProblem(await call(keys.scoped, "GET", "/appeals"), 403, "forbidden");
    const scoped = await t.deps.appeals.list({ limit: 50 }, [sourceA]);
    expect(scoped.items.map((appeal) => appeal.source_id)).toEqual(scoped.items.map(() => sourceA));
    expect(scoped.items.map((appeal) => appeal.id)).toContain(appealA);
    expect(scoped.items.map((appeal) => appeal.id)).not.toContain(appealB);
    const [inA] = await query(
      t.testDatabase.url,
      "SELECT count(*)::int AS n FROM appeals WHERE source_id = $1",
      [sourceA],
    );
    expect(scoped.items).toHaveLength((inA as { n: number }).n);
    expect(await t.deps.appeals.list({ limit: 50, source_id: sourceB }, [sourceA])).toEqual({
      items: [],
      next_cursor: null,
    });
  });
});

describe("an intake key without source_ids", () => {
  it("posts into any source and reads every appeal, as before", async () => {
    const intoB = await created(
      await call(keys.unscoped, "POST", "/appeals", { lead_external_id: "scope-other", source_id: sourceB }),
    );
    expect(intoB.source_id).toBe(sourceB);
    for (const id of [appealA, appealB]) {
      const response = await call(keys.unscoped, "GET", `/appeals/${id}`);
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({ id });
    }
    const all = await t.deps.appeals.list({ limit: 50 }, null);
    const [total] = await query(t.testDatabase.url, "SELECT count(*)::int AS n FROM appeals");
    expect(all.items).toHaveLength((total as { n: number }).n);
    expect(all.items.map((appeal) => appeal.id)).toEqual(expect.arrayContaining([appealA, appealB]));
  });
});
