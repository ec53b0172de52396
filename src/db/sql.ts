// Raw statements straight through pg, for the statements on the hot path of every
// appeal (distribution.repository.ts). They are single raw SQL statements already;
// sending them through Prisma's runtime (query compiler, parameter and result
// mapping, adapter-pg's per-query setup) cost ~12% of the busy samples in a profile
// of the appeal intake for no gain (docs/PERFORMANCE.md). Statements are composed
// with Prisma.sql, so values are always parameters, never spliced into the text.
import pg from "pg";
import type { Prisma } from "../generated/prisma/client.js";

export type SqlClient = {
  /**
   * Runs one statement on a pooled connection and returns its rows (pg's default
   * type parsing). `name` must always come with the same SQL text: the statement is
   * prepared under it once per connection. A different text under a used name throws.
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
  // Without prepared statements (PGlite) the server never sees the names, so a name reused
  // for another text is caught here; with them, pg refuses it itself, per connection.
  const texts = new Map<string, string>();
  return {
    async rows<Row extends pg.QueryResultRow>(name: string, statement: Prisma.Sql): Promise<Row[]> {
      const { text, values } = statement;
      if (!prepareStatements) {
        const known = texts.get(name);
        if (known === undefined) texts.set(name, text);
        else if (known !== text) throw new Error(`SQL statement "${name}" was given two different texts`);
      }
      onQuery?.(text);
      const client = await pool.connect();
      let broken: Error | undefined;
      // The pool listens for errors of idle connections only: a connection that breaks while
      // checked out emits 'error' with no listener, which would crash the process.
      const onConnectionError = (error: Error) => {
        broken = error;
      };
      client.on("error", onConnectionError);
      try {
        const result = await client.query<Row>(prepareStatements ? { name, text, values } : { text, values });
        return result.rows;
      } catch (error) {
        // The server refused the statement (a reused idempotency key, a cancelled statement)
        // and the connection is fine: keep it and its prepared statements. pool.query would
        // discard it on any error. A FATAL one (the server shutting down), a broken socket or
        // the driver's own timeout leave it closing or in an unknown state: discard it.
        if (!isStatementError(error)) broken ??= error as Error;
        throw error;
      } finally {
        client.removeListener("error", onConnectionError);
        client.release(broken);
      }
    },
  };
}

function isStatementError(error: unknown): boolean {
  return error instanceof pg.DatabaseError && error.severity !== "FATAL" && error.severity !== "PANIC";
}
