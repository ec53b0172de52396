// A database of one test file's own: a clone of the migrated template on a real
// server, or the shared embedded database emptied first.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { withDatabase } from "./database-target.js";

export type TestDatabase = {
  url: string;
  /** Empties every table and restarts ids, for tests that assert on global totals. */
  reset(): Promise<void>;
  drop(): Promise<void>;
};

/** What reset() keeps: the migrations' record (the database stays migrated). */
const KEPT_TABLES = ["_prisma_migrations"];

/** True when the tests run on a real PostgreSQL server (concurrency tests need one). */
export const onRealServer = inject("database").kind === "server";

async function run(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Empties every table of the schema but KEPT_TABLES, read from the catalog at each call, so
 * the tables a migration adds or renames are emptied too without a list to keep by hand.
 */
async function truncateAll(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      `SELECT format('%I', tablename) AS name FROM pg_tables
       WHERE schemaname = current_schema() AND NOT tablename = ANY($1)
       ORDER BY tablename`,
      [KEPT_TABLES],
    );
    if (rows.length === 0) return;
    await client.query(`TRUNCATE ${rows.map((row) => row.name).join(", ")} RESTART IDENTITY CASCADE`);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const target = inject("database");
  if (target.kind === "embedded") {
    // pg-boss's schema too (created by the first file that starts jobs): no file sees another's jobs.
    await truncateAll(target.url);
    await run(target.url, "DROP SCHEMA IF EXISTS pgboss CASCADE");
    return { url: target.url, reset: () => truncateAll(target.url), drop: async () => {} };
  }
  const name = `lds_test_${randomBytes(6).toString("hex")}`;
  await run(target.adminUrl, `CREATE DATABASE "${name}" TEMPLATE "${target.template}"`);
  const url = withDatabase(target.adminUrl, name);
  return {
    url,
    reset: () => truncateAll(url),
    drop: () => run(target.adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}
