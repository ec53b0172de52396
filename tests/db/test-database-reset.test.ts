// The test helper's reset() empties every table it finds in the catalog, one a migration
// added after the helper was written included, restarts the ids, and keeps the migrations'
// record, so the database stays migrated.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { query } from "../helpers/sql.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  // The embedded fallback shares one database between files: leave no table behind.
  await query(database.url, "DROP TABLE IF EXISTS reset_probe");
  await database.drop();
});

async function rowCounts(): Promise<Record<string, number>> {
  const tables = await query<{ name: string }>(
    database.url,
    "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename",
  );
  const counts: Record<string, number> = {};
  for (const { name } of tables) {
    const [row] = await query<{ n: number }>(database.url, `SELECT count(*)::int AS n FROM "${name}"`);
    counts[name] = row?.n ?? -1;
  }
  return counts;
}

describe("TestDatabase.reset", () => {
  it("empties every table but the migrations' record, and restarts the ids", async () => {
    await query(database.url, "CREATE TABLE reset_probe (id serial PRIMARY KEY, note text)");
    await query(database.url, "INSERT INTO reset_probe (note) VALUES ('a'), ('b')");
    await query(database.url, "INSERT INTO operators (name, is_active, max_load) VALUES ('probe', true, 1)");
    const [migrations] = await query<{ n: number }>(
      database.url,
      'SELECT count(*)::int AS n FROM "_prisma_migrations"',
    );
    expect(migrations?.n).toBeGreaterThan(0);

    await database.reset();

    const counts = await rowCounts();
    expect(counts._prisma_migrations).toBe(migrations?.n);
    const { _prisma_migrations: _, ...others } = counts;
    expect(Object.keys(others)).toEqual(expect.arrayContaining(["appeals", "operators", "reset_probe"]));
    expect(Object.values(others).every((n) => n === 0)).toBe(true);
    const [probe] = await query<{ id: number }>(
      database.url,
      "INSERT INTO reset_probe (note) VALUES ('c') RETURNING id",
    );
    expect(probe?.id).toBe(1);
  });
});
