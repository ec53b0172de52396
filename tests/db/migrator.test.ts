// The migration runner on scratch databases of its own, with migration folders
// written for each test: nothing here touches the project's migrations.
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterEach, describe, expect, inject, it } from "vitest";
import { applyMigrations, MigrationError, migrateDatabase, readMigrations } from "../../src/db/migrator.js";
import { withDatabase } from "../helpers/database-target.js";
import { onRealServer } from "../helpers/test-database.js";

/** The advisory lock key of `prisma migrate`, which the runner shares. */
const PRISMA_LOCK_KEY = 72707369;

type Scratch = { connect(): Promise<pg.Client>; drop(): Promise<void> };

/**
 * A database of this test's own: CREATE DATABASE on a real server; on the embedded
 * fallback (one database only) a schema of its own, put first on each connection's search_path.
 */
async function createScratch(): Promise<Scratch> {
  const target = inject("database");
  const name = `lds_migrator_${randomBytes(6).toString("hex")}`;
  const adminUrl = target.kind === "server" ? target.adminUrl : target.url;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(target.kind === "server" ? `CREATE DATABASE "${name}"` : `CREATE SCHEMA "${name}"`);
  } finally {
    await admin.end();
  }
  const url = target.kind === "server" ? withDatabase(adminUrl, name) : adminUrl;
  return {
    async connect() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      if (target.kind === "embedded") {
        await client.query(`SET search_path TO "${name}"`);
        // PGlite serves every connection from one session, where a setting outlives the
        // connection that made it: left set, it sent the next test files' queries to this
        // schema, dropped after the test ("relation events does not exist" everywhere after).
        const end = client.end.bind(client);
        client.end = (async () => {
          await client.query("RESET search_path").catch(() => {});
          return end();
        }) as typeof client.end;
      }
      return client;
    },
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(
          target.kind === "server"
            ? `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`
            : `DROP SCHEMA IF EXISTS "${name}" CASCADE`,
        );
      } finally {
        await client.end();
      }
    },
  };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function scratchClient(): Promise<{ scratch: Scratch; client: pg.Client }> {
  const scratch = await createScratch();
  cleanups.push(() => scratch.drop());
  const client = await scratch.connect();
  cleanups.push(() => client.end());
  return { scratch, client };
}

/** A temporary prisma/migrations folder; `write` adds or rewrites one migration. */
function migrationsFolder() {
  const directory = mkdtempSync(join(tmpdir(), "lds-migrations-"));
  cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
  return {
    directory,
    write(name: string, sql: string) {
      mkdirSync(join(directory, name), { recursive: true });
      writeFileSync(join(directory, name, "migration.sql"), sql);
    },
  };
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const silent = { info() {} };

type MigrationRow = {
  id: string;
  checksum: string;
  migration_name: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  applied_steps_count: number;
};
async function records(client: pg.Client): Promise<MigrationRow[]> {
  const { rows } = await client.query<MigrationRow>(
    `SELECT id, checksum, migration_name, finished_at, rolled_back_at, applied_steps_count
     FROM "_prisma_migrations" ORDER BY migration_name`,
  );
  return rows;
}
async function tableExists(client: pg.Client, table: string): Promise<boolean> {
  const { rows } = await client.query<{ found: string | null }>("SELECT to_regclass($1)::text AS found", [
    table,
  ]);
  return rows[0]?.found != null;
}

const CREATE = "CREATE TABLE widgets (id INTEGER PRIMARY KEY);\n";
const ALTER = "ALTER TABLE widgets ADD COLUMN label TEXT NOT NULL DEFAULT 'new';\n";

describe("migration runner", () => {
  it("applies the migrations in name order, each recorded with its sha256 checksum", async () => {
    const { client } = await scratchClient();
    const folder = migrationsFolder();
    // Written second-first: the runner must order by name, not by the directory listing.
    folder.write("20260102000000_add_label", ALTER);
    folder.write("20260101000000_create_widgets", CREATE);
    const logged: string[] = [];

    const applied = await applyMigrations(client, readMigrations(folder.directory), {
      info: (message) => logged.push(message),
    });

    expect(applied).toEqual(["20260101000000_create_widgets", "20260102000000_add_label"]);
    expect(logged).toEqual([
      "applied migration 20260101000000_create_widgets",
      "applied migration 20260102000000_add_label",
    ]);
    await client.query("INSERT INTO widgets (id) VALUES (1)");
    expect((await client.query("SELECT id, label FROM widgets")).rows).toEqual([{ id: 1, label: "new" }]);

    const rows = await records(client);
    expect(rows).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        checksum: sha256(CREATE),
        migration_name: "20260101000000_create_widgets",
        finished_at: expect.any(Date),
        rolled_back_at: null,
        applied_steps_count: 1,
      },
      {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        checksum: sha256(ALTER),
        migration_name: "20260102000000_add_label",
        finished_at: expect.any(Date),
        rolled_back_at: null,
        applied_steps_count: 1,
      },
    ]);
    expect(rows[0]?.id).not.toBe(rows[1]?.id);
  });

  it("creates _prisma_migrations with the columns prisma migrate uses", async () => {
    const { client } = await scratchClient();
    const folder = migrationsFolder();
    folder.write("20260101000000_create_widgets", CREATE);
    await applyMigrations(client, readMigrations(folder.directory), silent);

    const { rows } = await client.query<{ column_name: string; data_type: string; is_nullable: string }>(
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns
       WHERE table_name = '_prisma_migrations' AND table_schema = current_schema() ORDER BY ordinal_position`,
    );
    expect(rows).toEqual([
      { column_name: "id", data_type: "character varying", is_nullable: "NO" },
      { column_name: "checksum", data_type: "character varying", is_nullable: "NO" },
      { column_name: "finished_at", data_type: "timestamp with time zone", is_nullable: "YES" },
      { column_name: "migration_name", data_type: "character varying", is_nullable: "NO" },
      { column_name: "logs", data_type: "text", is_nullable: "YES" },
      { column_name: "rolled_back_at", data_type: "timestamp with time zone", is_nullable: "YES" },
      { column_name: "started_at", data_type: "timestamp with time zone", is_nullable: "NO" },
      { column_name: "applied_steps_count", data_type: "integer", is_nullable: "NO" },
    ]);
  });

  it("a second run applies nothing; a later run applies only the new migration", async () => {
    const { client } = await scratchClient();
    const folder = migrationsFolder();
    folder.write("20260101000000_create_widgets", CREATE);
    await applyMigrations(client, readMigrations(folder.directory), silent);
    const first = await records(client);

    expect(await applyMigrations(client, readMigrations(folder.directory), silent)).toEqual([]);
    expect(await records(client)).toEqual(first);

    folder.write("20260102000000_add_label", ALTER);
    expect(await applyMigrations(client, readMigrations(folder.directory), silent)).toEqual([
      "20260102000000_add_label",
    ]);
    expect((await records(client)).map((row) => row.migration_name)).toEqual([
      "20260101000000_create_widgets",
      "20260102000000_add_label",
    ]);
  });

  it("migrateDatabase applies a folder over a pool connection and releases it", async () => {
    const target = inject("database");
    const { client } = await scratchClient();
    const folder = migrationsFolder();
    folder.write("20260101000000_create_widgets", CREATE);
    // The pool must reach the same scratch database (or schema) as the client.
    const [{ db, schema }] = (
      await client.query<{ db: string; schema: string }>(
        "SELECT current_database() AS db, current_schema() AS schema",
      )
    ).rows as [{ db: string; schema: string }];
    const baseUrl = target.kind === "server" ? target.adminUrl : target.url;
    const pool = new pg.Pool({
      connectionString: withDatabase(baseUrl, db),
      max: 1,
      ...(target.kind === "embedded" ? { options: `-c search_path=${schema}` } : {}),
    });
    cleanups.push(() => pool.end());

    expect(await migrateDatabase(pool, silent, folder.directory)).toEqual(["20260101000000_create_widgets"]);
    expect(pool.idleCount).toBe(1);
    expect(await tableExists(client, "widgets")).toBe(true);
  });

  it("refuses to run when an applied migration's file changed, naming it, and applies nothing", async () => {
    const { client } = await scratchClient();
    const folder = migrationsFolder();
    folder.write("20260101000000_create_widgets", CREATE);
    await applyMigrations(client, readMigrations(folder.directory), silent);

    folder.write("20260101000000_create_widgets", `${CREATE}-- edited afterwards\n`);
    folder.write("20260102000000_add_label", ALTER);
    const run = applyMigrations(client, readMigrations(folder.directory), silent);

    await expect(run).rejects.toBeInstanceOf(MigrationError);
    await expect(run).rejects.toThrow(
      /^Migration 20260101000000_create_widgets was changed after it was applied \(checksum [0-9a-f]{64} in the database/,
    );
    expect((await records(client)).map((row) => row.migration_name)).toEqual([
      "20260101000000_create_widgets",
    ]);
    const { rows } = await client.query(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'widgets'",
    );
    expect(rows).toEqual([{ column_name: "id" }]);
  });

  it("rolls a failing migration back entirely and records nothing for it", async () => {
    const { client } = await scratchClient();
    const folder = migrationsFolder();
    folder.write("20260101000000_create_widgets", CREATE);
    folder.write("20260102000000_broken", "CREATE TABLE gadgets (id INTEGER);\nSELECT 1 / 0;\n");
    folder.write("20260103000000_after", "CREATE TABLE after_broken (id INTEGER);\n");

    const run = applyMigrations(client, readMigrations(folder.directory), silent);
    await expect(run).rejects.toBeInstanceOf(MigrationError);
    await expect(run).rejects.toThrow("Migration 20260102000000_broken failed: division by zero");

    expect(await tableExists(client, "widgets")).toBe(true);
    expect(await tableExists(client, "gadgets")).toBe(false);
    expect(await tableExists(client, "after_broken")).toBe(false);
    expect((await records(client)).map((row) => row.migration_name)).toEqual([
      "20260101000000_create_widgets",
    ]);
    // The session is usable again (no aborted transaction left open) and the lock is free.
    const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [
      PRISMA_LOCK_KEY,
    ]);
    expect(rows).toEqual([{ locked: true }]);
    await client.query("SELECT pg_advisory_unlock($1)", [PRISMA_LOCK_KEY]);

    // Once fixed, the migration applies on the next run.
    folder.write("20260102000000_broken", "CREATE TABLE gadgets (id INTEGER);\n");
    expect(await applyMigrations(client, readMigrations(folder.directory), silent)).toEqual([
      "20260102000000_broken",
      "20260103000000_after",
    ]);
  });

  it("reads only migration folders, ignoring files such as migration_lock.toml", () => {
    const folder = migrationsFolder();
    folder.write("20260102000000_b", "SELECT 2;");
    folder.write("20260101000000_a", "SELECT 1;");
    writeFileSync(join(folder.directory, "migration_lock.toml"), 'provider = "postgresql"\n');

    expect(readMigrations(folder.directory)).toEqual([
      { name: "20260101000000_a", sql: "SELECT 1;", checksum: sha256("SELECT 1;") },
      { name: "20260102000000_b", sql: "SELECT 2;", checksum: sha256("SELECT 2;") },
    ]);
  });

  it.skipIf(!onRealServer)("runners started at once apply each migration exactly once", async () => {
    const { scratch, client } = await scratchClient();
    const runners = [client];
    for (let i = 0; i < 3; i++) {
      const extra = await scratch.connect();
      cleanups.push(() => extra.end());
      runners.push(extra);
    }
    const folder = migrationsFolder();
    // Without IF NOT EXISTS: a second application fails, so "exactly once" is observable.
    folder.write("20260101000000_one", "CREATE TABLE once_a (id INTEGER);\nSELECT pg_sleep(0.2);\n");
    folder.write("20260102000000_two", "CREATE TABLE once_b (id INTEGER);\n");
    const migrations = readMigrations(folder.directory);

    const results = await Promise.all(runners.map((runner) => applyMigrations(runner, migrations, silent)));

    expect(results.flat().sort()).toEqual(["20260101000000_one", "20260102000000_two"]);
    expect(results.filter((applied) => applied.length > 0)).toHaveLength(1);
    const { rows } = await client.query<{ migration_name: string; count: number }>(
      `SELECT migration_name, count(*)::int AS count FROM "_prisma_migrations"
         GROUP BY migration_name ORDER BY migration_name`,
    );
    expect(rows).toEqual([
      { migration_name: "20260101000000_one", count: 1 },
      { migration_name: "20260102000000_two", count: 1 },
    ]);
  });
});
