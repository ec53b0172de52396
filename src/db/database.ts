// Opens the database the configuration names: a PostgreSQL server, or the
// embedded PGlite in DATA_DIR when DATABASE_URL is unset. Applies migrations.
import pg from "pg";
import type { Config } from "../config.js";
import { EMBEDDED_MAX_CONNECTIONS, startEmbeddedPostgres } from "./embedded.js";
import { migrateDatabase } from "./migrator.js";
import { BACKGROUND_POOL_SIZE, connectDatabase, type Database, HEAVY_READS_POOL_SIZE } from "./prisma.js";

export type OpenedDatabase = Database & {
  description: string;
  /** Applies pending migrations over a connection of its own, free of the statement timeout. */
  migrate(): Promise<string[]>;
};

type Log = { info(message: string): void; warn(obj: object, message: string): void };

/** Without DATABASE_URL the service runs on the embedded PGlite (PostgreSQL compiled to WebAssembly). */
export function usesEmbeddedDatabase(config: Pick<Config, "databaseUrl">): boolean {
  return !config.databaseUrl;
}

export async function openDatabase(config: Config, log: Log): Promise<OpenedDatabase> {
  const embedded = usesEmbeddedDatabase(config) ? await startEmbeddedPostgres(config.dataDir) : undefined;
  const url = config.databaseUrl ?? (embedded?.url as string);
  const database = connectDatabase({
    url,
    // The embedded database's connection budget holds every pool.
    poolSize: embedded
      ? Math.min(
          config.databasePoolSize,
          EMBEDDED_MAX_CONNECTIONS - BACKGROUND_POOL_SIZE - HEAVY_READS_POOL_SIZE,
        )
      : config.databasePoolSize,
    onPoolError: (error) => log.warn({ err: error }, "idle database connection failed"),
    statementTimeoutMs: config.databaseStatementTimeoutMs,
    heavyBusyShare: config.heavyReadsBusyShare,
    prepareStatements: !embedded,
    sharedSession: embedded !== undefined,
  });
  const migrate = () => migrateWithoutTimeouts(url, log);
  const description = embedded
    ? `embedded PostgreSQL (PGlite) with data in ${embedded.dataDir}`
    : `PostgreSQL at ${redactPassword(url)}`;
  try {
    if (config.migrateOnStart) await migrate();
  } catch (error) {
    await database.close();
    await embedded?.stop();
    throw error;
  }
  return {
    ...database,
    description,
    migrate,
    async close() {
      await database.close();
      await embedded?.stop();
    },
  };
}

/**
 * A migration may rightly run longer than any request (an index on a large table),
 * and an instance waits for another one's migration lock, so migrations get a
 * short-lived connection without the request-sized statement timeout.
 */
async function migrateWithoutTimeouts(url: string, log: Log): Promise<string[]> {
  const pool = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 5_000 });
  pool.on("error", (error) => log.warn({ err: error }, "migration connection failed"));
  try {
    return await migrateDatabase(pool, log);
  } finally {
    await pool.end();
  }
}

export function redactPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable URL)";
  }
}
