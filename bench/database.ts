// The scratch database: created at the start, dropped at the end (also on
// failure and Ctrl-C), and a few helpers to query it.
import pg from "pg";

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Runs one statement (or a script of several, without parameters) and returns its rows. */
export async function query<T extends pg.QueryResultRow>(url: string, sql: string, params?: unknown[]) {
  return withClient(url, async (client) => (await client.query<T>(sql, params)).rows);
}

export type ScratchDatabase = { name: string; url: string; drop(): Promise<void> };

export async function createScratchDatabase(adminUrl: string): Promise<ScratchDatabase> {
  const name = `bench_${process.pid}_${Date.now().toString(36)}`;
  await query(adminUrl, `CREATE DATABASE "${name}"`);
  let dropped = false;
  return {
    name,
    url: withDatabase(adminUrl, name),
    async drop() {
      if (dropped) return;
      dropped = true;
      await query(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

/** The server's version string and a few settings that explain the figures. */
export async function serverInfo(url: string): Promise<Record<string, string>> {
  const rows = await query<{ name: string; setting: string }>(
    url,
    `SELECT 'version' AS name, split_part(version(), ' on ', 1) AS setting
     UNION ALL
     SELECT name, current_setting(name) FROM pg_settings
     WHERE name IN ('max_connections', 'shared_buffers', 'synchronous_commit', 'fsync', 'wal_sync_method')`,
  );
  return Object.fromEntries(rows.map((row) => [row.name, row.setting]));
}

/**
 * Waits until no other session of this database runs a statement or holds a
 * transaction open, twice in a row: requests still in flight when the load
 * generator stopped are then finished, and the checks see their effects.
 */
export async function waitForQuiet(url: string, timeoutMs = 30_000): Promise<void> {
  await withClient(url, async (client) => {
    const deadline = Date.now() + timeoutMs;
    let quietPolls = 0;
    while (quietPolls < 2) {
      if (Date.now() > deadline) throw new Error(`the database was still busy after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
      const { rows } = await client.query<{ busy: number }>(
        `SELECT count(*)::int AS busy FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND state NOT IN ('idle')`,
      );
      quietPolls = rows[0]?.busy === 0 ? quietPolls + 1 : 0;
    }
  });
}
