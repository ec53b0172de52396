// Failed authentication is limited per client address: made-up keys stop costing a
// lookup once an address has had its share of 401s for the minute, and are answered
// 429 with Retry-After. Valid keys never count, and keys in use are never refused.
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { buildApp } from "../../../src/app.js";
import { AuditRepository } from "../../../src/modules/audit/audit.repository.js";
import { ApiKeyRepository } from "../../../src/modules/auth/api-key.repository.js";
import { ApiKeyService } from "../../../src/modules/auth/api-key.service.js";
import { useTestApp } from "../../helpers/test-app.js";
import { expectProblem } from "../../http/problem-assertions.js";

const t = useTestApp();
const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** An app requiring keys, with its own key service (lookups counted) and one clock for both. */
async function appWith(failedAuthPerMinute: number) {
  const clock = { now: 1_000_000 };
  const prisma = t.database.prisma;
  const repository = new ApiKeyRepository(prisma, new AuditRepository(prisma));
  const counted = { lookups: 0 };
  const findCandidates = repository.findCandidates.bind(repository);
  repository.findCandidates = (publicId, keyHash) => {
    counted.lookups += 1;
    return findCandidates(publicId, keyHash);
  };
  const apiKeys = new ApiKeyService(repository, { now: () => clock.now });
  const app = await buildApp({
    deps: { ...t.deps, apiKeys },
    auth: { mode: "on", host: "0.0.0.0", failedAuthPerMinute, now: () => clock.now },
  });
  await app.ready();
  apps.push(app);
  return { app, apiKeys, clock, counted };
}

let made = 0;
/** A different made-up key every time, as the probe sent them. */
const madeUpKey = () => `lds_${(++made).toString(16).padStart(16, "0")}_${"X".repeat(43)}`;

const get = (app: FastifyInstance, key: string | null, remoteAddress = "10.0.0.1") =>
  app.inject({
    method: "GET",
    url: "/operators",
    remoteAddress,
    headers: key === null ? {} : { authorization: `Bearer ${key}` },
  });

/** A key made by another process (the CLI): this app's service has never seen it. */
async function keyFromElsewhere(label: string): Promise<string> {
  return (await t.deps.apiKeys.create({ label, role: "viewer" }, "cli:test")).key;
}

describe("failed authentication per address", () => {
  it("answers 429 with Retry-After after the limit, without looking the key up", async () => {
    const { app, clock, counted } = await appWith(3);
    for (let i = 0; i < 3; i++) expectProblem(await get(app, madeUpKey()), 401, "unauthorized");
    expect(counted.lookups).toBe(3);

    const refused = await get(app, madeUpKey());
    expect(expectProblem(refused, 429, "rate_limited")).toEqual({
      type: "about:blank",
      title: "Too many requests",
      status: 429,
      code: "rate_limited",
      detail: "Too many requests with an unknown or revoked API key from this address; retry in 60 seconds.",
      instance: "/operators",
      request_id: refused.headers["x-request-id"],
    });
    expect(refused.headers["retry-after"]).toBe("60");
    expect(refused.headers["cache-control"]).toBe("no-store");
    expect(refused.headers["www-authenticate"]).toBeUndefined();

    clock.now += 45_000;
    expect((await get(app, madeUpKey())).headers["retry-after"]).toBe("15");
    clock.now += 14_001;
    expect((await get(app, madeUpKey())).headers["retry-after"]).toBe("1");
    expect(counted.lookups).toBe(3);

    // The minute is over: a made-up key is looked up (and refused) again.
    clock.now += 999;
    expectProblem(await get(app, madeUpKey()), 401, "unauthorized");
    expect(counted.lookups).toBe(4);
  });

  it("counts each address on its own", async () => {
    const { app } = await appWith(2);
    for (let i = 0; i < 3; i++) await get(app, madeUpKey(), "10.0.0.1");
    expectProblem(await get(app, madeUpKey(), "10.0.0.1"), 429, "rate_limited");
    expectProblem(await get(app, madeUpKey(), "10.0.0.2"), 401, "unauthorized");
    expectProblem(await get(app, madeUpKey(), "2001:db8::1"), 401, "unauthorized");
  });

  it("never counts a valid key, and keeps serving keys in use from a refused address", async () => {
    const { app, apiKeys, clock } = await appWith(2);
    const inUse = await keyFromElsewhere("in use");
    for (let i = 0; i < 20; i++) expect((await get(app, inUse)).statusCode).toBe(200);
    const createdHere = (await apiKeys.create({ label: "created here", role: "viewer" }, "test")).key;

    await get(app, madeUpKey());
    await get(app, madeUpKey());
    expectProblem(await get(app, madeUpKey()), 429, "rate_limited");
    expect((await get(app, inUse)).statusCode).toBe(200);
    // Past the cache time the key is looked up again, and still served.
    clock.now += 30_000;
    expect((await get(app, inUse)).statusCode).toBe(200);
    expect((await get(app, createdHere)).statusCode).toBe(200);
  });

  it("a key this process never saw succeed waits, like made-up ones, until the minute is over", async () => {
    const { app, clock } = await appWith(1);
    await get(app, madeUpKey());
    const fresh = await keyFromElsewhere("fresh");
    const waiting = await get(app, fresh);
    expectProblem(waiting, 429, "rate_limited");
    expect(waiting.headers["retry-after"]).toBe("60");
    clock.now += 60_000;
    expect((await get(app, fresh)).statusCode).toBe(200);
  });

  it("does not count requests without a key: they cost no lookup", async () => {
    const { app } = await appWith(2);
    for (let i = 0; i < 10; i++) expectProblem(await get(app, null), 401, "unauthorized");
    expectProblem(await get(app, madeUpKey()), 401, "unauthorized");
  });

  it("a revoked key counts as a failure", async () => {
    const { app } = await appWith(2);
    const { key, apiKey } = await t.deps.apiKeys.create({ label: "revoked", role: "viewer" }, "test");
    await t.deps.apiKeys.revoke(apiKey.id, "test");
    expectProblem(await get(app, key), 401, "unauthorized");
    expectProblem(await get(app, key), 401, "unauthorized");
    expectProblem(await get(app, key), 429, "rate_limited");
  });

  it("is off at 0", async () => {
    const { app, counted } = await appWith(0);
    for (let i = 0; i < 30; i++) expectProblem(await get(app, madeUpKey()), 401, "unauthorized");
    expect(counted.lookups).toBe(30);
  });
});
