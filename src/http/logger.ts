// The process's pino logger. Credentials never reach the log: Fastify's request
// serializer logs no headers, and these paths are redacted should anything log them.
// Request URLs are logged with searches and anything key-like taken out (log-url.ts).
import pino from "pino";
import { scrubUrl } from "./log-url.js";

export const REDACTED_LOG_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  "headers.authorization",
  "headers.cookie",
];

/** What Fastify's own request serializer logs, with the URL scrubbed. */
type LoggedRequest = {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  headers?: Record<string, unknown>;
  socket?: { remotePort?: number };
};

/**
 * Replaces Fastify's `req` serializer: pino's own serializers win over Fastify's
 * (fastify/lib/logger-pino.js merges them last), so this one applies to "incoming request".
 */
export function serializeRequest(request: LoggedRequest) {
  return {
    method: request.method,
    url: typeof request.url === "string" ? scrubUrl(request.url) : request.url,
    version: request.headers?.["accept-version"],
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

export function createLogger(level: pino.LevelWithSilent, destination?: pino.DestinationStream): pino.Logger {
  const options = {
    level,
    redact: { paths: REDACTED_LOG_PATHS, censor: "[redacted]" },
    serializers: { req: serializeRequest },
  };
  return destination ? pino(options, destination) : pino(options);
}
