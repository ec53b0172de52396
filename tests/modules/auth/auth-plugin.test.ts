// The auth hook in each mode: open on loopback without keys, turning on by itself
// once a key exists, closed on a network address, AUTH=off; the 401/403 answers;
// the caller's label reaching the audit trail.
import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildApp } from "../../../src/app.js";
import type { Deps } from "../../../src/deps.js";
import { AuditRepository } from "../../../src/modules/audit/audit.repository.js";
import { ApiKeyRepository } from "../../../src/modules/auth/api-key.repository.js";
import { ApiKeyService } from "../../../src/modules/auth/api-key.service.js";
import type { AuthSettings } from "../../../src/modules/auth/auth.plugin.js";
import { query } from "../../helpers/sql.js";
import { useTestApp } from "../../helpers/test-app.js";
import { expectProblem } from "../../http/problem-assertions.js";

const t = useTestApp();

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});
beforeEach(async () => {
  await t.testDatabase.reset();
});

/** An app over the test database with its own key service (its own cache) and clock. */
async function appWith(auth: AuthSettings, clock = { now: 0 }) {
  const prisma = t.database.prisma;
  const apiKeys = new ApiKeyService(new ApiKeyRepository(prisma, new AuditRepository(prisma)), {
    cacheTtlMs: 10_000,
    now: () => clock.now,
  });
  const app = await buildApp({ deps: { ...t.deps, apiKeys }, auth });
  await app.ready();
  apps.push(app);
  return app;
}

/** Creates a key the way the CLI does: through another service, whose cache the app does not share. */
async function createKeyElsewhere(role: "admin" | "intake" | "viewer", label = `${role} key`) {
  const prisma = t.database.prisma;
  const cli = new ApiKeyService(new ApiKeyRepository(prisma, new AuditRepository(prisma)));
  return (await cli.create({ label, role }, "cli:test")).key;
}

const get = (app: FastifyInstance, url: string, key?: string) =>
  app.inject({ method: "GET", url, headers: key ? { authorization: `Bearer ${key}` } : {} });

describe("AUTH=auto on loopback", () => {
  it("runs open while no key exists, and requires one within the cache time after the first is created", async () => {
    const clock = { now: 0 };
    const app = await appWith({ mode: "auto", host: "127.0.0.1" }, clock);
    expect((await get(app, "/operators")).statusCode).toBe(200);

    const key = await createKeyElsewhere("viewer");
    clock.now += 9_000;
    expect((await get(app, "/operators")).statusCode).toBe(200);
    clock.now += 1_001;
    expectProblem(await get(app, "/operators"), 401, "unauthorized");
    expect((await get(app, "/operators", key)).statusCode).toBe(200);
    expect((await get(app, "/health")).statusCode).toBe(200);
  });

  it("opens again (on loopback only) once every key is revoked", async () => {
    const clock = { now: 0 };
    await createKeyElsewhere("admin");
    const app = await appWith({ mode: "auto", host: "127.0.0.1" }, clock);
    expect((await get(app, "/operators")).statusCode).toBe(401);
    await query(t.testDatabase.url, "UPDATE api_keys SET revoked_at = now()");
    clock.now += 10_001;
    expect((await get(app, "/operators")).statusCode).toBe(200);
  });
});

describe("AUTH=auto on a network address", () => {
  it("stays closed with no key at all: off loopback it never runs open", async () => {
    const app = await appWith({ mode: "auto", host: "0.0.0.0" });
    expectProblem(await get(app, "/operators"), 401, "unauthorized");
    expect((await get(app, "/ready")).statusCode).toBe(200);
  });
});

describe("AUTH=on", () => {
  it("requires a key even on loopback with no key in the database", async () => {
    const app = await appWith({ mode: "on", host: "127.0.0.1" });
    expectProblem(await get(app, "/stats/distribution"), 401, "unauthorized");
  });
});

describe("AUTH=off", () => {
  it("needs no key anywhere, but a valid key still names the caller in the audit trail", async () => {
    const key = await createKeyElsewhere("viewer", "named viewer");
    const app = await appWith({ mode: "off", host: "0.0.0.0" });
    const anonymous = await app.inject({ method: "POST", url: "/operators", payload: { name: "Anon" } });
    expect(anonymous.statusCode).toBe(201);
    const named = await app.inject({
      method: "POST",
      url: "/operators",
      payload: { name: "Named" },
      headers: { authorization: `Bearer ${key}` },
    });
    expect(named.statusCode).toBe(201);
    const unknown = await app.inject({
      method: "GET",
      url: "/operators",
      headers: { authorization: "Bearer nonsense" },
    });
    expect(unknown.statusCode).toBe(200);
    const actors = await query<{ actor: string }>(
      t.testDatabase.url,
      "SELECT actor FROM events WHERE type = 'operator.created' ORDER BY id",
    );
    expect(actors.map((row) => row.actor)).toEqual(["anonymous", "named viewer"]);
  });
});

describe("the answers", () => {
  it("401 without a key says how to send one; with a bad key it says invalid_token", async () => {
    const app = await appWith({ mode: "on", host: "127.0.0.1" });
    const missing = await get(app, "/operators");
    expect(expectProblem(missing, 401, "unauthorized")).toMatchObject({
      title: "Unauthorized",
      detail: "This route needs an API key: send it as the header Authorization: Bearer <key>.",
      instance: "/operators",
    });
    expect(missing.headers["www-authenticate"]).toBe('Bearer realm="lead-distribution"');
    const invalid = await get(app, "/operators", "lds_0123456789abcdef_nope");
    expect(expectProblem(invalid, 401, "unauthorized").detail).toBe(
      "The API key is not valid: it is unknown or was revoked.",
    );
    expect(invalid.headers["www-authenticate"]).toBe(
      'Bearer realm="lead-distribution", error="invalid_token"',
    );
  });

  it("403 names the roles the route needs and the key's role", async () => {
    const key = await createKeyElsewhere("intake");
    const app = await appWith({ mode: "on", host: "127.0.0.1" });
    const response = await app.inject({
      method: "PATCH",
      url: "/operators/1",
      payload: { name: "x" },
      headers: { authorization: `Bearer ${key}` },
    });
    expect(expectProblem(response, 403, "forbidden")).toMatchObject({
      title: "Forbidden",
      detail: "This route needs the role admin; the API key has the role intake.",
    });
  });

  it("records the key's label as the actor of an admin's change", async () => {
    const key = await createKeyElsewhere("admin", "ops laptop");
    const app = await appWith({ mode: "on", host: "127.0.0.1" });
    const response = await app.inject({
      method: "POST",
      url: "/sources",
      payload: { name: "Telegram" },
      headers: { authorization: `Bearer ${key}` },
    });
    expect(response.statusCode).toBe(201);
    const [event] = await query<{ actor: string }>(
      t.testDatabase.url,
      "SELECT actor FROM events WHERE type = 'source.created'",
    );
    expect(event?.actor).toBe("ops laptop");
  });

  it("a database that cannot be reached while checking a key is a 503, not a 401", async () => {
    const unreachable = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), {
      code: "ECONNREFUSED",
    });
    const apiKeys = {
      authenticate: async () => Promise.reject(unreachable),
      hasActiveKeys: async () => Promise.reject(unreachable),
    } as unknown as Deps["apiKeys"];
    const app = await buildApp({ deps: { ...t.deps, apiKeys }, auth: { mode: "auto", host: "127.0.0.1" } });
    apps.push(app);
    expectProblem(await get(app, "/operators", "lds_whatever"), 503, "unavailable");
    expect((await get(app, "/health")).statusCode).toBe(200);
  });
});
