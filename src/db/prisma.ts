// The Prisma client over a pg pool we own, through @prisma/adapter-pg (no native engine).
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client.js";

export type Database = {
  prisma: PrismaClient;
  pool: pg.Pool;
  /** Disconnects Prisma and ends the pool. */
  close(): Promise<void>;
};

export type DatabaseOptions = {
  url: string;
  poolSize: number;
  /** Called for errors of idle connections (a restarted server, say), which would otherwise crash the process. */
  onPoolError?: (error: Error) => void;
  /** Called with every SQL statement Prisma sends (statement-count tests, debugging); off by default. */
  onQuery?: (sql: string) => void;
};

export function connectDatabase({ url, poolSize, onPoolError, onQuery }: DatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    // Fail fast when the server is unreachable instead of hanging the request.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  pool.on("error", (error) => onPoolError?.(error));
  const adapter = new PrismaPg(pool, { disposeExternalPool: false });
  const prisma = onQuery ? withQueryListener(adapter, onQuery) : new PrismaClient({ adapter });
  return {
    prisma,
    pool,
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

function withQueryListener(adapter: PrismaPg, onQuery: (sql: string) => void): PrismaClient {
  const prisma = new PrismaClient({ adapter, log: [{ emit: "event", level: "query" }] });
  prisma.$on("query", (event) => onQuery(event.query));
  return prisma;
}
