// A fingerprint of every table of the test database: row count, content digest and,
// where the table has one, the latest updated_at. Equal fingerprints mean nothing was written.
import pg from "pg";

export type Fingerprint = Record<string, { rows: number; digest: string; updated_at?: string | null }>;

/** Tables that must exist; events, api_keys and any later table are picked up when present. */
const REQUIRED = ["operators", "sources", "operator_weights", "leads", "appeals", "idempotency_keys"];

export type TableSnapshots = {
  tables: string[];
  take(): Promise<Fingerprint>;
  close(): Promise<void>;
};

export async function openTableSnapshots(url: string): Promise<TableSnapshots> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ table_name: string; has_updated_at: boolean }>(
    `SELECT t.table_name,
            EXISTS (SELECT 1 FROM information_schema.columns c
                    WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name
                      AND c.column_name = 'updated_at') AS has_updated_at
     FROM information_schema.tables t
     WHERE t.table_schema = 'public' AND t.table_type = 'BASE TABLE'
     ORDER BY t.table_name`,
  );
  const missing = REQUIRED.filter((name) => !rows.some((row) => row.table_name === name));
  if (missing.length > 0) throw new Error(`tables missing from the test database: ${missing.join(", ")}`);

  const parts = rows.map(({ table_name: name, has_updated_at: hasUpdatedAt }) => {
    const table = client.escapeIdentifier(name);
    const updatedAt = hasUpdatedAt ? `, 'updated_at', max(x.updated_at)::text` : "";
    return `${client.escapeLiteral(name)}, (SELECT json_build_object(
        'rows', count(*),
        'digest', md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), ''))${updatedAt})
      FROM ${table} x)`;
  });
  const sql = `SELECT json_build_object(${parts.join(",\n")}) AS fingerprint`;

  return {
    tables: rows.map((row) => row.table_name),
    async take() {
      const result = await client.query<{ fingerprint: Fingerprint }>(sql);
      return result.rows[0]?.fingerprint ?? {};
    },
    close: () => client.end(),
  };
}
