// Raw statements straight through pg, for the statements on the hot path of every
// appeal (distribution.repository.ts). They are single raw SQL statements already;
// sending them through Prisma's runtime (query compiler, parameter and result
// mapping, adapter-pg's per-query setup) cost about a fifth of the service's CPU
// per appeal for no gain (docs/PERFORMANCE.md). Statements are composed with
// Prisma.sql, so values are always parameters, never spliced into the text.
import type pg from "pg";
import type { Prisma } from "../generated/prisma/client.js";

export type SqlClient = {
  /**
   * Runs one statement on a pooled connection and returns its rows (pg's default
   * type parsing). `name` must always come with the same SQL text: the statement is
   * prepared under it once per connection (a different text under a used name fails).
   */
  rows<Row extends pg.QueryResultRow>(name: string, statement: Prisma.Sql): Promise<Row[]>;
};

export type SqlClientOptions = {
  /** Prepare statements under their names; off on PGlite, whose connections share one session. */
  prepareStatements: boolean;
  /** Called with every statement sent (statement-count tests), like Prisma's query events. */
  onQuery?: ((sql: string) => void) | undefined;
};

export function createSqlClient(pool: pg.Pool, { prepareStatements, onQuery }: SqlClientOptions): SqlClient {
  return {
    async rows<Row extends pg.QueryResultRow>(name: string, statement: Prisma.Sql): Promise<Row[]> {
      const { text, values } = statement;
      onQuery?.(text);
      const result = await pool.query<Row>(prepareStatements ? { name, text, values } : { text, values });
      return result.rows;
    },
  };
}
