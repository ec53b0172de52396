// Opens the database the configuration names: a PostgreSQL server, or the
// embedded PGlite in DATA_DIR when DATABASE_URL is unset. Applies migrations.
import type { Config } from "../config.js";
import { EMBEDDED_MAX_CONNECTIONS, startEmbeddedPostgres } from "./embedded.js";
import { migrateDatabase } from "./migrator.js";
import { connectDatabase, type Database } from "./prisma.js";

export type OpenedDatabase = Database & { description: string };

type Log = { info(message: string): void; warn(obj: object, message: string): void };

export async function openDatabase(config: Config, log: Log): Promise<OpenedDatabase> {
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir);
  const url = config.databaseUrl ?? (embedded?.url as string);
  const database = connectDatabase({
    url,
    poolSize: embedded
      ? Math.min(config.databasePoolSize, EMBEDDED_MAX_CONNECTIONS)
      : config.databasePoolSize,
    onPoolError: (error) => log.warn({ err: error }, "idle database connection failed"),
  });
  const description = embedded
    ? `embedded PostgreSQL (PGlite) with data in ${embedded.dataDir}`
    : `PostgreSQL at ${redactPassword(url)}`;
  try {
    if (config.migrateOnStart) await migrateDatabase(database.pool, log);
  } catch (error) {
    await database.close();
    await embedded?.stop();
    throw error;
  }
  return {
    ...database,
    description,
    async close() {
      await database.close();
      await embedded?.stop();
    },
  };
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
