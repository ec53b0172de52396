// What every answer to a generated request must satisfy (the property-based tests):
// never a 5xx; every 4xx a complete problem+json whose `errors` name real fields.
import type { LightMyRequestResponse } from "fastify";
import { expect } from "vitest";
import { PROBLEM_CONTENT_TYPE, type ProblemBody } from "../http/problem-assertions.js";
import { NOT_JSON, type SentBody } from "./arbitraries.js";

/** The parts of a request an error path may name, as the route declares them and as they were sent. */
export type RequestShape = {
  /** "object": the body schema is an object; "array": an array of objects; "none": no body schema. */
  body: "object" | "array" | "none";
  /** The keys of the body schema (of its items, for an array). */
  bodyKeys: readonly string[];
  params: readonly string[];
  queryKeys: readonly string[];
  headerKeys: readonly string[];
};

export type SentRequest = {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: string;
  headers?: Record<string, string>;
  body?: SentBody;
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Query keys as fast-querystring (Fastify's parser) reads them: '+' is a space, bad escapes stay as sent. */
function sentQueryKeys(url: string): string[] {
  // app.inject() normalizes the URL like a browser does (a ' in the query becomes %27).
  const query = new URL(url, "http://localhost").search.slice(1);
  return query
    .split("&")
    .filter(Boolean)
    .map((pair) => {
      const raw = pair.split("=")[0]?.replace(/\+/g, " ") ?? "";
      try {
        return decodeURIComponent(raw);
      } catch {
        return raw;
      }
    });
}

/**
 * A path inside a field (`attachments.0.url`): each index names an element sent, each name a
 * member of an object sent; the last name may be one the object lacks (a required member).
 */
function nestedPathIsReal(value: unknown, segments: string[]): boolean {
  const [segment = "", ...rest] = segments;
  if (Array.isArray(value)) {
    if (!/^\d+$/.test(segment) || Number(segment) >= value.length) return false;
    return rest.length === 0 || nestedPathIsReal(value[Number(segment)], rest);
  }
  if (!isObject(value)) return false;
  if (rest.length === 0) return true;
  // A member whose own name has dots: { ".": 0 } inside items.0 is "items.0..".
  if (Object.hasOwn(value, segments.join("."))) return true;
  return Object.hasOwn(value, segment) && nestedPathIsReal((value as Record<string, unknown>)[segment], rest);
}

function bodyPathIsReal(shape: RequestShape, body: unknown, path: string): boolean {
  if (shape.body === "object") {
    if (!isObject(body)) return path === "(root)";
    // A root-level refusal of an object: only "send at least one field" of an empty PATCH.
    if (path === "(root)") return Object.keys(body).length === 0;
    if (shape.bodyKeys.includes(path) || Object.hasOwn(body, path)) return true;
    const [head = "", ...rest] = path.split(".");
    return rest.length > 0 && shape.bodyKeys.includes(head) && nestedPathIsReal(body[head], rest);
  }
  if (shape.body === "array") {
    if (!Array.isArray(body) || body.length > 10_000) return path === "(root)";
    const match = /^(\d+)(?:\.(.*))?$/s.exec(path);
    if (!match) return false;
    const index = Number(match[1]);
    if (index >= body.length) return false;
    const field = match[2];
    if (field === undefined) return true;
    const item = body[index];
    return isObject(item) && (shape.bodyKeys.includes(field) || Object.hasOwn(item, field));
  }
  return false;
}

/** Whether an `errors[].path` of a 400 validation_failed names a real part of the request. */
export function pathIsReal(
  shape: RequestShape,
  request: SentRequest,
  context: string | undefined,
  path: string,
): boolean {
  switch (context) {
    case "params":
      return shape.params.includes(path);
    case "querystring":
      return shape.queryKeys.includes(path) || sentQueryKeys(request.url).includes(path);
    case "headers":
      return shape.headerKeys.includes(path);
    case "body":
      return bodyPathIsReal(shape, request.body?.value, path);
    default:
      return false;
  }
}

function describe(request: SentRequest, response: LightMyRequestResponse): string {
  const body = request.body?.text;
  return [
    `${request.method} ${request.url.slice(0, 300)}`,
    request.headers && `headers ${JSON.stringify(request.headers).slice(0, 300)}`,
    request.body && `content-type ${JSON.stringify(request.body.contentType)}`,
    body !== undefined && `body ${JSON.stringify(body.slice(0, 300))}${body.length > 300 ? "..." : ""}`,
    `-> ${response.statusCode} ${response.body.slice(0, 600)}`,
  ]
    .filter(Boolean)
    .join("\n");
}

/** Properties 1 and 2: no 5xx, and a 4xx is a problem+json whose error paths are real fields. */
export function expectWellFormedAnswer(
  shape: RequestShape,
  request: SentRequest,
  response: LightMyRequestResponse,
): void {
  const where = describe(request, response);
  expect(response.statusCode, where).toBeLessThan(500);
  if (response.statusCode < 400) return;

  expect(response.headers["content-type"], where).toBe(PROBLEM_CONTENT_TYPE);
  const problem = response.json() as ProblemBody;
  expect(problem, where).toMatchObject({
    type: expect.any(String),
    title: expect.any(String),
    status: response.statusCode,
    detail: expect.any(String),
    code: expect.any(String),
  });
  expect(problem.title, where).not.toBe("");
  expect(problem.detail, where).not.toBe("");

  if (problem.code === "malformed_json") {
    expect(problem.errors, where).toEqual([{ path: "(body)", message: expect.any(String) }]);
    // JSON.parse accepts prototype-poisoning keys, which Fastify's parser refuses on purpose.
    const poisoned = /__proto__|constructor/.test(request.body?.text ?? "");
    expect(request.body?.value === NOT_JSON || poisoned, where).toBe(true);
    return;
  }
  if (problem.code === "validation_failed") {
    expect(response.statusCode, where).toBe(400);
    expect(problem.errors?.length, where).toBeGreaterThan(0);
    const context = /^Invalid (\w+):/.exec(problem.detail)?.[1];
    for (const error of problem.errors ?? []) {
      expect(error.message, where).not.toBe("");
      expect(
        pathIsReal(shape, request, context, error.path),
        `path ${JSON.stringify(error.path)}\n${where}`,
      ).toBe(true);
    }
    return;
  }
  // 404 (an unknown source or operator in the body or the path), 409, 412, 422: their paths name
  // a body field, a path parameter or a header.
  for (const error of problem.errors ?? []) {
    const real =
      error.path === "Idempotency-Key" ||
      shape.params.includes(error.path) ||
      shape.headerKeys.includes(error.path) ||
      pathIsReal(shape, request, "body", error.path);
    expect(real, `path ${JSON.stringify(error.path)}\n${where}`).toBe(true);
  }
}
