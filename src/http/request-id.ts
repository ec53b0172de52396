import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";

/**
 * ASCII letters, digits and `_ . : -`, at most 64 characters: a UUID (36), a W3C trace
 * id (32) or traceparent (55) fits; anything longer or stranger is not worth echoing
 * into every log line and answer, and could carry data the caller should not plant there.
 */
const ACCEPTED = /^[\w.:-]{1,64}$/;

/** Takes a caller's X-Request-Id when it is short and of safe characters, so logs correlate across services; otherwise a UUID. */
export function requestIdFrom(request: IncomingMessage): string {
  const header = request.headers["x-request-id"];
  return typeof header === "string" && ACCEPTED.test(header) ? header : randomUUID();
}
