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

const TABLES = [
  "api_keys",
  "audit_events",
  "idempotency_keys",
  "appeal_counts",
  "appeals",
  "leads",
  "operator_weights",
  "sources",
  "operators",
];

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

export async function createTestDatabase(): Promise<TestDatabase> {
  const target = inject("database");
  const truncate = `TRUNCATE ${TABLES.join(", ")} RESTART IDENTITY CASCADE`;
  if (target.kind === "embedded") {
    // pg-boss's schema too (created by the first file that starts jobs): no file sees another's jobs.
    await run(target.url, `${truncate}; DROP SCHEMA IF EXISTS pgboss CASCADE`);
    return { url: target.url, reset: () => run(target.url, truncate), drop: async () => {} };
  }
  const name = `lds_test_${randomBytes(6).toString("hex")}`;
  await run(target.adminUrl, `CREATE DATABASE "${name}" TEMPLATE "${target.template}"`);
  const url = withDatabase(target.adminUrl, name);
  return {
    url,
    reset: () => run(url, truncate),
    drop: () => run(target.adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}
