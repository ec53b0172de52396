// The embedded database registers pg_trgm and btree_gist on every open. Without it
// CREATE EXTENSION fails on a fresh folder, and on a folder where the extensions were
// created (by the migrations) even an INSERT into a trigram- or gist-indexed table fails
// after a reopen, because the extension's library is not loaded in the new instance.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "../../src/db/embedded.js";

async function withEmbedded<T>(dataDir: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const embedded = await startEmbeddedPostgres(dataDir);
  const client = new pg.Client({ connectionString: embedded.url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
    await embedded.stop();
  }
}

describe("the embedded database's extensions", () => {
  it("creates pg_trgm and btree_gist, and their indexes keep working after a reopen", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "lds-extensions-"));
    await withEmbedded(dataDir, async (client) => {
      await client.query("CREATE EXTENSION IF NOT EXISTS pg_trgm");
      await client.query("CREATE EXTENSION IF NOT EXISTS btree_gist");
      await client.query("CREATE TABLE names (id int PRIMARY KEY, name text NOT NULL)");
      await client.query("CREATE INDEX names_trgm ON names USING gin (name gin_trgm_ops)");
      await client.query(`CREATE TABLE slots (resource int NOT NULL, during tstzrange NOT NULL,
        EXCLUDE USING gist (resource WITH =, during WITH &&))`);
      await client.query("INSERT INTO names VALUES (1, 'Иванов Пётр')");
    });

    await withEmbedded(dataDir, async (client) => {
      await client.query("INSERT INTO names VALUES (2, 'Петров Иван')");
      const { rows } = await client.query<{ id: number }>(
        "SELECT id FROM names WHERE word_similarity('иван', name) > 0.5 ORDER BY id",
      );
      expect(rows.map((row) => row.id)).toEqual([1, 2]);
      await client.query("INSERT INTO slots VALUES (1, '[2026-12-01 10:00Z, 2026-12-01 11:00Z)')");
      await client.query("INSERT INTO slots VALUES (1, '[2026-12-01 11:00Z, 2026-12-01 12:00Z)')");
      await expect(
        client.query("INSERT INTO slots VALUES (1, '[2026-12-01 10:30Z, 2026-12-01 11:30Z)')"),
      ).rejects.toMatchObject({ code: "23P01" });
    });
  }, 60_000);
});
