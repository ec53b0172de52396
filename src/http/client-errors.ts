// What Node's HTTP parser refuses before Fastify sees a request (a header with a NUL or a
// bare newline, two Content-Length headers, headers over the limit, a request that took too
// long to arrive) reaches the server's 'clientError' event, never the error handler. Fastify's
// default answer there is `{"error":"Bad Request",...}` as application/json without the
// security headers; this one is problem+json like every other error, written on the raw socket.
import { randomUUID } from "node:crypto";
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { FastifyInstance } from "fastify";
import type { Problem } from "./problem.schema.js";
import { SECURITY_HEADERS } from "./security-headers.js";

type ParserError = Error & { code?: string; reason?: string };

function problemFor(error: ParserError): Omit<Problem, "type" | "request_id"> {
  switch (error.code) {
    case "HPE_HEADER_OVERFLOW":
      return {
        title: "Request header fields too large",
        status: 431,
        code: "headers_too_large",
        detail: "The request's header fields are larger than the service accepts; the connection is closed.",
      };
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return {
        title: "Payload too large",
        status: 413,
        code: "payload_too_large",
        detail:
          "The request's chunk extensions are larger than the service accepts; the connection is closed.",
      };
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return {
        title: "Request timeout",
        status: 408,
        code: "request_timeout",
        detail: "The request did not arrive in time; the connection is closed.",
      };
    default:
      return {
        title: "Malformed request",
        status: 400,
        code: "malformed_request",
        // llhttp's reasons name the rule broken ("Invalid header value char"), never our internals.
        detail: `The request is not valid HTTP/1.1 (${error.reason ?? error.code ?? "parse error"}); the connection is closed.`,
      };
  }
}

/** The raw HTTP/1.1 answer: status line, headers (the security ones included), problem body. */
export function clientErrorResponse(error: ParserError, requestId: string, now = new Date()): string {
  const problem = problemFor(error);
  const body = JSON.stringify({ type: "about:blank", ...problem, request_id: requestId });
  const headers: Record<string, string> = {
    date: now.toUTCString(),
    connection: "close",
    "content-type": "application/problem+json; charset=utf-8",
    "content-length": String(Buffer.byteLength(body)),
    "x-request-id": requestId,
    ...SECURITY_HEADERS,
  };
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\n${head.join("")}\r\n${body}`;
}

/** Fastify's `clientErrorHandler` option (set where the instance is built); `this` is the instance. */
export function answerClientError(this: FastifyInstance, error: ParserError, socket: Socket): void {
  // A reset connection has nobody to answer (https://nodejs.org/api/http.html#event-clienterror).
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const requestId = randomUUID();
  // Clients and scanners send these; the answer says what was wrong, the log keeps the id.
  this.log.debug({ err: error, requestId }, "request refused by the HTTP parser");
  // As Node does: nothing is written when an answer to an earlier request on this
  // connection has begun, since more bytes would corrupt it for the client.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  // end() flushes the answer before the close; destroy() once written, so a client that
  // never closes its side does not hold the socket open.
  socket.end(clientErrorResponse(error, requestId), () => socket.destroy());
}
