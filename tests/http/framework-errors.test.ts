// What Fastify refuses before routing (sendFrameworkError) is answered as problem+json
// with the security headers, like every other error.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/app.js";
import type { Deps } from "../../src/deps.js";
import { sendFrameworkError } from "../../src/http/error-handler.js";
import { SECURITY_HEADERS } from "../../src/http/security-headers.js";
import { expectProblem } from "./problem-assertions.js";

let app: FastifyInstance;
/** The error a test route hands to sendFrameworkError, as Fastify would. */
let frameworkError: Error & { statusCode?: number; code?: string };

beforeAll(async () => {
  // Refused before routing: no service is ever called.
  app = await buildApp({ deps: {} as Deps });
  app.get(
    "/framework-error",
    { config: { access: "public" } },
    (request: FastifyRequest, reply: FastifyReply) =>
      sendFrameworkError(frameworkError as never, request, reply),
  );
  await app.ready();
});
afterAll(async () => {
  await app?.close();
});

describe("errors Fastify raises before routing", () => {
  it("a broken percent-escape is a 400 malformed_url", async () => {
    const response = await app.inject({ method: "GET", url: "/operators/%E0%A4%A" });
    const body = expectProblem(response, 400, "malformed_url");
    expect(body).toMatchObject({
      title: "Malformed URL",
      detail: "The path contains an invalid percent-encoded sequence.",
    });
    expect(response.headers["x-content-type-options"]).toBe(SECURITY_HEADERS["x-content-type-options"]);
    expect(response.headers["content-security-policy"]).toBe(SECURITY_HEADERS["content-security-policy"]);
  });

  it("a path parameter over maxParamLength is a 414 uri_too_long", async () => {
    const response = await app.inject({ method: "GET", url: `/leads/by-external-id/${"x".repeat(1025)}` });
    const body = expectProblem(response, 414, "uri_too_long");
    expect(body).toMatchObject({
      title: "URI too long",
      detail: "A path segment is longer than the service accepts.",
    });
    expect(response.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("one of 5xx is a generic 500 that leaks nothing", async () => {
    frameworkError = Object.assign(new Error('constraint "secret-host.internal" failed'), {
      statusCode: 500,
      code: "FST_ERR_ASYNC_CONSTRAINT",
    });
    const response = await app.inject({
      method: "GET",
      url: "/framework-error",
      headers: { "x-request-id": "fw-500" },
    });
    expect(expectProblem(response, 500, "internal_error")).toMatchObject({
      title: "Internal Server Error",
      detail: "An unexpected error occurred; quote request id fw-500 when reporting it.",
    });
    expect(response.body).not.toContain("secret-host");
  });

  it("one without a status is a 500 too", async () => {
    frameworkError = new Error("no status here");
    const response = await app.inject({ method: "GET", url: "/framework-error" });
    expectProblem(response, 500, "internal_error");
    expect(response.body).not.toContain("no status here");
  });

  it("any other client error keeps its status and message, as bad_request", async () => {
    frameworkError = Object.assign(new Error("Something about the request"), {
      statusCode: 400,
      code: "FST_ERR_OTHER",
    });
    const response = await app.inject({ method: "GET", url: "/framework-error" });
    expect(expectProblem(response, 400, "bad_request")).toMatchObject({
      title: "Bad request",
      detail: "Something about the request",
    });
  });
});
