// A pg pool with the service's connection settings: every pool of the service is made here
// (the request pool, the background pool, the webhook delivery thread's), so they time out alike.
import pg from "pg";

/** The driver waits this much longer than statement_timeout, so the server's cancellation normally wins. */
const QUERY_TIMEOUT_GRACE_MS = 1_000;

export type PoolOptions = {
  url: string;
  max: number;
  /** How long to wait for a connection (a new one, or a free one of the pool). */
  connectionTimeoutMs: number;
  /** statement_timeout, and the driver's own deadline a grace period later; unset: none. */
  statementTimeoutMs?: number | undefined;
  /** Settings of the pool's sessions, sent when each connects (`-c name=value`); a PostgreSQL server only. */
  settings?: Readonly<Record<string, string>> | undefined;
};

export function createPool({
  url,
  max,
  connectionTimeoutMs,
  statementTimeoutMs,
  settings,
}: PoolOptions): pg.Pool {
  return new pg.Pool({
    connectionString: url,
    max,
    ...(settings !== undefined && {
      options: Object.entries(settings)
        .map(([name, value]) => `-c ${name}=${value}`)
        .join(" "),
    }),
    // Fail fast when the server is unreachable instead of hanging the request.
    connectionTimeoutMillis: connectionTimeoutMs,
    idleTimeoutMillis: 30_000,
    // Notices a server that vanished without closing the connection (a cut network).
    keepAlive: true,
    ...(statementTimeoutMs !== undefined && {
      statement_timeout: statementTimeoutMs,
      query_timeout: statementTimeoutMs + QUERY_TIMEOUT_GRACE_MS,
    }),
  });
}
