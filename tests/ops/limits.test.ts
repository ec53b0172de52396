// The limits every request meets: body size, rate per caller, page sizes, a
// deadline on the request and on each statement, security headers and CORS.
import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/app.js";
import { connectDatabase } from "../../src/db/prisma.js";
import { createDeps } from "../../src/deps.js";
import { createLogger } from "../../src/http/logger.js";
import type { Principal } from "../../src/modules/auth/principal.js";
import { createSource, unique } from "../helpers/factories.js";
import { query } from "../helpers/sql.js";
import { type AppOptions, type RunningApp, startTestApp, useTestApp } from "../helpers/test-app.js";
import { onRealServer } from "../helpers/test-database.js";
import { expectProblem } from "../http/problem-assertions.js";

const t = useTestApp();
const extraApps: RunningApp[] = [];
afterAll(async () => {
  await Promise.all(extraApps.map((running) => running.close()));
});

async function appWith(options: AppOptions): Promise<FastifyInstance> {
  const running = await startTestApp(t.testDatabase.url, { poolSize: 2, ...options });
  extraApps.push(running);
  return running.app;
}

/** Stands in for the auth plugin: the header `x-test-key` names the caller's key id. */
function fakePrincipal(app: FastifyInstance): void {
  app.addHook("onRequest", async (request) => {
    const keyId = request.headers["x-test-key"];
    if (typeof keyId === "string") {
      (request as { principal: Principal | null }).principal = {
        keyId: Number(keyId),
        label: `test key ${keyId}`,
        role: "admin",
        sourceIds: null,
        operatorId: null,
      };
    }
  });
}

describe("request body limit", () => {
  it("refuses a body over BODY_LIMIT_BYTES with 413 problem+json and stores nothing", async () => {
    const app = await appWith({ http: { bodyLimitBytes: 2048 } });
    const source = await createSource(app);
    const externalId = unique("too-large");
    const response = await app.inject({
      method: "POST",
      url: "/appeals",
      payload: { lead_external_id: externalId, source_id: source.id, message: "x".repeat(4000) },
    });
    const body = expectProblem(response, 413, "payload_too_large");
    expect(body.title).toBe("Payload too large");
    expect(body.detail).toMatch(/body/i);
    expect(
      await query(t.testDatabase.url, "SELECT id FROM leads WHERE external_id = $1", [externalId]),
    ).toEqual([]);

    const small = await app.inject({
      method: "POST",
      url: "/appeals",
      payload: { lead_external_id: externalId, source_id: source.id, message: "x".repeat(1000) },
    });
    expect(small.statusCode, small.body).toBe(201);
  });
});

describe("rate limit", () => {
  it("answers 429 problem+json with Retry-After once a caller spent its budget for the minute", async () => {
    const app = await appWith({ http: { rateLimitPerMinute: 3 } });
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await app.inject({ method: "GET", url: "/operators" });
      expect(response.statusCode).toBe(200);
      expect(response.headers["x-ratelimit-limit"]).toBe("3");
      remaining.push(String(response.headers["x-ratelimit-remaining"]));
    }
    expect(remaining).toEqual(["2", "1", "0"]);

    const refused = await app.inject({ method: "POST", url: "/operators", payload: { name: unique("op") } });
    const body = expectProblem(refused, 429, "rate_limited");
    expect(body.title).toBe("Too many requests");
    const retryAfter = Number(refused.headers["retry-after"]);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Refused before the handler: nothing was written.
    expect(await query(t.testDatabase.url, "SELECT id FROM operators WHERE name LIKE 'op-%'")).toEqual([]);

    // Probes are never throttled; another client address has its own budget.
    expect((await app.inject({ method: "GET", url: "/health" })).statusCode).toBe(200);
    expect((await app.inject({ method: "GET", url: "/ready" })).statusCode).toBe(200);
    const elsewhere = await app.inject({ method: "GET", url: "/operators", remoteAddress: "10.1.2.3" });
    expect(elsewhere.statusCode).toBe(200);
  });

  it("counts per API key, not per address, once the caller is authenticated", async () => {
    const app = await appWith({ http: { rateLimitPerMinute: 2 }, configure: fakePrincipal });
    const asKey = (keyId: number) =>
      app.inject({ method: "GET", url: "/sources", headers: { "x-test-key": String(keyId) } });
    expect((await asKey(1)).statusCode).toBe(200);
    expect((await asKey(1)).statusCode).toBe(200);
    expectProblem(await asKey(1), 429, "rate_limited");
    // Same address, another key: a budget of its own.
    expect((await asKey(2)).statusCode).toBe(200);
  });

  it("is off when RATE_LIMIT_PER_MINUTE is 0", async () => {
    const app = await appWith({ http: { rateLimitPerMinute: 0 } });
    for (let i = 0; i < 20; i++) {
      const response = await app.inject({ method: "GET", url: "/health" });
      expect(response.statusCode).toBe(200);
      expect(response.headers["x-ratelimit-limit"]).toBeUndefined();
    }
  });
});

describe("page sizes", () => {
  beforeAll(async () => {
    // 501 leads straight in the table: more than any page may hold.
    await query(
      t.testDatabase.url,
      `INSERT INTO leads (external_id, updated_at) SELECT 'bulk-' || n, now() FROM generate_series(1, 501) n`,
    );
  });

  it.each(["/appeals", "/leads"])("%s refuses limit=501 and serves limit=500", async (url) => {
    const refused = await t.app.inject({ method: "GET", url: `${url}?limit=501` });
    expect(expectProblem(refused, 400, "validation_failed").errors?.map((e) => e.path)).toEqual(["limit"]);
    expect((await t.app.inject({ method: "GET", url: `${url}?limit=500` })).statusCode).toBe(200);
  });

  it("GET /leads serves at most 500 per page and GET /appeals/leads (the original design) at most 500", async () => {
    const page = await t.app.inject({ method: "GET", url: "/leads?limit=500" });
    expect((page.json() as { items: unknown[] }).items).toHaveLength(500);
    const legacy = await t.app.inject({ method: "GET", url: "/appeals/leads" });
    expect(legacy.statusCode).toBe(200);
    expect(legacy.json()).toHaveLength(500);
  });
});

describe("request deadline", () => {
  it("answers 503 problem+json `timeout` when a request outlives REQUEST_TIMEOUT_MS, instead of hanging", async () => {
    const app = await appWith({
      http: { requestTimeoutMs: 200 },
      configure: (instance) => {
        instance.get("/test/slow", { config: { access: "public" } }, async () => {
          await new Promise((resolve) => setTimeout(resolve, 1_500));
          return { done: true };
        });
      },
    });
    // The handler would answer 200 after 1.5 s: a 503 proves the deadline answered first.
    const response = await app.inject({ method: "GET", url: "/test/slow" });
    const body = expectProblem(response, 503, "timeout");
    expect(body.title).toBe("Request timed out");
    // Fast requests are untouched.
    expect((await app.inject({ method: "GET", url: "/health" })).statusCode).toBe(200);
  });

  it("holds for requests with a body too (Fastify's own handlerTimeout misses them)", async () => {
    const app = await appWith({
      http: { requestTimeoutMs: 200 },
      configure: (instance) => {
        instance.post("/test/slow-write", { config: { access: "public" } }, async () => {
          await new Promise((resolve) => setTimeout(resolve, 1_500));
          return { done: true };
        });
      },
    });
    const response = await app.inject({ method: "POST", url: "/test/slow-write", payload: { a: 1 } });
    expectProblem(response, 503, "timeout");
  });

  // PGlite (the embedded fallback) ignores statement_timeout and runs on the test's own thread.
  it.skipIf(!onRealServer)(
    "answers 503 `timeout` when PostgreSQL cancels a statement at DATABASE_STATEMENT_TIMEOUT_MS",
    async () => {
      const app = await appWith({
        statementTimeoutMs: 200,
        poolSize: 1,
        // The statement runs through the same pool and Prisma client as the services.
        configure: (instance, deps) => {
          instance.get("/test/slow-statement", { config: { access: "public" } }, async () => {
            await deps.database.prisma.$queryRaw`SELECT pg_sleep(2)`;
            return { done: true };
          });
        },
      });
      // pg_sleep(2) would answer 200: the 503 proves PostgreSQL cancelled the statement.
      const response = await app.inject({ method: "GET", url: "/test/slow-statement" });
      expectProblem(response, 503, "timeout");
      // The pool's only connection serves the next request.
      expect((await app.inject({ method: "GET", url: "/operators" })).statusCode).toBe(200);
    },
  );

  it.skipIf(!onRealServer)(
    "answers 503 `timeout` when the appeal intake (pg, not Prisma) is cancelled, and stores nothing",
    async () => {
      const app = await appWith({ statementTimeoutMs: 200, poolSize: 1 });
      const source = await createSource(app);
      const locker = new pg.Client({ connectionString: t.testDatabase.url });
      await locker.connect();
      try {
        // The intake inserts a lead: it waits for this lock until PostgreSQL cancels it.
        await locker.query("BEGIN; LOCK TABLE leads IN EXCLUSIVE MODE");
        const blocked = await app.inject({
          method: "POST",
          url: "/appeals",
          payload: { lead_external_id: "blocked-lead", source_id: source.id },
        });
        expectProblem(blocked, 503, "timeout");
        await locker.query("ROLLBACK");
      } finally {
        await locker.end();
      }
      const stored = await query<{ n: number }>(
        t.testDatabase.url,
        "SELECT count(*)::int AS n FROM leads WHERE external_id = 'blocked-lead'",
      );
      expect(stored[0]?.n).toBe(0);
      // The pool's only connection, and its prepared intake, serve the next appeal.
      const next = await app.inject({
        method: "POST",
        url: "/appeals",
        payload: { lead_external_id: "after-the-lock", source_id: source.id },
      });
      expect(next.statusCode, next.body).toBe(201);
    },
  );
});

describe("security headers", () => {
  it("are on every answer, errors included, under a CSP Swagger UI works with", async () => {
    // An answer, a 404 of a route, a 404 of no route, a URL refused before routing, the docs.
    for (const url of ["/operators", "/operators/999999", "/no-such-route", "/operators/%E0%A4%A", "/docs"]) {
      const response = await t.app.inject({ method: "GET", url });
      expect(response.headers["x-content-type-options"], url).toBe("nosniff");
      expect(response.headers["x-frame-options"], url).toBe("SAMEORIGIN");
      expect(response.headers["strict-transport-security"], url).toMatch(/^max-age=\d+/);
      expect(response.headers["referrer-policy"], url).toBe("no-referrer");
      expect(response.headers["cross-origin-opener-policy"], url).toBe("same-origin");
      const csp = String(response.headers["content-security-policy"]);
      expect(csp, url).toContain("default-src 'self'");
      expect(csp, url).toContain("script-src 'self'");
      expect(csp, url).toContain("object-src 'none'");
      expect(csp, url).not.toContain("upgrade-insecure-requests");
      expect(response.headers["x-powered-by"], url).toBeUndefined();
    }
  });

  it("the Swagger UI page loads only same-origin scripts and stylesheets, which the CSP allows", async () => {
    const html = (await t.app.inject({ method: "GET", url: "/docs" })).body;
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] as string);
    expect(assets.length).toBeGreaterThan(3);
    for (const asset of assets) expect(asset).toMatch(/^(\.\/|\/docs\/)static\//);
    expect(html).not.toMatch(/<script>(?!\s*<\/script>)/); // no inline script, which script-src 'self' would block
    for (const asset of assets) {
      const url = asset.startsWith("./") ? `/docs/${asset.slice(2)}` : asset;
      expect((await t.app.inject({ method: "GET", url })).statusCode, url).toBe(200);
    }
  });
});

describe("CORS", () => {
  const preflight = (app: FastifyInstance, origin: string) =>
    app.inject({
      method: "OPTIONS",
      url: "/appeals",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type,idempotency-key",
      },
    });

  it("is off by default: no Access-Control-* header for any origin", async () => {
    const simple = await t.app.inject({
      method: "GET",
      url: "/operators",
      headers: { origin: "https://crm.example" },
    });
    expect(simple.statusCode).toBe(200);
    expect(simple.headers["access-control-allow-origin"]).toBeUndefined();
    const response = await preflight(t.app, "https://crm.example");
    expect(response.headers["access-control-allow-origin"]).toBeUndefined();
    expect(response.headers["access-control-allow-methods"]).toBeUndefined();
  });

  it("allows exactly the configured origins, preflight included", async () => {
    const app = await appWith({ http: { corsOrigins: ["https://crm.example", "https://admin.example"] } });
    const allowed = await preflight(app, "https://admin.example");
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers["access-control-allow-origin"]).toBe("https://admin.example");
    expect(String(allowed.headers["access-control-allow-methods"])).toContain("POST");
    expect(String(allowed.headers["access-control-allow-headers"]).toLowerCase()).toContain("authorization");
    expect(String(allowed.headers["access-control-allow-headers"]).toLowerCase()).toContain(
      "idempotency-key",
    );
    expect(String(allowed.headers["access-control-allow-methods"])).toContain("DELETE");
    expect(String(allowed.headers["access-control-allow-headers"]).toLowerCase()).toContain("if-match");

    const simple = await app.inject({
      method: "GET",
      url: "/operators",
      headers: { origin: "https://crm.example" },
    });
    expect(simple.headers["access-control-allow-origin"]).toBe("https://crm.example");
    expect(String(simple.headers["access-control-expose-headers"]).toLowerCase()).toContain("retry-after");
    expect(String(simple.headers["access-control-expose-headers"]).toLowerCase()).toContain("etag");

    const other = await app.inject({
      method: "GET",
      url: "/operators",
      headers: { origin: "https://evil.example" },
    });
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
  });
});

describe("logs", () => {
  it("never contain the Authorization header, not even for a failed request", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger("trace", sink);
    const database = connectDatabase({ url: t.testDatabase.url, poolSize: 1 });
    const app = await buildApp({ deps: createDeps(database), logger });
    const secret = "lds_secretsecretsecretsecretsecret0123";
    try {
      await app.inject({ method: "GET", url: "/operators", headers: { authorization: `Bearer ${secret}` } });
      await app.inject({
        method: "POST",
        url: "/operators",
        headers: { authorization: `Bearer ${secret}` },
        payload: { name: "" },
      });
      await app.inject({ method: "GET", url: "/nowhere", headers: { authorization: `Bearer ${secret}` } });
    } finally {
      await app.close();
      await database.close();
    }
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.join("")).not.toContain(secret);
  });
});
