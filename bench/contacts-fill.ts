// The contacts scenario's fill: 1,000,000 leads with profiles (contacts-leads.sql), an appeal each
// and 400,000 material views (contacts-activity.sql), in SQL, with the service up and idle.
//
// The secondary indexes and foreign keys of leads, appeals and activities are dropped first and
// rebuilt at the end from their own definitions (pg_get_indexdef, pg_get_constraintdef), so the
// searches run on exactly the indexes the migrations made: building a trigram GIN index once is
// several times faster than maintaining it row by row. On two cores the work runs on two
// sessions: the leads' indexes (the trigram one, ~10 s, is most of it) are built while the other
// session writes the appeals and views and builds their indexes. maintenance_work_mem is raised
// for the builds' sessions only.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { query } from "./database.js";

const TABLES = ["leads", "appeals", "activities"];

type Ddl = {
  table: string;
  kind: "index" | "foreign key";
  /** The table a foreign key references. */
  referenced: string | null;
  drop_sql: string;
  create_sql: string;
};

const DDL = `
  SELECT conrelid::regclass::text AS table, 'foreign key' AS kind, confrelid::regclass::text AS referenced,
         'ALTER TABLE ' || conrelid::regclass::text || ' DROP CONSTRAINT ' || quote_ident(conname) AS drop_sql,
         'ALTER TABLE ' || conrelid::regclass::text || ' ADD CONSTRAINT ' || quote_ident(conname) || ' '
           || pg_get_constraintdef(oid) AS create_sql
  FROM pg_constraint WHERE conrelid::regclass::text = ANY($1) AND contype = 'f'
  UNION ALL
  SELECT i.indrelid::regclass::text, 'index', NULL, 'DROP INDEX ' || i.indexrelid::regclass::text,
         pg_get_indexdef(i.indexrelid)
  FROM pg_index i
  WHERE i.indrelid::regclass::text = ANY($1)
    AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`;

const BUILD_SETTINGS = "SET maintenance_work_mem = '256MB';";

export type ContactsFill = { seconds: number; leads: number; appeals: number; views: number };

export async function fillContacts(url: string, log: (line: string) => void): Promise<ContactsFill> {
  const started = performance.now();
  const sql = (file: string) => readFile(join(import.meta.dirname, file), "utf8");
  const ddl = await query<Ddl>(url, DDL, [TABLES]);
  const script = (rows: Ddl[], pick: (row: Ddl) => string) => rows.map((row) => `${pick(row)};`).join("\n");
  // A table's indexes, the trigram one first: the longest build starts first.
  const indexesOf = (table: string) =>
    ddl
      .filter((row) => row.kind === "index" && row.table === table)
      .sort(
        (a, b) =>
          Number(b.create_sql.includes("gin_trgm_ops")) - Number(a.create_sql.includes("gin_trgm_ops")),
      );
  const since = (mark: number) => `${((performance.now() - mark) / 1000).toFixed(1)} s`;
  await lockedTransaction(
    url,
    ddl,
    "ACCESS EXCLUSIVE",
    ddl.map((row) => row.drop_sql),
    log,
  );
  log(`contacts: ${ddl.length} indexes and foreign keys dropped; 1,000,000 leads (SQL)`);
  let mark = performance.now();
  await query(url, await sql("contacts-leads.sql"));
  log(`contacts: leads in ${since(mark)}; their indexes, beside their appeals, views and those indexes`);
  mark = performance.now();
  const history = `${await sql("contacts-activity.sql")}\n${BUILD_SETTINGS}\n${script(
    [...indexesOf("appeals"), ...indexesOf("activities")],
    (row) => row.create_sql,
  )}`;
  const [indexed, written] = await Promise.all([
    query(url, `${BUILD_SETTINGS}\n${script(indexesOf("leads"), (row) => row.create_sql)}`).then(() =>
      since(mark),
    ),
    query(url, history).then(() => since(mark)),
  ]);
  log(
    `contacts: the leads' indexes in ${indexed}, appeals and views with their indexes in ${written}; foreign keys`,
  );
  mark = performance.now();
  const keys = ddl.filter((row) => row.kind === "foreign key");
  await lockedTransaction(
    url,
    keys,
    "SHARE ROW EXCLUSIVE",
    keys.map((key) => key.create_sql),
    log,
  );
  log(`contacts: foreign keys checked in ${since(mark)}; VACUUM ANALYZE, CHECKPOINT`);
  await query(url, "VACUUM ANALYZE leads, appeals, activities, materials");
  await query(url, "CHECKPOINT").catch((error: Error) =>
    log(`contacts: CHECKPOINT refused (${error.message})`),
  );
  const [row] = await query<{ leads: number; appeals: number; views: number }>(
    url,
    `SELECT (SELECT count(*) FROM leads WHERE external_id LIKE 'contacts-lead-%')::int AS leads,
            (SELECT count(*) FROM appeals a JOIN leads l ON l.id = a.lead_id
             WHERE l.external_id LIKE 'contacts-lead-%')::int AS appeals,
            (SELECT count(*) FROM activities WHERE external_id LIKE 'contacts-view-%')::int AS views`,
  );
  return {
    seconds: (performance.now() - started) / 1000,
    leads: row?.leads ?? 0,
    appeals: row?.appeals ?? 0,
    views: row?.views ?? 0,
  };
}

/**
 * `statements` in one transaction that first locks every table they touch. The service is idle
 * but not still: its distribution sweep writes appeals and operators now and then, and taking the
 * tables' locks one constraint at a time met it in a deadlock. Locking them all up front makes
 * that rare; a deadlock still possible while taking them is retried.
 */
async function lockedTransaction(
  url: string,
  ddl: Ddl[],
  mode: string,
  statements: string[],
  log: (line: string) => void,
): Promise<void> {
  const tables = [...new Set(ddl.flatMap((row) => [row.table, row.referenced ?? row.table]))];
  const script = `BEGIN;
    LOCK TABLE ${tables.join(", ")} IN ${mode} MODE;
    ${statements.map((statement) => `${statement};`).join("\n")}
    COMMIT;`;
  for (let attempt = 1; ; attempt++) {
    try {
      await query(url, script);
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== "40P01" || attempt === 5) throw error;
      log(`contacts: a deadlock with the service's sweep while taking the locks; again (${attempt})`);
    }
  }
}
