// Every registered route × every kind of caller. The routes are read from the
// router itself (app.printRoutes), not from a list kept here, so a new route is
// checked as soon as it exists; the expected answers follow the roles of README.md:
// admin everything, viewer every GET, intake POST /appeals and GET /appeals/{id};
// /health, /ready and /docs public. An intake key scoped to sources (issue 9) reaches
// the same routes: its scope answers 404 inside them, never 403.
import diagnostics from "node:diagnostics_channel";
import type { FastifyInstance, HTTPMethods } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../../src/app.js";
import type { Role } from "../../../src/modules/auth/principal.js";
import { useTestApp } from "../../helpers/test-app.js";
import { PROBLEM_CONTENT_TYPE } from "../../http/problem-assertions.js";

type Route = { method: HTTPMethods; url: string };

/**
 * Every route each Fastify instance registers, recorded by an onRoute hook added the moment
 * the instance is created (Fastify announces it on this diagnostics channel), so before buildApp
 * adds a single route and whatever the auth plugin does.
 */
const registered = new WeakMap<object, Route[]>();
diagnostics.subscribe("fastify.initialization", (message) => {
  const { fastify } = message as { fastify: FastifyInstance };
  const routes: Route[] = [];
  registered.set(fastify, routes);
  fastify.addHook("onRoute", (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) routes.push({ method: method as HTTPMethods, url: route.url });
  });
});

const PUBLIC = [/^\/health$/, /^\/ready$/, /^\/docs$/, /^\/docs\/.*/];
/** Where a route is stricter than "viewer reads everything" (the audit trail is for admins). */
const ADMIN_ONLY_READS = new Set(["/audit"]);

function isPublic(url: string): boolean {
  return PUBLIC.some((pattern) => pattern.test(url));
}

function allowed(role: Role, { method, url }: Route): boolean {
  if (isPublic(url) || role === "admin") return true;
  const read = method === "GET" || method === "HEAD";
  if (role === "viewer") return read && !ADMIN_ONLY_READS.has(url);
  return (method === "POST" && url === "/appeals") || (read && url === "/appeals/:id");
}

/** A concrete URL for a route pattern; ids that do not exist: the handler's answer does not matter here. */
function concrete(url: string): string {
  return url
    .replace(/:external_id/g, "ext-1")
    .replace(/:[a-z_]+/g, "424242")
    .replace(/\*$/, "index.css");
}

const t = useTestApp();
/** The kinds of key tried against every route, and the role whose rules each follows. */
const KINDS = [
  ["admin", "admin"],
  ["intake", "intake"],
  ["viewer", "viewer"],
  ["scoped intake", "intake"],
] as const;
const keys = {} as Record<(typeof KINDS)[number][0] | "revoked", string>;
let routes: Route[] = [];

beforeAll(async () => {
  for (const role of ["admin", "intake", "viewer"] as const) {
    keys[role] = (await t.deps.apiKeys.create({ label: `route-access ${role}`, role }, "test")).key;
  }
  const source = await t.deps.sources.create({ name: "route-access source", strategy: "weighted" }, "test");
  keys["scoped intake"] = (
    await t.deps.apiKeys.create(
      { label: "route-access scoped intake", role: "intake", sourceIds: [source.id] },
      "test",
    )
  ).key;
  const revoked = await t.deps.apiKeys.create({ label: "route-access revoked", role: "admin" }, "test");
  await t.deps.apiKeys.revoke(revoked.apiKey.id, "test");
  keys.revoked = revoked.key;
  routes = registered.get(t.app) ?? [];
});

async function call(route: Route, authorization?: string) {
  return t.app.inject({
    method: route.method,
    url: concrete(route.url),
    headers: authorization ? { authorization } : {},
  });
}

function expectUnauthorized(response: Awaited<ReturnType<typeof call>>, route: Route) {
  const label = `${route.method} ${route.url}`;
  expect(response.statusCode, label).toBe(401);
  expect(response.headers["www-authenticate"], label).toMatch(/^Bearer\b/);
  if (route.method !== "HEAD") {
    expect(response.headers["content-type"], label).toBe(PROBLEM_CONTENT_TYPE);
    expect(response.json(), label).toMatchObject({ status: 401, code: "unauthorized" });
  }
}

describe("the route list", () => {
  it("holds every route of the contract, both weight methods, the docs' own routes", () => {
    const names = routes.map((route) => `${route.method} ${route.url}`);
    expect(names).toEqual(
      expect.arrayContaining([
        "POST /sources/:id/weights",
        "PUT /sources/:id/weights",
        "GET /sources/:id/weights",
        "POST /appeals",
        "GET /appeals/:id",
        "PATCH /appeals/:id/close",
        "GET /appeals/leads/:id/appeals",
        "GET /leads/by-external-id/:external_id",
        "GET /health",
        "HEAD /health",
        "GET /docs",
        "GET /docs/json",
        "GET /docs/static/*",
      ]),
    );
    for (const route of routes) {
      expect(t.app.hasRoute({ method: route.method, url: route.url }), `${route.method} ${route.url}`).toBe(
        true,
      );
    }
    expect(routes.length).toBeGreaterThan(40);
  });
});

describe.each([
  ["no key", undefined],
  ["an unknown key", "Bearer lds_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"],
  ["a malformed key", "Bearer not-a-key"],
  ["another scheme", "Basic YWRtaW46YWRtaW4="],
] as const)("with %s", (_, authorization) => {
  it("every protected route answers 401 problem+json with WWW-Authenticate, every public one serves", async () => {
    for (const route of routes) {
      const response = await call(route, authorization);
      const label = `${route.method} ${route.url}`;
      if (isPublic(route.url)) expect([401, 403], label).not.toContain(response.statusCode);
      else expectUnauthorized(response, route);
    }
  });
});

describe("with a revoked admin key", () => {
  it("every protected route answers 401", async () => {
    for (const route of routes) {
      const response = await call(route, `Bearer ${keys.revoked}`);
      const label = `${route.method} ${route.url}`;
      if (isPublic(route.url)) expect([401, 403], label).not.toContain(response.statusCode);
      else expectUnauthorized(response, route);
    }
  });
});

describe.each(KINDS)("with a valid %s key", (kind, role) => {
  it("the routes its role allows pass authorisation, the others answer 403 problem+json", async () => {
    const verdicts: string[] = [];
    for (const route of routes) {
      const response = await call(route, `Bearer ${keys[kind]}`);
      const label = `${route.method} ${route.url}`;
      if (allowed(role, route)) {
        expect([401, 403], `${label}: ${response.body}`).not.toContain(response.statusCode);
        verdicts.push(`${label} allowed`);
      } else {
        expect(response.statusCode, label).toBe(403);
        if (route.method !== "HEAD") {
          expect(response.headers["content-type"], label).toBe(PROBLEM_CONTENT_TYPE);
          expect(response.json(), label).toMatchObject({ status: 403, code: "forbidden" });
        }
      }
    }
    if (role === "intake") {
      expect(verdicts.filter((v) => !isPublic(v.split(" ")[1] ?? ""))).toEqual([
        "POST /appeals allowed",
        "GET /appeals/:id allowed",
        "HEAD /appeals/:id allowed",
      ]);
    }
  });

  it("the key is also accepted with a lower-case scheme", async () => {
    const response = await t.app.inject({
      method: "GET",
      url: "/appeals/424242",
      headers: { authorization: `bearer ${keys[kind]}` },
    });
    expect(response.statusCode).toBe(404);
  });
});

describe("a route without an access rule", () => {
  it("stops the app from starting, naming the route", async () => {
    const app = await buildApp({ deps: t.deps, auth: { mode: "on", host: "127.0.0.1" } });
    app.get("/unruled", async () => ({ ok: true }));
    await expect(app.ready()).rejects.toThrow(/Routes without an access rule: GET \/unruled/);
    await app.close();
  });
});

describe("the OpenAPI document", () => {
  type Operation = { security?: unknown; responses: Record<string, unknown> };
  it("declares the bearer scheme; protected operations require it and document 401 and 403", async () => {
    const document = (await t.app.inject({ method: "GET", url: "/docs/json" })).json() as {
      components: { securitySchemes: Record<string, unknown> };
      paths: Record<string, Record<string, Operation>>;
    };
    expect(document.components.securitySchemes).toEqual({
      bearerAuth: { type: "http", scheme: "bearer", description: expect.any(String) },
    });
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        if (path === "/health" || path === "/ready") {
          expect(operation.security, `${method} ${path}`).toBeUndefined();
        } else {
          expect(operation.security, `${method} ${path}`).toEqual([{ bearerAuth: [] }]);
          expect(Object.keys(operation.responses), `${method} ${path}`).toEqual(
            expect.arrayContaining(["401", "403"]),
          );
        }
      }
    }
  });
});
