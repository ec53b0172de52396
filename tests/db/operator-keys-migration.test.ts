// Migration 20261201120000_operator_keys over a database that already holds keys, as an
// upgrade meets it: ALTER TYPE ... ADD VALUE runs inside the migrator's transaction, and
// the CHECK added in that same transaction must not use the new value (PostgreSQL refuses
// "unsafe use of new value" until it is committed). On the server and on embedded PGlite.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { MIGRATIONS_DIR } from "../../src/db/migrations-dir.js";
import { applyMigrations, readMigrations } from "../../src/db/migrator.js";
import { withDatabase } from "../helpers/database-target.js";

const MIGRATION = "20261201120000_operator_keys";
const silent = { info() {} };
const target = inject("database");
const name = `lds_operator_keys_${randomBytes(6).toString("hex")}`;
const adminUrl = target.kind === "server" ? target.adminUrl : target.url;
let client: pg.Client;

async function admin(sql: string): Promise<void> {
  const connection = new pg.Client({ connectionString: adminUrl });
  await connection.connect();
  try {
    await connection.query(sql);
  } finally {
    await connection.end();
  }
}

beforeAll(async () => {
  // On the embedded fallback (one database only), a schema of its own first on the search_path.
  await admin(target.kind === "server" ? `CREATE DATABASE "${name}"` : `CREATE SCHEMA "${name}"`);
  client = new pg.Client({
    connectionString: target.kind === "server" ? withDatabase(adminUrl, name) : adminUrl,
  });
  await client.connect();
  if (target.kind === "embedded") await client.query(`SET search_path TO "${name}"`);
});

afterAll(async () => {
  await client?.end();
  await admin(
    target.kind === "server"
      ? `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`
      : `DROP SCHEMA IF EXISTS "${name}" CASCADE`,
  );
});

async function refusal(sql: string): Promise<string> {
  try {
    await client.query(sql);
  } catch (error) {
    return (error as pg.DatabaseError).constraint ?? (error as Error).message;
  }
  return "accepted";
}

describe(`migration ${MIGRATION}`, () => {
  it("applies over existing keys in one transaction; then an operator key needs an operator, others none", async () => {
    const all = readMigrations(MIGRATIONS_DIR);
    const earlier = all.filter((migration) => migration.name < MIGRATION);
    await applyMigrations(client, earlier, silent);
    await client.query(
      `INSERT INTO api_keys (label, role, key_hash, source_ids) VALUES
         ('old admin', 'admin', repeat('a', 64), NULL), ('old bot', 'intake', repeat('b', 64), '{1}')`,
    );

    expect(await applyMigrations(client, all, silent)).toEqual(
      all.filter((migration) => migration.name >= MIGRATION).map((migration) => migration.name),
    );

    const { rows: operators } = await client.query<{ id: number }>(
      "INSERT INTO operators (name) VALUES ('Olga') RETURNING id",
    );
    const operatorId = operators[0]?.id;
    await client.query(
      "INSERT INTO api_keys (label, role, key_hash, operator_id) VALUES ('olga', 'operator', repeat('c', 64), $1)",
      [operatorId],
    );
    expect(
      await refusal("INSERT INTO api_keys (label, role, key_hash) VALUES ('x', 'operator', repeat('d', 64))"),
    ).toBe("api_keys_operator_id_check");
    expect(
      await refusal(
        `INSERT INTO api_keys (label, role, key_hash, operator_id) VALUES ('x', 'viewer', repeat('e', 64), ${operatorId})`,
      ),
    ).toBe("api_keys_operator_id_check");
    expect(await refusal(`DELETE FROM operators WHERE id = ${operatorId}`)).toBe("api_keys_operator_id_fkey");

    const { rows } = await client.query(
      "SELECT label, role::text, operator_id, source_ids FROM api_keys ORDER BY id",
    );
    expect(rows).toEqual([
      { label: "old admin", role: "admin", operator_id: null, source_ids: null },
      { label: "old bot", role: "intake", operator_id: null, source_ids: [1] },
      { label: "olga", role: "operator", operator_id: operatorId, source_ids: null },
    ]);
  });
});
