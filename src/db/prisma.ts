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
};

export function connectDatabase({ url, poolSize, onPoolError }: DatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    // Fail fast when the server is unreachable instead of hanging the request.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  pool.on("error", (error) => onPoolError?.(error));
  const adapter = new PrismaPg(pool, { disposeExternalPool: false });
  const prisma = new PrismaClient({ adapter });
  return {
    prisma,
    pool,
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}
