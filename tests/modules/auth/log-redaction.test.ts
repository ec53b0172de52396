// Keys and the Authorization header never reach the log, at the most verbose level,
// through the logger the server uses (src/http/logger.ts).
import { createHash } from "node:crypto";
import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../../src/app.js";
import { createLogger } from "../../../src/http/logger.js";
import { useTestApp } from "../../helpers/test-app.js";

const t = useTestApp();
const BOOTSTRAP = "bootstrap-value-that-must-never-be-logged-0123456789";
const lines: string[] = [];
let app: FastifyInstance;
let keys: { admin: string; intake: string; revoked: string };

beforeAll(async () => {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = createLogger("trace", stream);
  const admin = await t.deps.apiKeys.create({ label: "logged admin", role: "admin" }, "test");
  const intake = await t.deps.apiKeys.create({ label: "logged intake", role: "intake" }, "test");
  const revoked = await t.deps.apiKeys.create({ label: "logged revoked", role: "viewer" }, "test");
  await t.deps.apiKeys.revoke(revoked.apiKey.id, "test");
  await t.deps.apiKeys.ensureBootstrapKey(BOOTSTRAP);
  keys = { admin: admin.key, intake: intake.key, revoked: revoked.key };
  app = await buildApp({ deps: t.deps, logger, auth: { mode: "on", host: "0.0.0.0" } });
  // Something careless: a route that logs the whole request headers.
  app.get("/careless", { config: { access: "public" } }, async (request) => {
    request.log.info({ headers: request.headers }, "headers");
    request.log.info({ req: { headers: request.headers } }, "request with headers");
    return { ok: true };
  });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
});

describe("the log at trace level", () => {
  it("holds the requests, the callers' labels, and never a key or an Authorization header", async () => {
    const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
    const requests = [
      { method: "GET" as const, url: "/operators", headers: bearer(keys.admin) },
      {
        method: "POST" as const,
        url: "/operators",
        headers: bearer(keys.admin),
        payload: { name: "Logged" },
      },
      { method: "GET" as const, url: "/operators", headers: bearer(keys.intake) }, // 403
      { method: "GET" as const, url: "/operators", headers: bearer(keys.revoked) }, // 401
      { method: "GET" as const, url: "/operators", headers: bearer(BOOTSTRAP) },
      { method: "GET" as const, url: "/operators", headers: bearer(`${keys.admin}x`) }, // 401, unknown
      { method: "POST" as const, url: "/appeals", headers: bearer(keys.intake), payload: { bad: true } }, // 400
      { method: "GET" as const, url: "/careless", headers: bearer(keys.admin) },
      { method: "GET" as const, url: "/nowhere", headers: bearer(keys.admin) }, // 404
    ];
    const statuses = [];
    for (const request of requests) statuses.push((await app.inject(request)).statusCode);
    expect(statuses).toEqual([200, 201, 403, 401, 200, 401, 400, 200, 404]);

    const log = lines.join("");
    expect(log).toContain("incoming request");
    expect(log).toContain('"api_key_label":"logged admin"');
    expect(log).toContain('"authorization":"[redacted]"');
    for (const secret of [keys.admin, keys.intake, keys.revoked, BOOTSTRAP]) {
      expect(log).not.toContain(secret);
      expect(log).not.toContain(secret.slice(21)); // the secret part alone
    }
    expect(log).not.toMatch(/Bearer /i);
  });

  it("a key created over HTTP is in its 201 answer only, never in the log", async () => {
    lines.length = 0;
    const response = await app.inject({
      method: "POST",
      url: "/api-keys",
      headers: { authorization: `Bearer ${keys.admin}` },
      payload: { role: "viewer", label: "created over http" },
    });
    expect(response.statusCode, response.body).toBe(201);
    const { id, key } = response.json() as { id: number; key: string };
    expect(key).toMatch(/^lds_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);

    const log = lines.join("");
    expect(log).toContain('"url":"/api-keys"');
    expect(log).toContain("request completed");
    expect(log).not.toContain(key);
    expect(log).not.toContain(key.slice(21)); // the secret part alone
    expect(log).not.toContain(createHash("sha256").update(key).digest("hex"));

    // Neither when it is used, nor when it is revoked.
    await app.inject({ method: "GET", url: "/operators", headers: { authorization: `Bearer ${key}` } });
    const revoke = await app.inject({
      method: "DELETE",
      url: `/api-keys/${id}`,
      headers: { authorization: `Bearer ${keys.admin}` },
    });
    expect(revoke.statusCode).toBe(204);
    expect(lines.join("")).not.toContain(key.slice(21));
  });
});
