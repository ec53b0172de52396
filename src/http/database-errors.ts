// Recognises "the database cannot be reached" among the shapes pg, the adapter
// and Prisma give it, so the client gets a 503 it may retry instead of a 500.

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
]);
// Prisma: can't reach server, timed out, socket timeout, closed the connection,
// pool timeout, too many connections.
const PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024", "P2037"]);
// PostgreSQL SQLSTATE classes 08 (connection exception), 57P0x (operator intervention:
// shutdown, crash, cannot connect now) and 53300 (too many connections). Whole five-
// character codes, anchored at both ends: 22008 or 42P08 end in 08 and are no outage.
const SQLSTATE = /^(08[0-9A-Z]{3}|57P0[0-9A-Z]|53300)$/;
// @prisma/adapter-pg's names for the same: a connection that broke mid-query (the server
// went away, a proxy dropped it), a server that cannot be reached or has no room.
const ADAPTER_KINDS = new Set([
  "ConnectionClosed",
  "DatabaseNotReachable",
  "SocketTimeout",
  "TooManyConnections",
]);
const MESSAGES = [
  "Connection terminated",
  "connection timeout",
  "timeout exceeded when trying to connect",
  "Can't reach database server",
  "the database system is shutting down",
  "the database system is starting up",
];

export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== "object" || depth > 4) return false;
  const { code, kind, message, cause, meta } = error as {
    code?: unknown;
    kind?: unknown;
    message?: unknown;
    cause?: unknown;
    meta?: { driverAdapterError?: unknown };
  };
  if (
    typeof code === "string" &&
    (NETWORK_CODES.has(code) || PRISMA_CODES.has(code) || SQLSTATE.test(code))
  ) {
    return true;
  }
  if (typeof kind === "string" && ADAPTER_KINDS.has(kind)) return true;
  if (typeof message === "string" && MESSAGES.some((text) => message.includes(text))) return true;
  if (
    error instanceof AggregateError &&
    error.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))
  ) {
    return true;
  }
  // Prisma keeps the driver's error (with the SQLSTATE, e.g. 57P01 when the server shuts
  // down mid-query) in meta.driverAdapterError, under a generic code such as P2010 or P2039.
  if (meta && typeof meta === "object" && isDatabaseUnavailable(meta.driverAdapterError, depth + 1)) {
    return true;
  }
  return isDatabaseUnavailable(cause, depth + 1);
}

/**
 * The database took too long: PostgreSQL cancelled the statement (57014, from
 * DATABASE_STATEMENT_TIMEOUT_MS) or the driver stopped waiting for its answer.
 */
export function isDatabaseTimeout(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== "object" || depth > 4) return false;
  const { code, originalCode, message, cause, meta } = error as {
    code?: unknown;
    originalCode?: unknown;
    message?: unknown;
    cause?: unknown;
    meta?: { driverAdapterError?: unknown };
  };
  if (code === "57014" || originalCode === "57014") return true;
  if (typeof message === "string" && message.includes("Query read timeout")) return true;
  if (meta && typeof meta === "object" && isDatabaseTimeout(meta.driverAdapterError, depth + 1)) return true;
  return isDatabaseTimeout(cause, depth + 1);
}
