// Applies prisma/migrations/*/migration.sql in order. Prisma's own `migrate deploy`
// needs a native engine that cannot be downloaded on our machines, so the service
// does the same job itself and records it in the same `_prisma_migrations` table,
// so both tools agree wherever the native engine is available.
import { createHash, randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type pg from "pg";
import { MIGRATIONS_DIR } from "./migrations-dir.js";

/** The advisory lock key `prisma migrate` itself takes, so the two never run at once. */
const MIGRATION_LOCK_KEY = 72707369;

export class MigrationError extends Error {
  override name = "MigrationError";
}

export type Migration = { name: string; sql: string; checksum: string };

export type MigrationLog = { info(message: string): void };

export function readMigrations(directory: string): Migration[] {
  return readdirSync(directory, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(directory, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

/**
 * Applies the migrations not yet recorded, each in its own transaction, under a
 * session advisory lock so that several instances starting at once apply each
 * migration exactly once. Refuses to start when an applied migration's file changed.
 * Returns the names of the migrations it applied.
 */
export async function applyMigrations(
  client: pg.ClientBase,
  migrations: Migration[],
  log: MigrationLog,
): Promise<string[]> {
  await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum" VARCHAR(64) NOT NULL,
      "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL,
      "logs" TEXT,
      "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0
    )`);
    const { rows } = await client.query<{ migration_name: string; checksum: string }>(
      `SELECT migration_name, checksum FROM "_prisma_migrations"
       WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
    );
    const applied = new Map(rows.map((row) => [row.migration_name, row.checksum]));
    for (const migration of migrations) {
      const checksum = applied.get(migration.name);
      if (checksum !== undefined && checksum !== migration.checksum) {
        throw new MigrationError(
          `Migration ${migration.name} was changed after it was applied (checksum ${checksum} in the database, ` +
            `${migration.checksum} on disk). Restore the file and add a new migration instead.`,
        );
      }
    }
    const pending = migrations.filter((migration) => !applied.has(migration.name));
    for (const migration of pending) {
      await applyOne(client, migration);
      log.info(`applied migration ${migration.name}`);
    }
    return pending.map((migration) => migration.name);
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
  }
}

async function applyOne(client: pg.ClientBase, migration: Migration): Promise<void> {
  await client.query("BEGIN");
  try {
    await client.query(migration.sql);
    await client.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
       VALUES ($1, $2, $3, now(), now(), 1)`,
      [randomUUID(), migration.checksum, migration.name],
    );
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK");
    throw new MigrationError(`Migration ${migration.name} failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Applies every migration in prisma/migrations over one connection of the pool. */
export async function migrateDatabase(
  pool: pg.Pool,
  log: MigrationLog,
  directory = MIGRATIONS_DIR,
): Promise<string[]> {
  const client = await pool.connect();
  try {
    return await applyMigrations(client, readMigrations(directory), log);
  } finally {
    client.release();
  }
}
