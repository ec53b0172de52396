// Requests that Node's HTTP parser refuses before Fastify routes them (a header with a NUL or
// a bare newline, two Content-Length headers, headers over the limit) are answered like every
// other error: problem+json with the security headers, then the connection is closed. Sent as
// raw bytes over a real socket, since no HTTP client would write them.
import net from "node:net";
import { beforeAll, describe, expect, it } from "vitest";
import { SECURITY_HEADERS } from "../../src/http/security-headers.js";
import { useTestApp } from "../helpers/test-app.js";
import { UUID } from "./problem-assertions.js";

const t = useTestApp();
let port = 0;

beforeAll(async () => {
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  port = (t.app.server.address() as net.AddressInfo).port;
});

type RawResponse = { statusLine: string; headers: Record<string, string>; body: string; closed: boolean };

/** Writes `raw`, reads until the server closes the connection, and splits the answer. */
function sendRaw(raw: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(raw));
    const chunks: Buffer[] = [];
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", reject);
    socket.setTimeout(5_000, () => {
      socket.destroy();
      reject(new Error(`no close within 5 s; got ${JSON.stringify(Buffer.concat(chunks).toString())}`));
    });
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const end = text.indexOf("\r\n\r\n");
      const [statusLine = "", ...lines] = text.slice(0, end).split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        const name = line.slice(0, colon).toLowerCase();
        expect(headers[name], `header ${name} twice`).toBeUndefined();
        headers[name] = line.slice(colon + 1).trim();
      }
      resolve({ statusLine, headers, body: text.slice(end + 4), closed: true });
    });
  });
}

function expectProblemAnswer(
  response: RawResponse,
  expected: { statusLine: string; status: number; title: string; code: string; detail: string },
) {
  expect(response.statusLine).toBe(expected.statusLine);
  const { date, "x-request-id": requestId, ...rest } = response.headers;
  expect(new Date(date ?? "").toUTCString()).toBe(date);
  expect(requestId).toMatch(UUID);
  expect(rest).toEqual({
    ...SECURITY_HEADERS,
    connection: "close",
    "content-type": "application/problem+json; charset=utf-8",
    "content-length": String(Buffer.byteLength(response.body)),
  });
  expect(JSON.parse(response.body)).toEqual({
    type: "about:blank",
    title: expected.title,
    status: expected.status,
    code: expected.code,
    detail: expected.detail,
    request_id: requestId,
  });
  expect(response.closed).toBe(true);
}

const malformed = (reason: string) => ({
  statusLine: "HTTP/1.1 400 Bad Request",
  status: 400,
  title: "Malformed request",
  code: "malformed_request",
  detail: `The request is not valid HTTP/1.1 (${reason}); the connection is closed.`,
});

describe("requests Node's HTTP parser refuses", () => {
  it("a header value with a NUL is a 400 problem+json", async () => {
    const response = await sendRaw("GET /health HTTP/1.1\r\nHost: localhost\r\nX-Note: a\u0000b\r\n\r\n");
    expectProblemAnswer(response, malformed("Invalid header value char"));
  });

  it("a header value with a bare newline is a 400 problem+json", async () => {
    const response = await sendRaw(
      "GET /health HTTP/1.1\r\nHost: localhost\r\nX-Note: a\nX-Injected: b\r\n\r\n",
    );
    expectProblemAnswer(response, malformed("Missing expected CR after header value"));
  });

  it("two different Content-Length headers are a 400 problem+json, and nothing is stored", async () => {
    const before = (await t.app.inject({ method: "GET", url: "/operators" })).json();
    const body = '{"name":"smuggled"}';
    const response = await sendRaw(
      "POST /operators HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" +
        `Content-Length: ${body.length}\r\nContent-Length: 2\r\n\r\n${body}`,
    );
    expectProblemAnswer(response, malformed("Duplicate Content-Length"));
    expect((await t.app.inject({ method: "GET", url: "/operators" })).json()).toEqual(before);
  });

  it("headers over Node's 16 KiB limit are a 431 problem+json", async () => {
    const response = await sendRaw(
      `GET /health HTTP/1.1\r\nHost: localhost\r\nX-Big: ${"a".repeat(17_000)}\r\n\r\n`,
    );
    expectProblemAnswer(response, {
      statusLine: "HTTP/1.1 431 Request Header Fields Too Large",
      status: 431,
      title: "Request header fields too large",
      code: "headers_too_large",
      detail: "The request's header fields are larger than the service accepts; the connection is closed.",
    });
  });

  it("a well-formed request on the same server still gets its answer", async () => {
    const response = await sendRaw("GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    expect(response.statusLine).toBe("HTTP/1.1 200 OK");
    expect(JSON.parse(response.body)).toEqual({ status: "ok" });
  });
});
