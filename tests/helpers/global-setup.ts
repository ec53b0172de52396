// Runs once before all test files: prepares a migrated template database that
// each test file clones (CREATE DATABASE ... TEMPLATE), so files run in parallel
// on isolated data. Without a server (and outside CI) it starts one embedded
// PGlite instead, which the files then share one after another.
import { createHash } from "node:crypto";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../../src/db/embedded.js";
import { MIGRATIONS_DIR } from "../../src/db/migrations-dir.js";
import { applyMigrations, readMigrations } from "../../src/db/migrator.js";
import {
  databaseTargetLine,
  embeddedForced,
  serverAnswers,
  serverUrl,
  withDatabase,
} from "./database-target.js";

declare module "vitest" {
  export interface ProvidedContext {
    database: { kind: "server"; adminUrl: string; template: string } | { kind: "embedded"; url: string };
  }
}

const quiet = { info() {} };

export default async function setup(project: TestProject) {
  const url = serverUrl();
  const forced = embeddedForced();
  if (!forced && (await serverAnswers(url))) {
    const migrations = readMigrations(MIGRATIONS_DIR);
    const digest = createHash("sha256")
      .update(migrations.map((m) => m.checksum).join())
      .digest("hex")
      .slice(0, 12);
    const template = `lds_test_template_${digest}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [template]);
      if (exists.rowCount === 0) {
        await admin.query(`CREATE DATABASE "${template}"`);
        const client = new pg.Client({ connectionString: withDatabase(url, template) });
        await client.connect();
        try {
          await applyMigrations(client, migrations, quiet);
        } finally {
          await client.end();
        }
      }
    } finally {
      await admin.end();
    }
    console.log(databaseTargetLine({ kind: "server", url, template }));
    project.provide("database", { kind: "server", adminUrl: url, template });
    return;
  }
  if (process.env.CI && !forced) {
    throw new Error(`CI needs a PostgreSQL server: none answers at ${url} (set TEST_DATABASE_URL).`);
  }
  console.warn(
    (forced
      ? "\n[tests] TEST_DATABASE=embedded: running on embedded PGlite, one file after another.\n"
      : `\n[tests] No PostgreSQL answers at ${url}: running on embedded PGlite, one file after another.\n`) +
      "[tests] Skipped there: the concurrency tests and the concurrent-migration test, which only mean\n" +
      "[tests] something on a real server (PGlite runs one query at a time).\n",
  );
  const embedded = await startEmbeddedPostgres(
    `${process.env.TMPDIR ?? "/tmp"}/lds-test-pglite-${process.pid}`,
  );
  const client = new pg.Client({ connectionString: embedded.url });
  await client.connect();
  await applyMigrations(client, readMigrations(MIGRATIONS_DIR), quiet);
  await client.end();
  console.log(databaseTargetLine({ kind: "embedded", url: embedded.url }));
  project.provide("database", { kind: "embedded", url: embedded.url });
  return async () => {
    await embedded.stop();
  };
}
