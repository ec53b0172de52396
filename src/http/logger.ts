// The process's pino logger. Credentials never reach the log: Fastify's request
// serializer logs no headers, and these paths are redacted should anything log them.
import pino from "pino";

export const REDACTED_LOG_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  "headers.authorization",
  "headers.cookie",
];

export function createLogger(level: pino.LevelWithSilent, destination?: pino.DestinationStream): pino.Logger {
  const options = { level, redact: { paths: REDACTED_LOG_PATHS, censor: "[redacted]" } };
  return destination ? pino(options, destination) : pino(options);
}
