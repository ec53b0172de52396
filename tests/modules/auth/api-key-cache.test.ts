// The authentication cache, counted at the repository: a made-up key costs one
// lookup per negative-cache period, not one per request; a key created through the
// service works at once; a database error never sticks; the cache stays bounded.
import { afterEach, describe, expect, it } from "vitest";
import { AuditRepository } from "../../../src/modules/audit/audit.repository.js";
import { ApiKeyRepository } from "../../../src/modules/auth/api-key.repository.js";
import {
  API_KEY_CACHE_TTL_MS,
  API_KEY_NEGATIVE_CACHE_TTL_MS,
  ApiKeyService,
  type ApiKeyServiceOptions,
} from "../../../src/modules/auth/api-key.service.js";
import { query } from "../../helpers/sql.js";
import { useTestApp } from "../../helpers/test-app.js";

const t = useTestApp();

type Lookup = Awaited<ReturnType<ApiKeyRepository["findCandidates"]>>;

/** The real repository, counting lookups; `next` replaces the next lookup's answer (a failure, a held one). */
function spiedRepository() {
  const prisma = t.database.prisma;
  const real = new ApiKeyRepository(prisma, new AuditRepository(prisma));
  const spy = Object.create(real) as ApiKeyRepository & {
    lookups: number;
    next: ((real: () => Promise<Lookup>) => Promise<Lookup>) | undefined;
  };
  spy.lookups = 0;
  spy.next = undefined;
  spy.findCandidates = (publicId, keyHash) => {
    spy.lookups += 1;
    const answer = () => real.findCandidates(publicId, keyHash);
    const replace = spy.next;
    spy.next = undefined;
    return replace ? replace(answer) : answer();
  };
  return spy;
}

const services: ApiKeyService[] = [];
afterEach(() => {
  services.length = 0;
});

function serviceWith(options: ApiKeyServiceOptions & { clock?: { now: number } } = {}) {
  const clock = options.clock ?? { now: 1_000_000 };
  const repository = spiedRepository();
  const service = new ApiKeyService(repository, { ...options, now: () => clock.now });
  services.push(service);
  return { service, repository, clock };
}

const madeUp = (n: number) => `lds_${n.toString(16).padStart(16, "0")}_${"M".repeat(43)}`;
const bootstrapValue = (name: string) => `${name}-bootstrap-value-0123456789-abcdefgh`;

describe("the negative cache", () => {
  it("is short: 5 s, against 10 s for a known key", () => {
    expect(API_KEY_NEGATIVE_CACHE_TTL_MS).toBe(5_000);
    expect(API_KEY_CACHE_TTL_MS).toBe(10_000);
  });

  it("answers a repeated unknown key from memory until it expires, then looks it up again", async () => {
    const { service, repository, clock } = serviceWith();
    for (let i = 0; i < 50; i++) expect(await service.authenticate(madeUp(1))).toBeNull();
    expect(repository.lookups).toBe(1);
    clock.now += API_KEY_NEGATIVE_CACHE_TTL_MS - 1;
    expect(await service.authenticate(madeUp(1))).toBeNull();
    expect(repository.lookups).toBe(1);
    clock.now += 1;
    expect(await service.authenticate(madeUp(1))).toBeNull();
    expect(repository.lookups).toBe(2);
  });

  it("does not keep a failed lookup as long as a success: it is looked up again after the negative time", async () => {
    const { service, repository, clock } = serviceWith({ cacheTtlMs: 60_000, negativeCacheTtlMs: 2_000 });
    expect(await service.authenticate(madeUp(2))).toBeNull();
    clock.now += 2_000;
    expect(await service.authenticate(madeUp(2))).toBeNull();
    expect(repository.lookups).toBe(2);
  });

  it("a key created through this service works at once, even when it was tried just before", async () => {
    const { service, repository } = serviceWith();
    const value = bootstrapValue("tried-first");
    expect(await service.authenticate(value)).toBeNull();
    expect(await service.ensureBootstrapKey(value)).toBe("created");
    expect(await service.authenticate(value)).toMatchObject({ label: "bootstrap", role: "admin" });
    expect(repository.lookups).toBe(2);
  });

  it("creating a key forgets every unknown key (their hashes cannot be told from the new one's)", async () => {
    const { service, repository } = serviceWith();
    expect(await service.authenticate(madeUp(3))).toBeNull();
    await service.create({ label: "new", role: "viewer" }, "test");
    expect(await service.authenticate(madeUp(3))).toBeNull();
    expect(repository.lookups).toBe(2);
  });

  it("a lookup that was under way while a key was created does not cache its stale 'unknown'", async () => {
    const { service, repository } = serviceWith();
    const value = bootstrapValue("racing");
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The lookup reads the table before the key exists, and answers after it was created.
    repository.next = async (answer) => {
      const rows = await answer();
      await held;
      return rows;
    };
    const early = service.authenticate(value);
    await expect.poll(() => repository.lookups).toBe(1);
    expect(await service.ensureBootstrapKey(value)).toBe("created");
    release();
    expect(await early).toBeNull();
    expect(await service.authenticate(value)).toMatchObject({ label: "bootstrap" });
  });

  it("a key created in another process is refused here for at most the negative time", async () => {
    const clock = { now: 5_000 };
    const here = serviceWith({ clock });
    const elsewhere = serviceWith({ clock });
    const value = bootstrapValue("elsewhere");
    expect(await here.service.authenticate(value)).toBeNull();
    expect(await elsewhere.service.ensureBootstrapKey(value)).toBe("created");
    clock.now += API_KEY_NEGATIVE_CACHE_TTL_MS - 1;
    expect(await here.service.authenticate(value)).toBeNull();
    clock.now += 1;
    expect(await here.service.authenticate(value)).toMatchObject({ label: "bootstrap" });
  });

  it("holds at most maxCachedKeys unknown keys, dropping the oldest", async () => {
    const { service, repository } = serviceWith({ maxCachedKeys: 3 });
    for (const n of [10, 11, 12, 13]) await service.authenticate(madeUp(n));
    expect(repository.lookups).toBe(4);
    await service.authenticate(madeUp(13));
    await service.authenticate(madeUp(11));
    expect(repository.lookups).toBe(4);
    await service.authenticate(madeUp(10)); // dropped when 13 came
    expect(repository.lookups).toBe(5);
  });
});

describe("a database error during a lookup", () => {
  const outage = () =>
    Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });

  it("fails that request, and the next one looks the key up again and succeeds", async () => {
    const { service, repository } = serviceWith();
    const { key, apiKey } = await service.create({ label: "after outage", role: "intake" }, "test");
    repository.next = async () => Promise.reject(outage());
    await expect(service.authenticate(key)).rejects.toMatchObject({ code: "ECONNREFUSED" });
    expect(await service.authenticate(key)).toEqual({
      keyId: apiKey.id,
      label: "after outage",
      role: "intake",
      sourceIds: null,
      operatorId: null,
    });
    expect(repository.lookups).toBe(2);
  });

  it("is not remembered as an unknown key either", async () => {
    const { service, repository } = serviceWith();
    const value = bootstrapValue("outage");
    await service.ensureBootstrapKey(value);
    const other = serviceWith();
    other.repository.next = async () => Promise.reject(outage());
    await expect(other.service.authenticate(value)).rejects.toThrow("ECONNREFUSED");
    expect(await other.service.authenticate(value)).toMatchObject({ label: "bootstrap" });
    expect(other.repository.lookups).toBe(2);
    expect(repository.lookups).toBe(0);
  });
});

describe("the cache of known keys", () => {
  it("holds at most maxCachedKeys keys, dropping the oldest", async () => {
    const { service, repository } = serviceWith({ maxCachedKeys: 3 });
    const keys = [];
    for (let i = 0; i < 4; i++)
      keys.push((await service.create({ label: `k${i}`, role: "viewer" }, "test")).key);
    for (const key of keys) expect(await service.authenticate(key)).not.toBeNull();
    expect(repository.lookups).toBe(4);
    expect(await service.authenticate(keys[3] ?? "")).not.toBeNull();
    expect(await service.authenticate(keys[1] ?? "")).not.toBeNull();
    expect(repository.lookups).toBe(4);
    expect(await service.authenticate(keys[0] ?? "")).not.toBeNull(); // dropped when the fourth came
    expect(repository.lookups).toBe(5);
  });

  it("refuses an empty or over-long key without a lookup; 512 characters still get one", async () => {
    const { service, repository } = serviceWith();
    expect(await service.authenticate("")).toBeNull();
    expect(await service.authenticate("k".repeat(513))).toBeNull();
    expect(repository.lookups).toBe(0);
    expect(await service.authenticate("k".repeat(512))).toBeNull();
    expect(repository.lookups).toBe(1);
  });
});

describe("recognises", () => {
  it("is true for a key that authenticated here or was created here, false for others", async () => {
    const { service } = serviceWith();
    const created = await service.create({ label: "mine", role: "viewer" }, "test");
    const elsewhere = await serviceWith().service.create({ label: "theirs", role: "viewer" }, "test");
    expect(service.recognises(created.key)).toBe(true);
    expect(service.recognises(elsewhere.key)).toBe(false);
    expect(await service.authenticate(elsewhere.key)).not.toBeNull();
    expect(service.recognises(elsewhere.key)).toBe(true);
    expect(service.recognises(madeUp(20))).toBe(false);
    expect(await service.authenticate(madeUp(20))).toBeNull();
    expect(service.recognises(madeUp(20))).toBe(false);
  });

  it("stays true after the cache time (the key is worth a lookup), false once the key fails", async () => {
    const { service, clock } = serviceWith();
    const { key, apiKey } = await serviceWith().service.create(
      { label: "revoked later", role: "viewer" },
      "test",
    );
    expect(await service.authenticate(key)).not.toBeNull();
    clock.now += 3_600_000;
    expect(service.recognises(key)).toBe(true);
    await serviceWith().service.revoke(apiKey.id, "test");
    expect(await service.authenticate(key)).toBeNull();
    expect(service.recognises(key)).toBe(false);
  });
});

describe("cache times, to the millisecond", () => {
  it("a known key is trusted for exactly cacheTtlMs", async () => {
    const { service, repository, clock } = serviceWith({ cacheTtlMs: 10_000 });
    const { key } = await service.create({ label: "timed", role: "viewer" }, "test");
    await service.authenticate(key);
    clock.now += 9_999;
    await service.authenticate(key);
    expect(repository.lookups).toBe(1);
    clock.now += 1;
    await service.authenticate(key);
    expect(repository.lookups).toBe(2);
  });

  it("a key looked up again goes to the back of the eviction line", async () => {
    const { service, repository, clock } = serviceWith({ cacheTtlMs: 1_000, maxCachedKeys: 2 });
    const [a, b, c] = [0, 1, 2].map((n) => bootstrapValue(`line-${n}`));
    for (const value of [a, b, c]) await service.ensureBootstrapKey(value ?? "");
    await service.authenticate(a ?? "");
    await service.authenticate(b ?? "");
    clock.now += 1_000; // both expired; a is looked up again, so b is now the oldest
    await service.authenticate(a ?? "");
    await service.authenticate(c ?? ""); // drops b, keeps a
    expect(repository.lookups).toBe(4);
    await service.authenticate(a ?? "");
    expect(repository.lookups).toBe(4);
    await service.authenticate(b ?? "");
    expect(repository.lookups).toBe(5);
  });

  it("an unknown key seen again after its time goes to the back of the line too", async () => {
    const { service, repository, clock } = serviceWith({ negativeCacheTtlMs: 1_000, maxCachedKeys: 2 });
    await service.authenticate(madeUp(30));
    await service.authenticate(madeUp(31));
    clock.now += 1_000;
    await service.authenticate(madeUp(30)); // looked up again: now the newest
    await service.authenticate(madeUp(32)); // drops 31
    expect(repository.lookups).toBe(4);
    await service.authenticate(madeUp(30));
    expect(repository.lookups).toBe(4);
    await service.authenticate(madeUp(31));
    expect(repository.lookups).toBe(5);
  });
});

describe("hasActiveKeys' cache", () => {
  it("is forgotten when a key is created or revoked here, so the answer changes at once", async () => {
    await t.testDatabase.reset();
    const { service } = serviceWith();
    expect(await service.hasActiveKeys()).toBe(false);
    const { apiKey } = await service.create({ label: "first", role: "admin" }, "test");
    expect(await service.hasActiveKeys()).toBe(true);
    await service.revoke(apiKey.id, "test");
    expect(await service.hasActiveKeys()).toBe(false);
    expect(await service.ensureBootstrapKey(bootstrapValue("active"))).toBe("created");
    expect(await service.hasActiveKeys()).toBe(true);
  });

  it("keeps its answer for exactly cacheTtlMs, and never keeps a database error", async () => {
    const { service, repository, clock } = serviceWith({ cacheTtlMs: 10_000 });
    let calls = 0;
    const real = repository.hasActiveKeys.bind(repository);
    repository.hasActiveKeys = () => {
      calls += 1;
      return calls === 1 ? Promise.reject(new Error("connect ECONNREFUSED")) : real();
    };
    await expect(service.hasActiveKeys()).rejects.toThrow("ECONNREFUSED");
    await service.hasActiveKeys();
    expect(calls).toBe(2);
    clock.now += 9_999;
    await service.hasActiveKeys();
    expect(calls).toBe(2);
    clock.now += 1;
    await service.hasActiveKeys();
    expect(calls).toBe(3);
  });
});

describe("the rest of the service", () => {
  it("reports a failure to record last_used_at to onBackgroundError, and still authenticates", async () => {
    const reported: unknown[] = [];
    const repository = spiedRepository();
    const failure = new Error("last_used_at failed");
    repository.markUsed = () => Promise.reject(failure);
    const service = new ApiKeyService(repository, { onBackgroundError: (error) => reported.push(error) });
    const { key } = await service.create({ label: "unmarked", role: "viewer" }, "test");
    expect(await service.authenticate(key)).toMatchObject({ label: "unmarked" });
    await expect.poll(() => reported).toEqual([failure]);
  });

  it("without onBackgroundError, a failure to record last_used_at is dropped quietly", async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", listener);
    try {
      const repository = spiedRepository();
      let marked = 0;
      repository.markUsed = () => {
        marked += 1;
        return Promise.reject(new Error("last_used_at failed"));
      };
      const service = new ApiKeyService(repository);
      const { key } = await service.create({ label: "quiet", role: "viewer" }, "test");
      expect(await service.authenticate(key)).toMatchObject({ label: "quiet" });
      expect(marked).toBe(1);
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", listener);
    }
  });

  it("records BOOTSTRAP_ADMIN_KEY as the actor that created the bootstrap key", async () => {
    const { service } = serviceWith();
    await service.ensureBootstrapKey(bootstrapValue("actor"));
    const [row] = await query<{ id: number }>(
      t.testDatabase.url,
      "SELECT id FROM api_keys WHERE label = 'bootstrap' ORDER BY id DESC LIMIT 1",
    );
    const events = await query<{ actor: string }>(
      t.testDatabase.url,
      "SELECT actor FROM events WHERE type = 'api_key.created' AND entity_id = $1",
      [row?.id],
    );
    expect(events).toEqual([{ actor: "BOOTSTRAP_ADMIN_KEY" }]);
  });

  it("says so when a generated key collides with a stored one", async () => {
    const repository = spiedRepository();
    repository.create = async () => null;
    const service = new ApiKeyService(repository);
    await expect(service.create({ label: "collides", role: "viewer" }, "test")).rejects.toThrow(
      "a generated API key collided with an existing one; try again",
    );
  });

  it("names the unknown key id, the label rule and the roles in its errors", async () => {
    const { service } = serviceWith();
    await expect(service.revoke(987_654, "test")).rejects.toMatchObject({
      message: "API key 987654 does not exist.",
    });
    await expect(service.create({ label: "", role: "admin" }, "test")).rejects.toMatchObject({
      message: "An API key label is 1 to 200 printable characters.",
      errors: [{ path: "label", message: "must be 1 to 200 printable characters" }],
    });
    await expect(service.create({ label: "x", role: "root" }, "test")).rejects.toMatchObject({
      message: 'Unknown role "root": use one of admin, intake, viewer, operator.',
      errors: [{ path: "role", message: "must be one of admin, intake, viewer, operator" }],
    });
  });

  it("accepts labels of 1 and 200 characters and inner spaces, refuses a tab", async () => {
    const { service } = serviceWith();
    const long = await service.create({ label: "l".repeat(200), role: "viewer" }, "test");
    expect(long.apiKey.label).toBe("l".repeat(200));
    expect((await service.create({ label: " a ", role: "viewer" }, "test")).apiKey.label).toBe("a");
    const spaced = await service.create({ label: "ops laptop 2", role: "viewer" }, "test");
    expect(spaced.apiKey.label).toBe("ops laptop 2");
    await expect(service.create({ label: "a\tb", role: "viewer" }, "test")).rejects.toMatchObject({
      errors: [{ path: "label" }],
    });
  });
});
