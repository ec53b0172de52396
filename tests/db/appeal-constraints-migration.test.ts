// Migration 20261201110000_appeal_constraints on a database that already holds what the
// old ON DELETE SET NULL allowed: an active appeal whose operator was deleted. It goes
// back to the queue (recorded), so the new CHECK applies and the service starts.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { MIGRATIONS_DIR } from "../../src/db/migrations-dir.js";
import { applyMigrations, readMigrations } from "../../src/db/migrator.js";
import { withDatabase } from "../helpers/database-target.js";
import { query } from "../helpers/sql.js";
import { onRealServer } from "../helpers/test-database.js";

const MIGRATION = "20261201110000_appeal_constraints";

describe.skipIf(!onRealServer)(`the migration ${MIGRATION}`, () => {
  it("requeues active appeals left without an operator, then adds the CHECK and RESTRICT", async () => {
    const target = inject("database");
    if (target.kind !== "server") throw new Error("needs a real server");
    const name = `lds_constraints_${randomBytes(6).toString("hex")}`;
    await query(target.adminUrl, `CREATE DATABASE "${name}"`);
    const client = new pg.Client({ connectionString: withDatabase(target.adminUrl, name) });
    await client.connect();
    try {
      const quiet = { info() {} };
      const migrations = readMigrations(MIGRATIONS_DIR);
      await applyMigrations(
        client,
        migrations.filter((m) => m.name < MIGRATION),
        quiet,
      );
      await client.query(`
        INSERT INTO sources (name) VALUES ('one');
        INSERT INTO operators (name, active_load) VALUES ('stays', 1), ('deleted', 1);
        INSERT INTO leads (external_id) VALUES ('lead');
        INSERT INTO appeals (lead_id, source_id, operator_id, status, assigned_at) VALUES
          (1, 1, 1, 'active', now()), (1, 1, 2, 'active', now()), (1, 1, 2, 'closed', now());
        DELETE FROM operators WHERE id = 2;`);
      expect(
        (await client.query("SELECT id, operator_id, status::text FROM appeals ORDER BY id")).rows,
      ).toEqual([
        { id: 1, operator_id: 1, status: "active" },
        { id: 2, operator_id: null, status: "active" },
        { id: 3, operator_id: null, status: "closed" },
      ]);

      // This one and the migrations after it.
      expect((await applyMigrations(client, migrations, quiet))[0]).toBe(MIGRATION);
      expect(
        (await client.query("SELECT id, operator_id, status::text, assigned_at FROM appeals ORDER BY id"))
          .rows,
      ).toEqual([
        { id: 1, operator_id: 1, status: "active", assigned_at: expect.any(Date) },
        { id: 2, operator_id: null, status: "pending", assigned_at: null },
        { id: 3, operator_id: null, status: "closed", assigned_at: expect.any(Date) },
      ]);
      expect(
        (await client.query("SELECT actor, type AS action, entity_id, appeal_id, details FROM events")).rows,
      ).toEqual([
        {
          actor: `migration:${MIGRATION}`,
          action: "appeal.queued",
          entity_id: 2,
          appeal_id: 2,
          details: { source_id: 1, lead_id: 1, reason: "operator deleted" },
        },
      ]);
      // The triggers moved the requeued appeal's count.
      expect(
        (
          await client.query(
            "SELECT operator_id, status::text, n::int FROM appeal_counts WHERE n <> 0 ORDER BY 1, 2",
          )
        ).rows,
      ).toEqual([
        { operator_id: 0, status: "closed", n: 1 },
        { operator_id: 0, status: "pending", n: 1 },
        { operator_id: 1, status: "active", n: 1 },
      ]);
      expect(
        (
          await client.query(
            `SELECT conname, convalidated, confdeltype FROM pg_constraint
             WHERE conrelid = 'appeals'::regclass AND contype IN ('c', 'f') ORDER BY conname`,
          )
        ).rows,
      ).toEqual([
        { conname: "appeals_active_has_operator", convalidated: true, confdeltype: " " },
        { conname: "appeals_lead_id_fkey", convalidated: true, confdeltype: "r" },
        { conname: "appeals_operator_id_fkey", convalidated: true, confdeltype: "r" },
        { conname: "appeals_source_id_fkey", convalidated: true, confdeltype: "r" },
      ]);
    } finally {
      await client.end();
      await query(target.adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    }
  });
});
