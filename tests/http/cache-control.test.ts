// Answers of routes that need a key carry Cache-Control: no-store, so no browser,
// proxy or CDN keeps lead data (or a 401/403 for someone else's request); public
// routes (probes, docs) stay cacheable.
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/app.js";
import { createAppeal, createSource } from "../helpers/factories.js";
import { useTestApp } from "../helpers/test-app.js";

const t = useTestApp();
let closed: FastifyInstance;
let keys: { admin: string; intake: string };

beforeAll(async () => {
  const source = await createSource(t.app);
  await createAppeal(t.app, { source_id: source.id, lead_external_id: "tg_cache_1", lead_name: "Alice" });
  keys = {
    admin: (await t.deps.apiKeys.create({ label: "cache admin", role: "admin" }, "test")).key,
    intake: (await t.deps.apiKeys.create({ label: "cache intake", role: "intake" }, "test")).key,
  };
  closed = await buildApp({ deps: t.deps, auth: { mode: "on", host: "0.0.0.0" } });
  await closed.ready();
});
afterAll(async () => {
  await closed?.close();
});

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe("Cache-Control", () => {
  it.each([
    ["a lead list", "GET", "/leads", "admin", 200],
    ["one lead", "GET", "/leads/by-external-id/tg_cache_1", "admin", 200],
    ["the appeals", "GET", "/appeals", "admin", 200],
    ["a 404 of a protected route", "GET", "/appeals/999999", "admin", 404],
    ["a 400 of a protected route", "GET", "/appeals/abc", "admin", 400],
    ["a 401 (no key)", "GET", "/leads", null, 401],
    ["a 401 (unknown key)", "GET", "/leads", "unknown", 401],
    ["a 403", "GET", "/leads", "intake", 403],
  ] as const)("is no-store on %s", async (_, method, url, who, status) => {
    const headers = who === null ? {} : bearer(who === "unknown" ? "lds_nope" : keys[who]);
    const response = await closed.inject({ method, url, headers });
    expect(response.statusCode, response.body).toBe(status);
    expect(response.headers["cache-control"]).toBe("no-store");
  });

  it("is no-store on a write's answer", async () => {
    const response = await closed.inject({
      method: "POST",
      url: "/operators",
      payload: { name: "Cached?" },
      headers: bearer(keys.admin),
    });
    expect(response.statusCode).toBe(201);
    expect(response.headers["cache-control"]).toBe("no-store");
  });

  it("is no-store on lead data served open (AUTH=off)", async () => {
    const open = await buildApp({ deps: t.deps, auth: { mode: "off", host: "127.0.0.1" } });
    try {
      const response = await open.inject({ method: "GET", url: "/leads" });
      expect(response.statusCode).toBe(200);
      expect(response.json().items[0]).toMatchObject({ external_id: "tg_cache_1", name: "Alice" });
      expect(response.headers["cache-control"]).toBe("no-store");
    } finally {
      await open.close();
    }
  });

  it("is no-store on the calendar feed, public to API keys but lead data, and on its 401", async () => {
    const { token } = await t.deps.calendarFeeds.create({}, "test", "http://localhost");
    const served = await closed.inject({ method: "GET", url: `/calendar.ics?token=${token}` });
    expect(served.statusCode, served.body).toBe(200);
    expect(served.headers["cache-control"]).toBe("no-store");
    const refused = await closed.inject({ method: "GET", url: "/calendar.ics?token=lcf_nope" });
    expect(refused.statusCode).toBe(401);
    expect(refused.headers["cache-control"]).toBe("no-store");
  });

  it.each(["/health", "/ready", "/docs/json"])("is not set on the public %s", async (url) => {
    const response = await closed.inject({ method: "GET", url });
    expect(response.statusCode).toBe(200);
    expect(response.headers["cache-control"]).toBeUndefined();
  });
});
