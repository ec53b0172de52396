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

/**
 * Runs `work` in one transaction (READ COMMITTED) on one pooled connection: the statements it
 * sends through `tx` see each other's writes and commit together, or roll back together when
 * `work` throws. For the few use cases whose rule spans statements (a transaction-scoped
 * advisory lock, then what it protects: the sticky conversation, messages/sticky.repository.ts).
 * BEGIN, COMMIT and ROLLBACK are reported to `onQuery` like every other statement.
 */
export type SqlTransactions = <T>(work: (tx: SqlClient) => Promise<T>) => Promise<T>;

export function createSqlClient(pool: pg.Pool, options: SqlClientOptions): SqlClient {
  const send = statementSender(options);
  return {
    rows: <Row extends pg.QueryResultRow>(name: string, statement: Prisma.Sql) =>
      onConnection(pool, (connection) => send<Row>(connection, name, statement)),
  };
}

export function createSqlTransactions(pool: pg.Pool, options: SqlClientOptions): SqlTransactions {
  const send = statementSender(options);
  const control = (connection: Connection, command: "BEGIN" | "COMMIT" | "ROLLBACK") => {
    options.onQuery?.(command);
    return connection.query(command);
  };
  return (work) =>
    onConnection(pool, async (connection) => {
      await control(connection, "BEGIN");
      try {
        const value = await work({ rows: (name, statement) => send(connection, name, statement) });
        await control(connection, "COMMIT");
        return value;
      } catch (error) {
        // After a failed COMMIT no transaction is left and ROLLBACK only warns. A ROLLBACK that
        // fails leaves the session in an unknown state (perhaps still in the transaction, holding
        // its locks): it must not go back to the pool.
        await control(connection, "ROLLBACK").catch((rollbackError: Error) =>
          connection.discard(rollbackError),
        );
        throw error;
      }
    });
}

/** A checked-out connection: its statements, and a way to have it discarded instead of given back. */
type Connection = {
  query<Row extends pg.QueryResultRow>(statement: string | pg.QueryConfig): Promise<pg.QueryResult<Row>>;
  discard(error: Error): void;
};

/**
 * Sends one statement, as a named prepared statement when enabled. Without prepared statements
 * (PGlite) the server never sees the names, so a name reused for another text is caught here;
 * with them, pg refuses it itself, per connection.
 */
function statementSender({ prepareStatements, onQuery }: SqlClientOptions) {
  const texts = new Map<string, string>();
  return async <Row extends pg.QueryResultRow>(
    connection: Connection,
    name: string,
    statement: Prisma.Sql,
  ): Promise<Row[]> => {
    const { text, values } = statement;
    if (!prepareStatements) {
      const known = texts.get(name);
      if (known === undefined) texts.set(name, text);
      else if (known !== text) throw new Error(`SQL statement "${name}" was given two different texts`);
    }
    onQuery?.(text);
    const result = await connection.query<Row>(prepareStatements ? { name, text, values } : { text, values });
    return result.rows;
  };
}

/**
 * Runs `work` on a connection checked out of the pool for it, then gives the connection back, or
 * discards it when it broke. The pool listens for errors of idle connections only: a connection
 * that breaks while checked out emits 'error' with no listener, which would crash the process.
 * A statement the server refused (a reused idempotency key, a cancelled statement) leaves the
 * connection fine: keep it and its prepared statements (pool.query would discard it on any
 * error). A FATAL one (the server shutting down), a broken socket or the driver's own timeout
 * leave it closing or in an unknown state: discard it.
 */
async function onConnection<T>(pool: pg.Pool, work: (connection: Connection) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const discard = (error: Error) => {
    broken ??= error;
  };
  client.on("error", discard);
  const connection: Connection = {
    async query<Row extends pg.QueryResultRow>(statement: string | pg.QueryConfig) {
      try {
        return await client.query<Row>(statement);
      } catch (error) {
        if (!isStatementError(error)) discard(error as Error);
        throw error;
      }
    },
    discard,
  };
  try {
    return await work(connection);
  } finally {
    client.removeListener("error", discard);
    client.release(broken);
  }
}

/** A statement the server refused (the connection is fine), as opposed to a broken connection. */
export function isStatementError(error: unknown): boolean {
  return error instanceof pg.DatabaseError && error.severity !== "FATAL" && error.severity !== "PANIC";
}
