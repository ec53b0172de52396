// The error handler on an app whose services fail on purpose (no database): which
// problem each error becomes, the field paths of validation errors, and that each
// error is logged once, at the level its kind deserves.
import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { buildApp } from "../../src/app.js";
import { AppError, UnavailableError } from "../../src/core/errors.js";
import type { Deps } from "../../src/deps.js";
import { sendFrameworkError } from "../../src/http/error-handler.js";
import { createLogger } from "../../src/http/logger.js";
import { createMetrics } from "../../src/modules/metrics/metrics.js";
import { expectProblem, expectValidationError } from "./problem-assertions.js";

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

type Line = { level: number; msg: string; reqId?: string; err?: { message?: string } };

/** An app whose operator list throws `error`, with its log lines at hand. */
async function appFailingWith(error: unknown, http: { bodyLimitBytes?: number } = {}) {
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const operators = {
    list: async () => {
      throw error;
    },
  };
  // The request metrics run on every answer; their pool gauges are read only on a scrape.
  const metrics = createMetrics({ pool: {} as never, countPending: async () => 0 });
  const app = await buildApp({
    deps: { operators, metrics } as unknown as Deps,
    logger: createLogger("warn", stream),
    http,
  });
  await app.ready();
  apps.push(app);
  return { app, lines };
}

const WARN = 40;
const ERROR = 50;

describe("how each error is answered and logged", () => {
  it("an unexpected error: a generic 500, logged once as an error with the request id", async () => {
    const { app, lines } = await appFailingWith(new Error("secret detail"));
    const response = await app.inject({
      method: "GET",
      url: "/operators",
      headers: { "x-request-id": "r-1" },
    });
    expect(expectProblem(response, 500, "internal_error").detail).toBe(
      "An unexpected error occurred; quote request id r-1 when reporting it.",
    );
    expect(lines).toEqual([
      expect.objectContaining({
        level: ERROR,
        msg: "unhandled error",
        reqId: "r-1",
        err: expect.objectContaining({ message: "secret detail" }),
      }),
    ]);
  });

  it("an AppError of 5xx: its own problem, logged once as a warning", async () => {
    const { app, lines } = await appFailingWith(new UnavailableError("The queue is full; retry."));
    const response = await app.inject({ method: "GET", url: "/operators" });
    expect(expectProblem(response, 503, "unavailable")).toMatchObject({
      title: "Service unavailable",
      detail: "The queue is full; retry.",
    });
    expect(lines.map((line) => [line.level, line.msg])).toEqual([[WARN, "The queue is full; retry."]]);
  });

  it("an AppError of exactly 500 is logged as a warning too", async () => {
    const { app, lines } = await appFailingWith(new AppError("broken", 500, "Broken", "It broke."));
    expectProblem(await app.inject({ method: "GET", url: "/operators" }), 500, "broken");
    expect(lines.map((line) => [line.level, line.msg])).toEqual([[WARN, "It broke."]]);
  });

  it("an error carrying statusCode 500 is the generic 500, not a client error", async () => {
    const { app, lines } = await appFailingWith(
      Object.assign(new Error("inner detail"), { statusCode: 500 }),
    );
    const response = await app.inject({ method: "GET", url: "/operators" });
    expect(expectProblem(response, 500, "internal_error").detail).not.toContain("inner detail");
    expect(lines.map((line) => [line.level, line.msg])).toEqual([[ERROR, "unhandled error"]]);
  });

  it("an AppError of 4xx: its problem with its field errors, not logged", async () => {
    const error = new AppError("conflict", 409, "Conflict", "Name taken.", [
      { path: "name", message: "taken" },
    ]);
    const { app, lines } = await appFailingWith(error);
    const response = await app.inject({ method: "GET", url: "/operators" });
    expect(expectProblem(response, 409, "conflict")).toMatchObject({
      title: "Conflict",
      detail: "Name taken.",
      errors: [{ path: "name", message: "taken" }],
    });
    expect(lines).toEqual([]);
  });

  it("an AppError without field errors has no errors member", async () => {
    const { app } = await appFailingWith(new AppError("gone", 410, "Gone", "It went."));
    const response = await app.inject({ method: "GET", url: "/operators" });
    expect(Object.keys(expectProblem(response, 410, "gone"))).not.toContain("errors");
  });

  it("a cancelled statement (57014): 503 timeout, logged once as a warning", async () => {
    const { app, lines } = await appFailingWith(
      Object.assign(new Error("canceling statement"), { code: "57014" }),
    );
    const response = await app.inject({ method: "GET", url: "/operators" });
    expect(expectProblem(response, 503, "timeout")).toMatchObject({
      title: "Request timed out",
      detail: "The request took too long and was abandoned; retry shortly (with the same Idempotency-Key).",
    });
    expect(lines.map((line) => [line.level, line.msg])).toEqual([[WARN, "request timed out"]]);
  });

  it("an unreachable database: 503 unavailable, logged once as a warning", async () => {
    const { app, lines } = await appFailingWith(
      Object.assign(new Error("connect"), { code: "ECONNREFUSED" }),
    );
    expectProblem(await app.inject({ method: "GET", url: "/operators" }), 503, "unavailable");
    expect(lines.map((line) => [line.level, line.msg])).toEqual([[WARN, "database unavailable"]]);
  });

  it("an error carrying a 4xx statusCode keeps it, as bad_request with its message", async () => {
    const { app, lines } = await appFailingWith(
      Object.assign(new Error("Not acceptable here"), { statusCode: 406 }),
    );
    expect(
      expectProblem(await app.inject({ method: "GET", url: "/operators" }), 406, "bad_request"),
    ).toMatchObject({
      title: "Bad request",
      detail: "Not acceptable here",
    });
    expect(lines).toEqual([]);
  });

  it("a thrown SyntaxError with a 400 is malformed JSON", async () => {
    const { app } = await appFailingWith(
      Object.assign(new SyntaxError("Unexpected token"), { statusCode: 400 }),
    );
    const body = expectProblem(await app.inject({ method: "GET", url: "/operators" }), 400, "malformed_json");
    expect(body).toMatchObject({
      title: "Malformed JSON",
      errors: [{ path: "(body)", message: "Unexpected token" }],
    });
  });

  it("a body over the limit is a 413 payload_too_large", async () => {
    const { app } = await appFailingWith(new Error("unused"), { bodyLimitBytes: 1024 });
    const response = await app.inject({
      method: "POST",
      url: "/operators",
      payload: { name: "x".repeat(2000) },
    });
    expect(expectProblem(response, 413, "payload_too_large").title).toBe("Payload too large");
  });
});

describe("validation errors", () => {
  it("name unknown fields one by one, nested ones by their path", async () => {
    const { app } = await appFailingWith(new Error("unused"));
    const top = await app.inject({
      method: "POST",
      url: "/operators",
      payload: { name: "x", shift: 1, mood: 2 },
    });
    expect(expectValidationError(top, "shift", "mood").errors?.map((e) => e.message)).toEqual([
      "unknown field",
      "unknown field",
    ]);
    expect(top.json().detail).toBe("Invalid body: shift: unknown field; mood: unknown field");

    const nested = await app.inject({
      method: "PUT",
      url: "/sources/1/weights",
      payload: [{ operator_id: 1, weight: 5, bonus: 1 }],
    });
    expectValidationError(nested, "0.bonus");
  });

  it("name a wrong nested value by its dotted path, and a wrong whole body as (root)", async () => {
    const { app } = await appFailingWith(new Error("unused"));
    const nested = await app.inject({
      method: "PUT",
      url: "/sources/1/weights",
      payload: [{ operator_id: 1, weight: 0 }],
    });
    expectValidationError(nested, "0.weight");
    const root = await app.inject({ method: "PUT", url: "/sources/1/weights", payload: { not: "an array" } });
    expectValidationError(root, "(root)");
  });

  it("say which part of the request was invalid", async () => {
    const { app } = await appFailingWith(new Error("unused"));
    const query = await app.inject({ method: "GET", url: "/operators?limit=0" });
    expect(expectValidationError(query, "limit").detail).toMatch(/^Invalid querystring: limit: /);
    const params = await app.inject({ method: "GET", url: "/operators/abc" });
    expect(expectValidationError(params, "id").detail).toMatch(/^Invalid params: id: /);
  });
});

describe("sendFrameworkError's 500", () => {
  it("answers the generic problem and logs the error once", () => {
    const logged: [object, string][] = [];
    const sent: { status?: number; headers: Record<string, unknown>; body?: unknown } = { headers: {} };
    const reply = {
      headers(values: Record<string, unknown>) {
        Object.assign(sent.headers, values);
        return reply;
      },
      header(name: string, value: unknown) {
        sent.headers[name] = value;
        return reply;
      },
      code(status: number) {
        sent.status = status;
        return reply;
      },
      serializer() {
        return reply;
      },
      send(body: unknown) {
        sent.body = body;
        return reply;
      },
    };
    const request = {
      id: "fw-1",
      url: "/somewhere",
      log: { error: (details: object, message: string) => logged.push([details, message]) },
    };
    const error = Object.assign(new Error("constraint failed"), { statusCode: 503, code: "FST_ERR_X" });
    sendFrameworkError(error as never, request as never, reply as never);
    expect(sent.status).toBe(500);
    expect(sent.headers["x-request-id"]).toBe("fw-1");
    expect(sent.headers["content-type"]).toBe("application/problem+json; charset=utf-8");
    expect(sent.body).toEqual({
      type: "about:blank",
      title: "Internal Server Error",
      status: 500,
      code: "internal_error",
      detail: "An unexpected error occurred; quote request id fw-1 when reporting it.",
      instance: "/somewhere",
      request_id: "fw-1",
    });
    expect(logged).toEqual([[{ err: error }, "unhandled framework error"]]);
  });
});
