// API keys on a real database: what is stored (a hash, never the key), who a key
// authenticates as, revocation, the cache, BOOTSTRAP_ADMIN_KEY.
import { createHash } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import { ValidationError } from "../../../src/core/errors.js";
import { AuditRepository } from "../../../src/modules/audit/audit.repository.js";
import { ApiKeyRepository } from "../../../src/modules/auth/api-key.repository.js";
import { ApiKeyService } from "../../../src/modules/auth/api-key.service.js";
import { unique } from "../../helpers/factories.js";
import { query } from "../../helpers/sql.js";
import { useTestApp } from "../../helpers/test-app.js";

const statements: string[] = [];
const t = useTestApp({ onQuery: (sql) => statements.push(sql) });

/** A second service on the same database, as another instance or the CLI would have. */
function serviceWithClock(clock: { now: number }, cacheTtlMs = 10_000): ApiKeyService {
  const prisma = t.database.prisma;
  return new ApiKeyService(new ApiKeyRepository(prisma, new AuditRepository(prisma)), {
    cacheTtlMs,
    now: () => clock.now,
  });
}

type Row = {
  id: number;
  label: string;
  role: string;
  public_id: string | null;
  key_hash: string;
  revoked_at: Date | null;
  last_used_at: Date | null;
};

async function row(id: number): Promise<Row> {
  const [found] = await query<Row>(t.testDatabase.url, "SELECT * FROM api_keys WHERE id = $1", [id]);
  if (!found) throw new Error(`no api key ${id}`);
  return found;
}

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

beforeEach(() => {
  statements.length = 0;
});

describe("create", () => {
  it("returns a lds_ key with 256 random bits once, and stores only its SHA-256", async () => {
    const { key, apiKey } = await t.deps.apiKeys.create({ label: "  ops  ", role: "admin" }, "test");
    expect(key).toMatch(/^lds_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const [, publicId, secret] = /^lds_([0-9a-f]{16})_(.+)$/.exec(key) ?? [];
    expect(apiKey).toEqual({
      id: expect.any(Number),
      label: "ops",
      role: "admin",
      sourceIds: null,
      operatorId: null,
      prefix: `lds_${publicId}_…`,
      createdAt: expect.any(Date),
      revokedAt: null,
      lastUsedAt: null,
    });
    const stored = await row(apiKey.id);
    expect(stored).toMatchObject({ label: "ops", role: "admin", public_id: publicId, key_hash: sha256(key) });
    // Neither the key nor its secret part is anywhere in the row.
    const everything = JSON.stringify(await query(t.testDatabase.url, "SELECT * FROM api_keys"));
    expect(everything).not.toContain(key);
    expect(everything).not.toContain(secret);
  });

  it("makes a different key every time", async () => {
    const keys = await Promise.all(
      Array.from({ length: 5 }, (_, i) => t.deps.apiKeys.create({ label: `k${i}`, role: "viewer" }, "test")),
    );
    expect(new Set(keys.map((k) => k.key)).size).toBe(5);
  });

  it.each([
    [{ label: "", role: "admin" }, "label"],
    [{ label: "   ", role: "admin" }, "label"],
    [{ label: "x".repeat(201), role: "admin" }, "label"],
    [{ label: "a\u0000b", role: "admin" }, "label"],
    [{ label: "ops", role: "root" }, "role"],
    [{ label: "ops", role: "" }, "role"],
  ])("refuses %j", async (input, field) => {
    const attempt = t.deps.apiKeys.create(input, "test");
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(attempt).rejects.toMatchObject({ errors: [{ path: field }] });
  });

  it("records api_key.created in the audit trail, without the key or its hash", async () => {
    const { key, apiKey } = await t.deps.apiKeys.create({ label: "audited", role: "intake" }, "cli:alice");
    const events = await query<{ actor: string; details: object }>(
      t.testDatabase.url,
      "SELECT actor, details FROM events WHERE type = 'api_key.created' AND entity_id = $1",
      [apiKey.id],
    );
    expect(events).toEqual([
      {
        actor: "cli:alice",
        details: {
          label: "audited",
          role: "intake",
          prefix: apiKey.prefix,
          source_ids: null,
          operator_id: null,
        },
      },
    ]);
    expect(JSON.stringify(events)).not.toContain(sha256(key));
  });
});

describe("create with source_ids (an intake key's scope)", () => {
  async function twoSources(): Promise<[number, number]> {
    const a = await t.deps.sources.create({ name: unique("scope"), strategy: "weighted" }, "test");
    const b = await t.deps.sources.create({ name: unique("scope"), strategy: "weighted" }, "test");
    return [a.id, b.id];
  }

  it("stores them sorted and once each; the key authenticates with them; the audit event names them", async () => {
    const [a, b] = await twoSources();
    const { key, apiKey } = await t.deps.apiKeys.create(
      { label: "bot", role: "intake", sourceIds: [b, a, b] },
      "cli:alice",
    );
    expect(apiKey.sourceIds).toEqual([a, b]);
    expect(await t.deps.apiKeys.authenticate(key)).toEqual({
      keyId: apiKey.id,
      label: "bot",
      role: "intake",
      sourceIds: [a, b],
      operatorId: null,
    });
    expect((await t.deps.apiKeys.list()).find((k) => k.id === apiKey.id)?.sourceIds).toEqual([a, b]);
    const [stored] = await query(t.testDatabase.url, "SELECT source_ids FROM api_keys WHERE id = $1", [
      apiKey.id,
    ]);
    expect(stored).toEqual({ source_ids: [a, b] });
    const [event] = await query(
      t.testDatabase.url,
      "SELECT details FROM events WHERE type = 'api_key.created' AND entity_id = $1",
      [apiKey.id],
    );
    expect(event).toEqual({
      details: { label: "bot", role: "intake", prefix: apiKey.prefix, source_ids: [a, b], operator_id: null },
    });
  });

  it("an unscoped key stores NULL, not an empty list", async () => {
    const { apiKey } = await t.deps.apiKeys.create({ label: "any", role: "intake", sourceIds: null }, "test");
    const [stored] = await query(t.testDatabase.url, "SELECT source_ids FROM api_keys WHERE id = $1", [
      apiKey.id,
    ]);
    expect(stored).toEqual({ source_ids: null });
  });

  it("refuses unknown source ids, naming each, and stores nothing", async () => {
    const [a] = await twoSources();
    const before = await query(t.testDatabase.url, "SELECT count(*)::int AS n FROM api_keys");
    const attempt = t.deps.apiKeys.create(
      { label: "bot", role: "intake", sourceIds: [777002, a, 777001] },
      "t",
    );
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(attempt).rejects.toMatchObject({
      message: "Unknown source ids: 777001, 777002. A key can be scoped to existing sources only.",
      errors: [{ path: "source_ids", message: "no source has the id 777001, 777002" }],
    });
    expect(await query(t.testDatabase.url, "SELECT count(*)::int AS n FROM api_keys")).toEqual(before);
  });

  it.each([
    [{ label: "x", role: "admin", sourceIds: [1] }, "source_ids scopes intake keys only, not admin keys."],
    [{ label: "x", role: "viewer", sourceIds: [1] }, "source_ids scopes intake keys only, not viewer keys."],
    [{ label: "x", role: "intake", sourceIds: [] }, "source_ids is a non-empty list of source ids."],
    [{ label: "x", role: "intake", sourceIds: [0] }, "source_ids is a non-empty list of source ids."],
    [{ label: "x", role: "intake", sourceIds: [1.5] }, "source_ids is a non-empty list of source ids."],
  ])("refuses %j", async (input, message) => {
    const attempt = t.deps.apiKeys.create(input, "test");
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(attempt).rejects.toMatchObject({ message, errors: [{ path: "source_ids" }] });
  });

  it.each([
    ["an admin key with a scope", "admin", "{1}"],
    ["an empty scope", "intake", "{}"],
    ["a NULL element", "intake", "{1,NULL}"],
  ])("the table itself refuses %s", async (_, role, sourceIds) => {
    await expect(
      query(
        t.testDatabase.url,
        "INSERT INTO api_keys (label, role, key_hash, source_ids) VALUES ('raw', $1, $2, $3)",
        [role, sha256(`raw ${role} ${sourceIds}`), sourceIds],
      ),
    ).rejects.toThrow(/violates check constraint "api_keys_source_ids_check"/);
  });
});

describe("authenticate", () => {
  it("names the key's owner: id, label, role", async () => {
    const { key, apiKey } = await t.deps.apiKeys.create({ label: "bot", role: "intake" }, "test");
    expect(await t.deps.apiKeys.authenticate(key)).toEqual({
      keyId: apiKey.id,
      label: "bot",
      role: "intake",
      sourceIds: null,
      operatorId: null,
    });
  });

  it("refuses a wrong secret with a real public id, an unknown key and garbage", async () => {
    const { key } = await t.deps.apiKeys.create({ label: "victim", role: "admin" }, "test");
    const forged = `${key.slice(0, -1)}${key.endsWith("A") ? "B" : "A"}`;
    const unknown = `lds_ffffffffffffffff_${"A".repeat(43)}`;
    for (const attempt of [forged, unknown, "", "x", key.toUpperCase(), `${key} `, "a".repeat(10_000)]) {
      expect(await t.deps.apiKeys.authenticate(attempt), attempt.slice(0, 40)).toBeNull();
    }
  });

  it("refuses a revoked key at once on the instance that revoked it", async () => {
    const { key, apiKey } = await t.deps.apiKeys.create({ label: "to revoke", role: "admin" }, "test");
    expect(await t.deps.apiKeys.authenticate(key)).not.toBeNull();
    const revoked = await t.deps.apiKeys.revoke(apiKey.id, "test");
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    expect(await t.deps.apiKeys.authenticate(key)).toBeNull();
    expect((await row(apiKey.id)).revoked_at).toEqual(revoked.revokedAt);
  });

  it("answers from memory after the first lookup: no SQL per request", async () => {
    const { key } = await t.deps.apiKeys.create({ label: "hot", role: "intake" }, "test");
    statements.length = 0;
    await t.deps.apiKeys.authenticate(key);
    expect(statements.length).toBeGreaterThan(0); // the lookup (and last_used_at)
    await new Promise((resolve) => setTimeout(resolve, 50));
    statements.length = 0;
    for (let i = 0; i < 20; i++) expect(await t.deps.apiKeys.authenticate(key)).not.toBeNull();
    expect(statements).toEqual([]);
  });

  it("concurrent first requests with one key share one lookup", async () => {
    const { key } = await t.deps.apiKeys.create({ label: "burst", role: "intake" }, "test");
    const clock = { now: 0 };
    const service = serviceWithClock(clock);
    statements.length = 0;
    await Promise.all(Array.from({ length: 10 }, () => service.authenticate(key)));
    expect(statements.filter((sql) => /SELECT/i.test(sql) && sql.includes("api_keys"))).toHaveLength(1);
  });

  it("a key revoked elsewhere (CLI, another instance) works here until the cache time is over, then not", async () => {
    const { key, apiKey } = await t.deps.apiKeys.create({ label: "elsewhere", role: "viewer" }, "test");
    const clock = { now: 1_000 };
    const instance = serviceWithClock(clock, 10_000);
    expect(await instance.authenticate(key)).not.toBeNull();
    await t.deps.apiKeys.revoke(apiKey.id, "test");
    clock.now += 9_999;
    expect(await instance.authenticate(key)).not.toBeNull();
    clock.now += 2;
    expect(await instance.authenticate(key)).toBeNull();
  });

  it("records last_used_at, at most once per cache period", async () => {
    const { key, apiKey } = await t.deps.apiKeys.create({ label: "used", role: "viewer" }, "test");
    expect((await row(apiKey.id)).last_used_at).toBeNull();
    await t.deps.apiKeys.authenticate(key);
    await expect.poll(async () => (await row(apiKey.id)).last_used_at).toBeInstanceOf(Date);
    const listed = (await t.deps.apiKeys.list()).find((k) => k.id === apiKey.id);
    expect(listed?.lastUsedAt).toBeInstanceOf(Date);
  });
});

describe("list and revoke", () => {
  it("lists every key without its secret or hash", async () => {
    const { key, apiKey } = await t.deps.apiKeys.create({ label: "listed", role: "viewer" }, "test");
    const listed = await t.deps.apiKeys.list();
    expect(listed.find((k) => k.id === apiKey.id)).toEqual(apiKey);
    const text = JSON.stringify(listed);
    expect(text).not.toContain(key);
    expect(text).not.toContain(sha256(key));
    expect(Object.keys(listed[0] ?? {}).sort()).toEqual(
      [
        "createdAt",
        "id",
        "label",
        "lastUsedAt",
        "operatorId",
        "prefix",
        "revokedAt",
        "role",
        "sourceIds",
      ].sort(),
    );
  });

  it("revoking twice keeps the first time and records one event; an unknown id is a 404", async () => {
    const { apiKey } = await t.deps.apiKeys.create({ label: "twice", role: "viewer" }, "test");
    const first = await t.deps.apiKeys.revoke(apiKey.id, "test");
    const second = await t.deps.apiKeys.revoke(apiKey.id, "test");
    expect(second.revokedAt).toEqual(first.revokedAt);
    const events = await query(
      t.testDatabase.url,
      "SELECT 1 FROM events WHERE type = 'api_key.revoked' AND entity_id = $1",
      [apiKey.id],
    );
    expect(events).toHaveLength(1);
    await expect(t.deps.apiKeys.revoke(987654, "test")).rejects.toMatchObject({
      code: "not_found",
      status: 404,
    });
  });
});

describe("hasActiveKeys", () => {
  it("is cached: one query per cache period, and a key created elsewhere counts after it", async () => {
    await t.testDatabase.reset();
    const clock = { now: 0 };
    const instance = serviceWithClock(clock, 10_000);
    statements.length = 0;
    expect(await instance.hasActiveKeys()).toBe(false);
    expect(await instance.hasActiveKeys()).toBe(false);
    expect(statements).toHaveLength(1);
    await t.deps.apiKeys.create({ label: "first", role: "admin" }, "test");
    clock.now += 5_000;
    expect(await instance.hasActiveKeys()).toBe(false);
    clock.now += 5_001;
    expect(await instance.hasActiveKeys()).toBe(true);
  });

  it("counts only keys not revoked", async () => {
    await t.testDatabase.reset();
    const clock = { now: 0 };
    const { apiKey } = await t.deps.apiKeys.create({ label: "only", role: "admin" }, "test");
    expect(await serviceWithClock(clock).hasActiveKeys()).toBe(true);
    await t.deps.apiKeys.revoke(apiKey.id, "test");
    expect(await serviceWithClock(clock).hasActiveKeys()).toBe(false);
  });
});

describe("ensureBootstrapKey (BOOTSTRAP_ADMIN_KEY)", () => {
  const value = "bootstrap-value-0123456789-abcdefghijklmnop";

  it("creates an admin key labelled bootstrap holding exactly that value, once", async () => {
    expect(await t.deps.apiKeys.ensureBootstrapKey(value)).toBe("created");
    expect(await t.deps.apiKeys.ensureBootstrapKey(value)).toBe("exists");
    const rows = await query<Row>(t.testDatabase.url, "SELECT * FROM api_keys WHERE label = 'bootstrap'");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      role: "admin",
      public_id: null,
      key_hash: sha256(value),
      revoked_at: null,
    });
    expect(await t.deps.apiKeys.authenticate(value)).toEqual({
      keyId: rows[0]?.id,
      label: "bootstrap",
      role: "admin",
      sourceIds: null,
      operatorId: null,
    });
    const listed = (await t.deps.apiKeys.list()).find((k) => k.label === "bootstrap");
    expect(listed?.prefix).toBeNull();
  });

  it("also works when the value has the lds_ shape of a generated key", async () => {
    const shaped = `lds_0000000000000001_${"Z".repeat(43)}`;
    expect(await t.deps.apiKeys.ensureBootstrapKey(shaped)).toBe("created");
    expect(await t.deps.apiKeys.authenticate(shaped)).toMatchObject({ label: "bootstrap", role: "admin" });
  });

  it("does not bring a revoked bootstrap key back", async () => {
    const revokedValue = "another-bootstrap-value-0123456789-abcdefgh";
    await t.deps.apiKeys.ensureBootstrapKey(revokedValue);
    const [created] = await query<Row>(t.testDatabase.url, "SELECT * FROM api_keys WHERE key_hash = $1", [
      sha256(revokedValue),
    ]);
    await t.deps.apiKeys.revoke(created?.id ?? 0, "test");
    expect(await t.deps.apiKeys.ensureBootstrapKey(revokedValue)).toBe("revoked");
    expect(await t.deps.apiKeys.authenticate(revokedValue)).toBeNull();
  });

  it("two instances starting at once create one key", async () => {
    const concurrent = "concurrent-bootstrap-value-0123456789-abcdef";
    const clock = { now: 0 };
    const outcomes = await Promise.all([
      serviceWithClock(clock).ensureBootstrapKey(concurrent),
      serviceWithClock(clock).ensureBootstrapKey(concurrent),
    ]);
    expect(outcomes.sort()).toEqual(["created", "exists"]);
  });
});
