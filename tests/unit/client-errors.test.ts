// The raw answers to what Node's HTTP parser refuses, for the cases a socket test cannot
// provoke quickly (a request timeout is checked every 30 s) or at all in Node 20's defaults.
import { describe, expect, it } from "vitest";
import { clientErrorResponse } from "../../src/http/client-errors.js";
import { SECURITY_HEADERS } from "../../src/http/security-headers.js";

const NOW = new Date("2026-11-21T10:00:00.000Z");

function split(raw: string) {
  const [head = "", body = ""] = raw.split("\r\n\r\n");
  const [statusLine, ...lines] = head.split("\r\n");
  return { statusLine, lines, body: JSON.parse(body) as Record<string, unknown> };
}

describe("clientErrorResponse", () => {
  it.each([
    ["ERR_HTTP_REQUEST_TIMEOUT", "HTTP/1.1 408 Request Timeout", 408, "request_timeout"],
    ["HPE_CHUNK_EXTENSIONS_OVERFLOW", "HTTP/1.1 413 Payload Too Large", 413, "payload_too_large"],
    ["HPE_HEADER_OVERFLOW", "HTTP/1.1 431 Request Header Fields Too Large", 431, "headers_too_large"],
    ["HPE_INVALID_METHOD", "HTTP/1.1 400 Bad Request", 400, "malformed_request"],
  ])("%s is %s with code %s", (code, statusLine, status, problemCode) => {
    const error = Object.assign(new Error("Parse Error"), { code });
    const answer = split(clientErrorResponse(error, "req-1", NOW));
    expect(answer.statusLine).toBe(statusLine);
    expect(answer.body).toMatchObject({
      type: "about:blank",
      status,
      code: problemCode,
      request_id: "req-1",
    });
    const body = JSON.stringify(answer.body);
    expect(answer.lines).toEqual([
      "date: Sat, 21 Nov 2026 10:00:00 GMT",
      "connection: close",
      "content-type: application/problem+json; charset=utf-8",
      `content-length: ${Buffer.byteLength(body)}`,
      "x-request-id: req-1",
      ...Object.entries(SECURITY_HEADERS).map(([name, value]) => `${name}: ${value}`),
    ]);
  });

  it("names llhttp's reason, or the code without one", () => {
    const withReason = Object.assign(new Error("Parse Error"), { code: "HPE_X", reason: "Invalid method" });
    expect(split(clientErrorResponse(withReason, "r", NOW)).body.detail).toBe(
      "The request is not valid HTTP/1.1 (Invalid method); the connection is closed.",
    );
    const bare = Object.assign(new Error("Parse Error"), { code: "HPE_X" });
    expect(split(clientErrorResponse(bare, "r", NOW)).body.detail).toBe(
      "The request is not valid HTTP/1.1 (HPE_X); the connection is closed.",
    );
  });
});
