import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { buildApp } from "../../src/app.js";
import type { Deps } from "../../src/deps.js";
import { Prisma } from "../../src/generated/prisma/client.js";
import { createOperator, unique } from "../helpers/factories.js";
import { startTestApp, useTestApp } from "../helpers/test-app.js";
import { expectProblem, PROBLEM_CONTENT_TYPE, UUID } from "./problem-assertions.js";

const SQL_LEAK =
  'relation "operators" does not exist: SELECT "id", "name" FROM "public"."operators" WHERE 1=1';

/** An app whose operator service fails with the given error; nothing else is called. */
async function appFailingWith(error: unknown): Promise<FastifyInstance> {
  const operators = {
    list: async () => {
      throw error;
    },
  };
  const app = await buildApp({ deps: { operators } as unknown as Deps });
  await app.ready();
  return app;
}

describe("problem+json errors", () => {
  const t = useTestApp();
  const extraApps: { close(): Promise<unknown> }[] = [];
  afterEach(async () => {
    await Promise.all(extraApps.splice(0).map((app) => app.close()));
  });

  it("a 404 has the problem+json content type and every RFC 9457 member, plus code and request_id", async () => {
    const response = await t.app.inject({ method: "GET", url: "/operators/424242" });

    expect(response.statusCode).toBe(404);
    expect(response.headers["content-type"]).toBe(PROBLEM_CONTENT_TYPE);
    expect(response.json()).toEqual({
      type: "about:blank",
      title: "Not found",
      status: 404,
      detail: "Operator 424242 does not exist.",
      code: "not_found",
      instance: "/operators/424242",
      request_id: expect.stringMatching(UUID),
    });
  });

  it("a validation error lists each field in errors", async () => {
    const response = await t.app.inject({ method: "POST", url: "/operators", payload: { max_load: 10_001 } });
    const body = expectProblem(response, 400, "validation_failed");
    expect(body).toEqual({
      type: "about:blank",
      title: "Request validation failed",
      status: 400,
      detail: expect.stringMatching(/^Invalid body: name: .+; max_load: .+/),
      code: "validation_failed",
      errors: [
        { path: "name", message: expect.any(String) },
        { path: "max_load", message: expect.stringContaining("10000") },
      ],
      instance: "/operators",
      request_id: response.headers["x-request-id"],
    });
  });

  it("malformed JSON is a 400 malformed_json, and nothing is stored", async () => {
    const before = (await t.app.inject({ method: "GET", url: "/operators" })).json();
    const response = await t.app.inject({
      method: "POST",
      url: "/operators",
      headers: { "content-type": "application/json" },
      payload: '{"name": "half',
    });

    const body = expectProblem(response, 400, "malformed_json");
    expect(body.title).toBe("Malformed JSON");
    expect(body.errors).toEqual([{ path: "(body)", message: body.detail }]);
    expect((await t.app.inject({ method: "GET", url: "/operators" })).json()).toEqual(before);
  });

  it("an empty body sent as JSON is malformed JSON too", async () => {
    const response = await t.app.inject({
      method: "POST",
      url: "/operators",
      headers: { "content-type": "application/json" },
      payload: "",
    });
    expect(expectProblem(response, 400, "malformed_json").errors?.[0]?.path).toBe("(body)");
  });

  it("a body that is not JSON is a 415 unsupported_media_type", async () => {
    const response = await t.app.inject({
      method: "POST",
      url: "/operators",
      headers: { "content-type": "application/xml" },
      payload: "<operator><name>x</name></operator>",
    });
    expectProblem(response, 415, "unsupported_media_type");
    expect(response.json().title).toBe("Unsupported media type");
  });

  it("an unknown route is a 404 problem+json with code route_not_found", async () => {
    const response = await t.app.inject({ method: "GET", url: "/operatorz/1?x=1" });
    const body = expectProblem(response, 404, "route_not_found");
    expect(body.detail).toBe("No route GET /operatorz/1.");
    const wrongMethod = await t.app.inject({ method: "DELETE", url: "/operators" });
    expect(expectProblem(wrongMethod, 404, "route_not_found").detail).toBe("No route DELETE /operators.");
  });

  describe("trailing slash", () => {
    it("GET /operators/ answers exactly like GET /operators, without a redirect", async () => {
      await createOperator(t.app);
      const plain = await t.app.inject({ method: "GET", url: "/operators" });
      const slashed = await t.app.inject({ method: "GET", url: "/operators/" });
      expect(slashed.statusCode).toBe(200);
      expect(slashed.headers.location).toBeUndefined();
      expect(slashed.json()).toEqual(plain.json());
      expect(slashed.json().length).toBeGreaterThan(0);
    });

    it("POST /operators/ creates like POST /operators, and /operators/{id}/ gets it", async () => {
      const name = unique("slashed");
      const created = await t.app.inject({ method: "POST", url: "/operators/", payload: { name } });
      expect(created.statusCode, created.body).toBe(201);
      expect(created.headers.location).toBeUndefined();
      expect(created.json()).toMatchObject({ name, is_active: true, max_load: 10 });

      const fetched = await t.app.inject({ method: "GET", url: `/operators/${created.json().id}/` });
      expect(fetched.statusCode).toBe(200);
      expect(fetched.json()).toEqual(created.json());
    });

    it("validation errors are the same with and without the slash", async () => {
      const plain = await t.app.inject({ method: "POST", url: "/operators", payload: { name: "" } });
      const slashed = await t.app.inject({ method: "POST", url: "/operators/", payload: { name: "" } });
      expect(expectProblem(slashed, 400, "validation_failed").errors).toEqual(plain.json().errors);
    });
  });

  describe("X-Request-Id", () => {
    it("echoes a caller's id in the header and in the problem body", async () => {
      const response = await t.app.inject({
        method: "GET",
        url: "/operators/0",
        headers: { "x-request-id": "bot-42.retry:1" },
      });
      expect(response.headers["x-request-id"]).toBe("bot-42.retry:1");
      expect(expectProblem(response, 400, "validation_failed").request_id).toBe("bot-42.retry:1");
    });

    it("generates a fresh UUID when none is sent, on successes and errors", async () => {
      const first = await t.app.inject({ method: "GET", url: "/health" });
      const second = await t.app.inject({ method: "GET", url: "/nowhere" });
      expect(first.headers["x-request-id"]).toMatch(UUID);
      expect(second.headers["x-request-id"]).toMatch(UUID);
      expect(second.headers["x-request-id"]).not.toBe(first.headers["x-request-id"]);
    });

    it.each([
      ["a UUID", "0b6c3f6e-6f1e-4b1a-9d55-8a4c1e2f3a4b"],
      ["a W3C trace id", "4bf92f3577b34da6a3ce929d0e0e4736"],
      ["64 characters, the longest accepted", "r".repeat(64)],
    ])("keeps a short id of safe characters (%s)", async (_, id) => {
      const response = await t.app.inject({ method: "GET", url: "/health", headers: { "x-request-id": id } });
      expect(response.headers["x-request-id"]).toBe(id);
    });

    it.each([
      ["with spaces", "id with spaces"],
      ["too long", "a".repeat(129)],
      ["65 characters", "r".repeat(65)],
      ["with a newline-like escape", "abc%0d%0aSet-Cookie"],
      ["with a slash", "../../etc/passwd"],
      ["with quotes and angle brackets", '"><script>'],
      ["with Latin-1 letters", "r\u00e9sum\u00e9"],
      ["empty", ""],
    ])("replaces an unreasonable id (%s) by a UUID", async (_, id) => {
      const response = await t.app.inject({ method: "GET", url: "/health", headers: { "x-request-id": id } });
      expect(response.headers["x-request-id"]).toMatch(UUID);
    });
  });

  describe("500 and 503", () => {
    it("an unexpected error is a 500 with a generic detail: no message, stack or SQL", async () => {
      const app = await appFailingWith(new Error(SQL_LEAK));
      extraApps.push(app);
      const response = await app.inject({
        method: "GET",
        url: "/operators",
        headers: { "x-request-id": "r-500" },
      });

      expect(response.statusCode).toBe(500);
      expect(response.headers["content-type"]).toBe(PROBLEM_CONTENT_TYPE);
      expect(response.json()).toEqual({
        type: "about:blank",
        title: "Internal Server Error",
        status: 500,
        detail: "An unexpected error occurred; quote request id r-500 when reporting it.",
        code: "internal_error",
        instance: "/operators",
        request_id: "r-500",
      });
      for (const leak of ["SELECT", "relation", "does not exist", "stack", "Error:", ".ts:", "    at "]) {
        expect(response.body).not.toContain(leak);
      }
    });

    it("an error carrying its own 5xx statusCode is still a generic 500", async () => {
      const app = await appFailingWith(Object.assign(new Error(SQL_LEAK), { statusCode: 502 }));
      extraApps.push(app);
      const response = await app.inject({ method: "GET", url: "/operators" });
      expect(expectProblem(response, 500, "internal_error").detail).not.toContain("SELECT");
    });

    it.each([
      [
        "an ECONNREFUSED error",
        Object.assign(new Error("connect ECONNREFUSED 10.1.2.3:5432"), { code: "ECONNREFUSED" }),
      ],
      [
        "a wrapped ECONNRESET",
        new Error("query failed", {
          cause: Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }),
        }),
      ],
      [
        "Prisma's P1001",
        new Prisma.PrismaClientKnownRequestError("Can't reach database server at 10.1.2.3:5432", {
          code: "P1001",
          clientVersion: "7.10.0",
        }),
      ],
      [
        "a server shutdown under Prisma's P2010",
        new Prisma.PrismaClientKnownRequestError("Raw query failed. Code: `57P01`.", {
          code: "P2010",
          clientVersion: "7.10.0",
          meta: {
            driverAdapterError: { name: "DriverAdapterError", cause: { kind: "postgres", code: "57P01" } },
          },
        }),
      ],
    ])("%s is a 503 unavailable that names no host", async (_, error) => {
      const app = await appFailingWith(error);
      extraApps.push(app);
      const response = await app.inject({ method: "GET", url: "/operators" });
      const body = expectProblem(response, 503, "unavailable");
      expect(body.title).toBe("Service unavailable");
      expect(body.detail).toBe("The database is unreachable; retry shortly.");
      expect(response.body).not.toContain("10.1.2.3");
    });

    it("a real unreachable database answers 503 on the API and on /ready, 200 on /health", async () => {
      const running = await startTestApp("postgresql://postgres@127.0.0.1:1/unreachable", { poolSize: 1 });
      extraApps.push(running);
      const list = await running.app.inject({ method: "GET", url: "/operators" });
      expect(expectProblem(list, 503, "unavailable").detail).toBe(
        "The database is unreachable; retry shortly.",
      );
      const create = await running.app.inject({ method: "POST", url: "/operators", payload: { name: "x" } });
      expectProblem(create, 503, "unavailable");
      const ready = await running.app.inject({ method: "GET", url: "/ready" });
      expect(expectProblem(ready, 503, "unavailable").detail).toBe("The database does not answer.");
      const health = await running.app.inject({ method: "GET", url: "/health" });
      expect(health.json()).toEqual({ status: "ok" });
    });
  });
});
