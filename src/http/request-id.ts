import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";

const ACCEPTED = /^[\w.:-]{1,128}$/;

/** Takes a caller's X-Request-Id when it is reasonable, so logs correlate across services; otherwise a UUID. */
export function requestIdFrom(request: IncomingMessage): string {
  const header = request.headers["x-request-id"];
  return typeof header === "string" && ACCEPTED.test(header) ? header : randomUUID();
}
