// The Prisma client over a pg pool we own, through @prisma/adapter-pg (no native engine).
import { createHash } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import type pg from "pg";
import { PrismaClient } from "../generated/prisma/client.js";
import { createHeavyPacing, pacedSqlClient, pacedSqlCursors, poolBusySignal } from "./heavy-pacing.js";
import { createPool } from "./pool.js";
import { createSqlClient, createSqlTransactions, type SqlClient, type SqlTransactions } from "./sql.js";
import { createSqlCursors, type SqlCursors } from "./sql-cursor.js";

export type Database = {
  prisma: PrismaClient;
  /** Raw statements without Prisma's runtime, on the same pool (the appeal hot path). */
  sql: SqlClient;
  /** Raw statements in one transaction on one connection of the same pool (sql.ts). */
  sqlTransaction: SqlTransactions;
  pool: pg.Pool;
  /**
   * Raw statements of the event log's subscribers (the event feed's probe, the webhook
   * dispatcher, live streams) on a small pool of their own: on the shared one each of them
   * queued behind the requests waiting for a connection (50-90 ms at 64 clients), which
   * held webhook delivery to one batch per wait. Its connections open when first used.
   */
  background: SqlClient;
  /**
   * The bulkhead of the heavy reads (lead searches; segment pages and exports next): raw
   * statements on a small pool of their own, so however many admins search at once they hold
   * at most its connections and wait for those, never for the requests' pool the bots' intake
   * needs. A search with no match once read every lead while 30 of them pushed POST /appeals to
   * a 4.95 s median. Its connections open when first used.
   */
  heavy: SqlClient;
  /**
   * One statement read batch by batch on a connection of the heavy reads' pool, held for the
   * whole read (sql-cursor.ts): the exports, which stream every row. Each open export holds one
   * of the pool's HEAVY_READS_POOL_SIZE connections, so exports and searches wait for each other
   * and never for the requests' pool.
   */
  heavyCursor: SqlCursors;
  /** The heavy reads' pool itself, for its counts (tests: an export gave its connection back). */
  heavyPool: pg.Pool;
  /** Disconnects Prisma and ends the pools. */
  close(): Promise<void>;
};

export type DatabaseOptions = {
  url: string;
  poolSize: number;
  /** Called for errors of idle connections (a restarted server, say), which would otherwise crash the process. */
  onPoolError?: (error: Error) => void;
  /** Called with every SQL statement sent, through Prisma or `sql` (statement-count tests, debugging); off by default. */
  onQuery?: (sql: string) => void;
  /**
   * PostgreSQL cancels a statement running longer than this (statement_timeout), and the
   * driver gives up waiting this long plus a grace period (query_timeout), for when the
   * server itself cannot answer. Unset: no limit (migrations, which may take long, and tests).
   */
  statementTimeoutMs?: number;
  /** How long to wait for a connection (a new one, or a free one of the pool); 5 s by default. */
  connectionTimeoutMs?: number;
  /** Connections of the background pool (`background`); BACKGROUND_POOL_SIZE by default. */
  backgroundPoolSize?: number;
  /** Connections of the heavy reads' pool (`heavy`); HEAVY_READS_POOL_SIZE by default. */
  heavyPoolSize?: number;
  /**
   * The share of the time heavy statements may run while the requests' pool is busy
   * (heavy-pacing.ts); 1 (no pacing) by default, HEAVY_READS_BUSY_PERCENT in the service.
   */
  heavyBusyShare?: number;
  /**
   * Name the statements so PostgreSQL plans each one once per connection instead
   * of on every request (planning was half the intake's database time). Only on a real
   * server: PGlite serves every connection from one session, where the names collide.
   */
  prepareStatements?: boolean;
  /**
   * PGlite: every connection is served by its one session, where a transaction held open on one
   * connection holds back all the others. Long reads (heavyCursor) then go in keyset batches
   * without a transaction instead of a server-side cursor. False by default (a real server).
   */
  sharedSession?: boolean;
};

/** The background pool's size: the feed's probe and the dispatcher's read and record run beside each other. */
export const BACKGROUND_POOL_SIZE = 3;

/** The heavy reads' pool size: this many searches and exports run at once, the others wait. */
export const HEAVY_READS_POOL_SIZE = 2;

/** The heavy reads' sessions' settings (on a PostgreSQL server). */
export const HEAVY_READS_SETTINGS = Object.freeze({ jit: "off" });

export function connectDatabase({
  url,
  poolSize,
  onPoolError,
  onQuery,
  statementTimeoutMs,
  connectionTimeoutMs = 5_000,
  prepareStatements = false,
  sharedSession = false,
  backgroundPoolSize = BACKGROUND_POOL_SIZE,
  heavyPoolSize = HEAVY_READS_POOL_SIZE,
  heavyBusyShare = 1,
}: DatabaseOptions): Database {
  const newPool = (max: number) => createPool({ url, max, connectionTimeoutMs, statementTimeoutMs });
  const pool = newPool(poolSize);
  pool.on("error", (error) => onPoolError?.(error));
  const backgroundPool = newPool(backgroundPoolSize);
  backgroundPool.on("error", (error) => onPoolError?.(error));
  // JIT off for the heavy reads: an export's statement is costed far above jit_above_cost, and
  // compiling it took ~1 s before its first rows, for per-row work that is index probes, not
  // expressions (measured at 1M leads: the first FETCH 1.5 s with JIT, 0.5 s without). PGlite
  // has no JIT (and its socket server takes no session settings at connect).
  const heavyPool = createPool({
    url,
    max: heavyPoolSize,
    connectionTimeoutMs,
    statementTimeoutMs,
    settings: sharedSession ? undefined : HEAVY_READS_SETTINGS,
  });
  heavyPool.on("error", (error) => onPoolError?.(error));
  const intake = poolBusySignal(pool, poolSize);
  const pacing = createHeavyPacing({
    busy: intake.busy,
    busyShare: heavyBusyShare,
    maxWaitMs: connectionTimeoutMs,
  });
  const adapter = new PrismaPg(pool, {
    disposeExternalPool: false,
    ...(prepareStatements && { statementNameGenerator: statementNames() }),
  });
  const prisma = onQuery ? withQueryListener(adapter, onQuery) : new PrismaClient({ adapter });
  return {
    prisma,
    sql: createSqlClient(pool, { prepareStatements, onQuery }),
    sqlTransaction: createSqlTransactions(pool, { prepareStatements, onQuery }),
    pool,
    background: createSqlClient(backgroundPool, { prepareStatements, onQuery }),
    heavy: pacedSqlClient(createSqlClient(heavyPool, { prepareStatements, onQuery }), pacing),
    heavyCursor: pacedSqlCursors(createSqlCursors(heavyPool, { sharedSession, onQuery }), pacing),
    heavyPool,
    async close() {
      intake.stop();
      await prisma.$disconnect();
      await Promise.all([pool.end(), backgroundPool.end(), heavyPool.end()]);
    },
  };
}

/** Bounds the distinct statements prepared (a weights array of a new length is new SQL text). */
const MAX_PREPARED_STATEMENTS = 500;

/**
 * Prisma's statements: the same SQL text always gets the same name; past the bound,
 * statements go unnamed (planned each time). Names start with lds_; those of
 * `sql` (sql.ts) are chosen by their callers.
 */
function statementNames(): (query: { sql: string }) => string {
  const names = new Map<string, string>();
  return ({ sql }) => {
    let name = names.get(sql);
    if (name === undefined) {
      if (names.size >= MAX_PREPARED_STATEMENTS) return "";
      name = `lds_${createHash("sha1").update(sql).digest("hex").slice(0, 20)}`;
      names.set(sql, name);
    }
    return name;
  };
}

function withQueryListener(adapter: PrismaPg, onQuery: (sql: string) => void): PrismaClient {
  const prisma = new PrismaClient({ adapter, log: [{ emit: "event", level: "query" }] });
  prisma.$on("query", (event) => onQuery(event.query));
  return prisma;
}
