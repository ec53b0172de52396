// API keys: created (the key is returned once), listed without secrets, revoked,
// and checked on every request. Successful checks are cached in memory for a short
// while, so a request normally costs no SQL: a key revoked elsewhere (the CLI,
// another instance) keeps working here for at most `cacheTtlMs`. Unknown keys are
// cached for less (`negativeCacheTtlMs`), so a made-up key sent again and again costs
// one lookup per period: a key created through this service works at once (creating
// forgets every unknown key), one created in another process is refused here for at
// most that period, and only if someone presented it just before it existed.
import { NotFoundError } from "../../core/errors.js";
import { displayPrefix, generateApiKey, hashApiKey, publicIdOf, sameHash } from "./api-key.js";
import type { ApiKeyRecord, ApiKeyRepository } from "./api-key.repository.js";
import { validLabel, validOperatorId, validRole, validSourceIds } from "./api-key.validation.js";
import type { Principal, Role } from "./principal.js";

/** How long a successful authentication, and the answer to "does any key exist?", is trusted. */
export const API_KEY_CACHE_TTL_MS = 10_000;
/**
 * How long "no such key" is trusted. Short, because it is also how long a key created
 * in another process (the CLI, another instance) can be refused here after someone
 * presented it before it existed: only a BOOTSTRAP_ADMIN_KEY can be, generated keys
 * are unknown to anyone before they exist.
 */
export const API_KEY_NEGATIVE_CACHE_TTL_MS = 5_000;
/** Longer values cannot be keys; refused before hashing. */
const MAX_KEY_LENGTH = 512;
/** Bounds each cache's memory (known keys, unknown keys, recognised keys); the oldest entry goes first. */
const MAX_CACHED_KEYS = 10_000;

export type ApiKeyView = {
  id: number;
  label: string;
  role: Role;
  /** The sources an intake key is scoped to; null when unscoped. */
  sourceIds: number[] | null;
  /** The operator an operator key acts for; null for every other role. */
  operatorId: number | null;
  /** The non-secret start of the key (lds_<public_id>_…); null for a key of another shape. */
  prefix: string | null;
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
};

export type ApiKeyServiceOptions = {
  cacheTtlMs?: number;
  negativeCacheTtlMs?: number;
  maxCachedKeys?: number;
  now?: () => number;
  /** Called when recording last_used_at fails (it never fails the request). */
  onBackgroundError?: (error: unknown) => void;
};

type Cached<T> = { value: Promise<T>; expiresAt: number };

export class ApiKeyService {
  private readonly ttlMs: number;
  private readonly negativeTtlMs: number;
  private readonly maxCached: number;
  private readonly now: () => number;
  /** Known keys and lookups under way, by the key's SHA-256 (never the key itself). */
  private readonly principals = new Map<string, Cached<Principal | null>>();
  /** Unknown or revoked keys: hash -> when that answer expires. Never a lookup that failed. */
  private readonly unknown = new Map<string, number>();
  /** Keys that authenticated here or were created here, past their cache time too (see recognises). */
  private readonly recognised = new Set<string>();
  /** Counts keys created here: a lookup that started before a creation must not cache "unknown". */
  private creations = 0;
  private activeKeys: Cached<boolean> | undefined;

  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly options: ApiKeyServiceOptions = {},
  ) {
    this.ttlMs = options.cacheTtlMs ?? API_KEY_CACHE_TTL_MS;
    this.negativeTtlMs = options.negativeCacheTtlMs ?? API_KEY_NEGATIVE_CACHE_TTL_MS;
    this.maxCached = options.maxCachedKeys ?? MAX_CACHED_KEYS;
    this.now = options.now ?? Date.now;
  }

  /**
   * Creates a key; the returned `key` is the only time it exists in clear. `actor`
   * (who created it) goes to the audit trail. `sourceIds` scopes an intake key;
   * `operatorId` names the operator of an operator key (required for it, refused for others).
   */
  async create(
    input: {
      label: string;
      role: string;
      sourceIds?: readonly number[] | null | undefined;
      operatorId?: number | null | undefined;
    },
    actor: string,
  ): Promise<{ key: string; apiKey: ApiKeyView }> {
    const label = validLabel(input.label);
    const role = validRole(input.role);
    const operatorId = await validOperatorId(this.keys, role, input.operatorId);
    const sourceIds = await validSourceIds(this.keys, role, input.sourceIds);
    const generated = generateApiKey();
    const record = await this.keys.create(
      { label, role, publicId: generated.publicId, keyHash: generated.keyHash, sourceIds, operatorId },
      actor,
    );
    // 64 random bits of public id colliding is not a case worth a retry loop.
    if (!record) throw new Error("a generated API key collided with an existing one; try again");
    this.keyCreated(generated.keyHash);
    return { key: generated.key, apiKey: toView(record) };
  }

  async list(): Promise<ApiKeyView[]> {
    return (await this.keys.list()).map(toView);
  }

  /** Revokes a key; it stops working here at once and on other instances within the cache time. */
  async revoke(id: number, actor: string): Promise<ApiKeyView> {
    const record = await this.keys.revoke(id, actor);
    if (!record) throw new NotFoundError(`API key ${id} does not exist.`);
    this.principals.clear();
    this.activeKeys = undefined;
    return toView(record);
  }

  /**
   * Creates the admin key "bootstrap" holding exactly `value` unless a key with that value
   * exists. A revoked bootstrap key stays revoked: starting again does not bring it back.
   */
  async ensureBootstrapKey(value: string): Promise<"created" | "exists" | "revoked"> {
    const keyHash = hashApiKey(value);
    const existing = await this.keys.findByHash(keyHash);
    if (existing) return existing.revokedAt ? "revoked" : "exists";
    const created = await this.keys.create(
      { label: "bootstrap", role: "admin", publicId: null, keyHash },
      "BOOTSTRAP_ADMIN_KEY",
    );
    this.keyCreated(keyHash);
    // null: another instance starting at the same time created it first.
    return created ? "created" : "exists";
  }

  /** The caller a key belongs to, or null for an unknown or revoked key. */
  authenticate(key: string): Promise<Principal | null> {
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) return Promise.resolve(null);
    const keyHash = hashApiKey(key);
    const now = this.now();
    const cached = this.principals.get(keyHash);
    if (cached && cached.expiresAt > now) return cached.value;
    const unknownUntil = this.unknown.get(keyHash);
    if (unknownUntil !== undefined && unknownUntil > now) return Promise.resolve(null);
    // Concurrent first requests with one key share one lookup (the promise is cached).
    const lookup = this.lookUp(key, keyHash);
    this.principals.delete(keyHash);
    bounded(this.principals, this.maxCached).set(keyHash, { value: lookup, expiresAt: now + this.ttlMs });
    const creationsBefore = this.creations;
    const forget = () => {
      if (this.principals.get(keyHash)?.value === lookup) this.principals.delete(keyHash);
    };
    lookup.then((principal) => {
      if (principal !== null) return this.recognise(keyHash);
      forget();
      this.recognised.delete(keyHash);
      // A key created meanwhile may be this one: its "unknown" may already be stale.
      if (this.creations === creationsBefore) this.rememberUnknown(keyHash);
    }, forget); // a failed lookup (the database) is not an answer: the next request asks again
    return lookup;
  }

  /**
   * Whether this key authenticated here or was created here, however long ago (among the
   * last maxCachedKeys), and has not failed since. Says nothing about its validity now, only
   * that it is worth a lookup where unknown keys are being refused (auth.plugin.ts).
   */
  recognises(key: string): boolean {
    return this.recognised.has(hashApiKey(key));
  }

  /** Whether any active key exists (AUTH=auto runs open without one); cached like keys. */
  hasActiveKeys(): Promise<boolean> {
    const now = this.now();
    if (this.activeKeys && this.activeKeys.expiresAt > now) return this.activeKeys.value;
    const value = this.keys.hasActiveKeys();
    const entry = { value, expiresAt: now + this.ttlMs };
    this.activeKeys = entry;
    value.catch(() => {
      if (this.activeKeys === entry) this.activeKeys = undefined;
    });
    return value;
  }

  private async lookUp(key: string, keyHash: string): Promise<Principal | null> {
    const candidates = await this.keys.findCandidates(publicIdOf(key), keyHash);
    const match = candidates.find((candidate) => sameHash(candidate.keyHash, keyHash));
    if (!match || match.revokedAt) return null;
    // At most once per cache period per instance: last_used_at is that precise.
    this.keys.markUsed(match.id).catch((error: unknown) => this.options.onBackgroundError?.(error));
    return {
      keyId: match.id,
      label: match.label,
      role: match.role,
      sourceIds: match.sourceIds,
      operatorId: match.operatorId,
    };
  }

  private keyCreated(keyHash: string): void {
    this.creations += 1;
    this.unknown.clear();
    this.recognise(keyHash);
    this.activeKeys = undefined;
  }

  private rememberUnknown(keyHash: string): void {
    this.unknown.delete(keyHash);
    bounded(this.unknown, this.maxCached).set(keyHash, this.now() + this.negativeTtlMs);
  }

  private recognise(keyHash: string): void {
    this.recognised.delete(keyHash);
    bounded(this.recognised, this.maxCached).add(keyHash);
  }
}

/** Makes room for one more entry by dropping the oldest (Maps and Sets keep insertion order). */
function bounded<T extends Map<string, unknown> | Set<string>>(cache: T, max: number): T {
  if (cache.size >= max) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
  return cache;
}

function toView(record: ApiKeyRecord): ApiKeyView {
  return {
    id: record.id,
    label: record.label,
    role: record.role,
    sourceIds: record.sourceIds,
    operatorId: record.operatorId,
    prefix: displayPrefix(record.publicId),
    createdAt: record.createdAt,
    revokedAt: record.revokedAt,
    lastUsedAt: record.lastUsedAt,
  };
}
