// API keys over HTTP: POST /api-keys shows the key once, GET /api-keys never
// shows it, DELETE /api-keys/{id} revokes it, refused here at once and by other instances
// within their cache time (an injected clock, no waiting). Refusals name the field and
// write nothing. AUTH=on throughout.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unique } from "../../helpers/factories.js";
import { query } from "../../helpers/sql.js";
import { type RunningApp, startTestApp, useTestApp } from "../../helpers/test-app.js";
import { expectProblem, ISO_UTC } from "../../http/problem-assertions.js";

const AUTH = { mode: "on", host: "127.0.0.1" } as const;
const t = useTestApp({ auth: AUTH });
const KEY_FORMAT = /^lds_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/;
const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

let admin = "";
let adminId = 0;
let operatorId = 0;
let sourceId = 0;

type Created = {
  id: number;
  key: string;
  role: string;
  label: string;
  operator_id: number | null;
  source_ids: number[] | null;
  created_at: string;
};
type Listed = Omit<Created, "key"> & { last_used_at: string | null; revoked_at: string | null };

function call(key: string, method: "GET" | "POST" | "DELETE", url: string, payload?: object, app = t.app) {
  return app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${key}` },
    ...(payload && { payload }),
  });
}

async function create(body: object): Promise<Created> {
  const response = await call(admin, "POST", "/api-keys", body);
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as Created;
}

async function listed(id: number): Promise<Listed | undefined> {
  const response = await call(admin, "GET", "/api-keys");
  expect(response.statusCode, response.body).toBe(200);
  return (response.json() as Listed[]).find((key) => key.id === id);
}

/** The rows a refused create must leave alone. */
async function counts() {
  const [row] = await query<{ keys: number; events: number }>(
    t.testDatabase.url,
    `SELECT (SELECT count(*)::int FROM api_keys) AS keys, (SELECT count(*)::int FROM events) AS events`,
  );
  return row;
}

beforeAll(async () => {
  const created = await t.deps.apiKeys.create({ label: "keys admin", role: "admin" }, "test");
  admin = created.key;
  adminId = created.apiKey.id;
  operatorId = (await t.deps.operators.create({ name: "Olga", is_active: true, max_load: 5 }, "test")).id;
  sourceId = (await t.deps.sources.create({ name: unique("keys source"), strategy: "weighted" }, "test")).id;
});

describe("POST /api-keys", () => {
  it("answers 201 with the key, once; it works at once; the audit trail names the admin, never the key", async () => {
    const response = await call(admin, "POST", "/api-keys", {
      role: "operator",
      label: "  Olga's console ",
      operator_id: operatorId,
    });
    expect(response.statusCode, response.body).toBe(201);
    const body = response.json() as Created;
    expect(body).toEqual({
      id: expect.any(Number),
      key: expect.stringMatching(KEY_FORMAT),
      role: "operator",
      label: "Olga's console",
      operator_id: operatorId,
      source_ids: null,
      created_at: expect.stringMatching(ISO_UTC),
    });
    expect(Object.keys(body)).toEqual([
      "id",
      "key",
      "role",
      "label",
      "operator_id",
      "source_ids",
      "created_at",
    ]);

    expect(await t.deps.apiKeys.authenticate(body.key)).toEqual({
      keyId: body.id,
      label: "Olga's console",
      role: "operator",
      sourceIds: null,
      operatorId,
    });
    expect((await call(body.key, "GET", "/appeals")).statusCode).toBe(200);
    expectProblem(await call(body.key, "GET", "/operators"), 403, "forbidden");

    const [row] = await query<{ key_hash: string; operator_id: number; role: string }>(
      t.testDatabase.url,
      "SELECT key_hash, operator_id, role::text FROM api_keys WHERE id = $1",
      [body.id],
    );
    expect(row).toEqual({ key_hash: sha256(body.key), operator_id: operatorId, role: "operator" });
    const events = await query<{ actor: string; details: object }>(
      t.testDatabase.url,
      "SELECT actor, details FROM events WHERE type = 'api_key.created' AND entity_id = $1",
      [body.id],
    );
    expect(events).toEqual([
      {
        actor: "keys admin",
        details: {
          label: "Olga's console",
          role: "operator",
          prefix: `${body.key.slice(0, 21)}…`,
          source_ids: null,
          operator_id: operatorId,
        },
      },
    ]);
  });

  it("scopes an intake key to its sources, sorted and once each; null fields mean absent", async () => {
    const other = await t.deps.sources.create({ name: unique("keys source"), strategy: "weighted" }, "test");
    const scoped = await create({ role: "intake", label: "bot", source_ids: [other.id, sourceId, other.id] });
    expect(scoped).toMatchObject({
      role: "intake",
      operator_id: null,
      source_ids: [sourceId, other.id].sort((a, b) => a - b),
    });
    expect(await t.deps.apiKeys.authenticate(scoped.key)).toEqual({
      keyId: scoped.id,
      label: "bot",
      role: "intake",
      sourceIds: [sourceId, other.id].sort((a, b) => a - b),
      operatorId: null,
    });
    const viewer = await create({ role: "viewer", label: "dashboard", operator_id: null, source_ids: null });
    expect(viewer).toMatchObject({ role: "viewer", operator_id: null, source_ids: null });
  });

  it.each([
    ["an unknown role", { role: "root", label: "x" }, 400, "role"],
    ["a missing role", { label: "x" }, 400, "role"],
    ["a missing label", { role: "admin" }, 400, "label"],
    ["a blank label", { role: "admin", label: "   " }, 400, "label"],
    ["an unknown field", { role: "admin", label: "x", scopes: [] }, 400, "scopes"],
    ["an operator key without operator_id", { role: "operator", label: "x" }, 400, "operator_id"],
    ["operator_id on an admin key", { role: "admin", label: "x", operator_id: 1 }, 400, "operator_id"],
    ["operator_id on an intake key", { role: "intake", label: "x", operator_id: 1 }, 400, "operator_id"],
    ["operator_id as a string", { role: "operator", label: "x", operator_id: "1" }, 400, "operator_id"],
    ["source_ids on a viewer key", { role: "viewer", label: "x", source_ids: [1] }, 400, "source_ids"],
    ["an empty source_ids", { role: "intake", label: "x", source_ids: [] }, 400, "source_ids"],
  ])("refuses %s: 400 naming the field, nothing written", async (_, body, status, path) => {
    const before = await counts();
    const problem = expectProblem(await call(admin, "POST", "/api-keys", body), status, "validation_failed");
    expect(problem.errors?.map((error) => error.path)).toEqual([path]);
    expect(await counts()).toEqual(before);
  });

  it("refuses an unknown operator (404), unknown source ids and a scoped operator key (400), writing nothing", async () => {
    const before = await counts();
    const unknownOperator = expectProblem(
      await call(admin, "POST", "/api-keys", { role: "operator", label: "x", operator_id: 999999 }),
      404,
      "not_found",
    );
    expect(unknownOperator).toMatchObject({
      detail: "Operator 999999 does not exist; no key was created.",
      errors: [{ path: "operator_id", message: "operator 999999 does not exist" }],
    });
    const unknownSources = expectProblem(
      await call(admin, "POST", "/api-keys", { role: "intake", label: "x", source_ids: [sourceId, 888802] }),
      400,
      "validation_failed",
    );
    expect(unknownSources).toMatchObject({
      detail: "Unknown source ids: 888802. A key can be scoped to existing sources only.",
      errors: [{ path: "source_ids", message: "no source has the id 888802" }],
    });
    const scopedOperator = expectProblem(
      await call(admin, "POST", "/api-keys", {
        role: "operator",
        label: "x",
        operator_id: operatorId,
        source_ids: [sourceId],
      }),
      400,
      "validation_failed",
    );
    expect(scopedOperator.errors).toEqual([{ path: "source_ids", message: "only for the role intake" }]);
    expect(await counts()).toEqual(before);
  });
});

describe("GET /api-keys", () => {
  it("lists every key with the contract's fields, never a key or a hash", async () => {
    const created = await create({ role: "viewer", label: "listed viewer" });
    const response = await call(admin, "GET", "/api-keys");
    expect(response.statusCode).toBe(200);
    const keys = response.json() as Listed[];
    expect(keys.map((key) => key.id)).toEqual([...keys.map((key) => key.id)].sort((a, b) => a - b));
    expect(keys.find((key) => key.id === created.id)).toEqual({
      id: created.id,
      role: "viewer",
      label: "listed viewer",
      operator_id: null,
      source_ids: null,
      created_at: created.created_at,
      last_used_at: null,
      revoked_at: null,
    });
    // last_used_at is written beside the request, not in it.
    await expect.poll(async () => (await listed(adminId))?.last_used_at).toMatch(ISO_UTC);
    expect(response.body).not.toContain(created.key);
    expect(response.body).not.toContain(created.key.slice(21));
    expect(response.body).not.toContain(sha256(created.key));
    expect(response.body).not.toContain(admin);
  });
});

describe("DELETE /api-keys/{id}", () => {
  it("revokes: 204, and the key, just used, is refused on the next request through the same instance", async () => {
    const created = await create({ role: "viewer", label: "leaving" });
    expect((await call(created.key, "GET", "/operators")).statusCode).toBe(200);

    const response = await call(admin, "DELETE", `/api-keys/${created.id}`);
    expect(response.statusCode, response.body).toBe(204);
    expect(response.body).toBe("");

    expectProblem(await call(created.key, "GET", "/operators"), 401, "unauthorized");
    const revoked = await listed(created.id);
    expect(revoked?.revoked_at).toMatch(ISO_UTC);

    const again = await call(admin, "DELETE", `/api-keys/${created.id}`);
    expect(again.statusCode, again.body).toBe(204);
    expect((await listed(created.id))?.revoked_at).toBe(revoked?.revoked_at);
    const events = await query<{ actor: string; details: object }>(
      t.testDatabase.url,
      "SELECT actor, details FROM events WHERE type = 'api_key.revoked' AND entity_id = $1",
      [created.id],
    );
    expect(events).toEqual([{ actor: "keys admin", details: { label: "leaving", role: "viewer" } }]);
  });

  it("an unknown id is a 404, a malformed one a 400; nothing written", async () => {
    const before = await counts();
    const missing = expectProblem(await call(admin, "DELETE", "/api-keys/777777"), 404, "not_found");
    expect(missing.detail).toBe("API key 777777 does not exist.");
    const malformed = expectProblem(await call(admin, "DELETE", "/api-keys/abc"), 400, "validation_failed");
    expect(malformed.errors?.map((error) => error.path)).toEqual(["id"]);
    expect(await counts()).toEqual(before);
  });

  describe("with another instance on the same database", () => {
    const clock = { now: 1_000_000 };
    let other: RunningApp;
    beforeAll(async () => {
      other = await startTestApp(t.testDatabase.url, {
        auth: AUTH,
        apiKeys: { cacheTtlMs: 10_000, now: () => clock.now },
      });
    });
    afterAll(async () => {
      await other?.close();
    });

    it("the other instance refuses the key once its cache time is over, not later", async () => {
      const created = await create({ role: "viewer", label: "revoked elsewhere" });
      expect((await call(created.key, "GET", "/operators", undefined, other.app)).statusCode).toBe(200);

      expect((await call(admin, "DELETE", `/api-keys/${created.id}`)).statusCode).toBe(204);
      expectProblem(await call(created.key, "GET", "/operators"), 401, "unauthorized");

      clock.now += 9_999;
      expect((await call(created.key, "GET", "/operators", undefined, other.app)).statusCode).toBe(200);
      clock.now += 2;
      expectProblem(await call(created.key, "GET", "/operators", undefined, other.app), 401, "unauthorized");
    });
  });
});

describe("keys of other roles", () => {
  it("may not manage keys: 403 on every /api-keys route", async () => {
    const operator = await create({ role: "operator", label: "no keys", operator_id: operatorId });
    const viewer = await create({ role: "viewer", label: "no keys either" });
    for (const key of [operator.key, viewer.key]) {
      expectProblem(await call(key, "GET", "/api-keys"), 403, "forbidden");
      expectProblem(await call(key, "POST", "/api-keys", { role: "admin", label: "x" }), 403, "forbidden");
      expectProblem(await call(key, "DELETE", `/api-keys/${adminId}`), 403, "forbidden");
    }
    expect((await listed(adminId))?.revoked_at).toBeNull();
  });
});
