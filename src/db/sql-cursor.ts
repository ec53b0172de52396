// One statement's rows read in batches on one connection checked out of a pool for the whole
// read: the exports, whose row count has no bound, so memory must not grow with it. The caller
// asks for the next batch only when it has written the previous one out (and the client took
// it), and closes the cursor when the client leaves: the statement stops there.
//
// On a PostgreSQL server: a server-side cursor, `DECLARE ... NO SCROLL CURSOR` in a READ ONLY
// transaction, then `FETCH <batch>` until a short batch; one snapshot for the whole read, and the
// server produces only what is fetched (the planner picks a fast-start plan for a cursor).
// On PGlite, whose connections all share one session, a transaction on one connection holds
// every other connection back until it ends (pglite-socket serves only the connection in the
// transaction), so a slow download would stop the bots' intake: there each batch is a statement
// of its own, the rows after the last id read (keyset), with no transaction around them.
import type pg from "pg";
import type { Prisma } from "../generated/prisma/client.js";
import { isStatementError } from "./sql.js";

/**
 * The statement to read, its rows in the order of their unique `id`. `null`: the whole of it (a
 * server-side cursor reads it); a page: its `limit` rows after `afterId` (null: from the first),
 * for the keyset batches of a shared session.
 */
export type BatchedStatement = (page: { afterId: number | null; limit: number } | null) => Prisma.Sql;

export type RowCursor<Row> = {
  /**
   * The next rows, at most the batch size; an empty batch once every row was read. After the
   * last rows (a batch shorter than the batch size) the connection is already back in the pool.
   */
  next(): Promise<Row[]>;
  /**
   * Stops reading, at any time, and gives the connection back: a batch being read is waited
   * for (one batch, bounded by statement_timeout), then the transaction is rolled back, which
   * ends the statement on the server. Resolves once the connection is back; safe to call again.
   */
  close(): Promise<void>;
};

/** Opens a cursor over the statement: checks a connection out and starts the statement. */
export type SqlCursors = <Row extends { id: number }>(
  statement: BatchedStatement,
  batchSize: number,
) => Promise<RowCursor<Row>>;

export type SqlCursorOptions = {
  /** PGlite: every connection is the one session; read keyset batches instead of holding a transaction. */
  sharedSession: boolean;
  /** Called with every statement sent (statement-count tests), like the other raw clients. */
  onQuery?: ((sql: string) => void) | undefined;
};

/** The cursor's name; one per connection at a time, and it lives only in its transaction. */
const CURSOR_NAME = "lds_rows";

export function createSqlCursors(pool: pg.Pool, options: SqlCursorOptions): SqlCursors {
  return async <Row extends { id: number }>(statement: BatchedStatement, batchSize: number) => {
    const connection = await checkOut(pool, options.onQuery);
    if (options.sharedSession) return keysetCursor<Row>(connection, statement, batchSize);
    try {
      return await declaredCursor<Row>(connection, statement, batchSize);
    } catch (error) {
      // BEGIN or DECLARE failed: the session may be in an aborted transaction; never reuse it.
      connection.release(error as Error);
      throw error;
    }
  };
}

type HeldConnection = {
  query<Row extends pg.QueryResultRow>(statement: string | pg.QueryConfig): Promise<Row[]>;
  /** Gives the connection back once; with an error (or after a broken one), the pool destroys it. */
  release(error?: Error): void;
};

/**
 * A connection checked out for the whole read. As in sql.ts: an 'error' listener while it is
 * out (a connection that breaks then would crash the process otherwise), a statement the server
 * refused keeps it, and anything else (a broken socket, the driver's timeout) discards it.
 */
async function checkOut(pool: pg.Pool, onQuery: SqlCursorOptions["onQuery"]): Promise<HeldConnection> {
  const client = await pool.connect();
  let broken: Error | undefined;
  let released = false;
  const onError = (error: Error) => {
    broken ??= error;
  };
  client.on("error", onError);
  return {
    async query<Row extends pg.QueryResultRow>(statement: string | pg.QueryConfig) {
      onQuery?.(typeof statement === "string" ? statement : statement.text);
      try {
        return (await client.query<Row>(statement)).rows;
      } catch (error) {
        if (!isStatementError(error)) broken ??= error as Error;
        throw error;
      }
    },
    release(error?: Error) {
      if (released) return;
      released = true;
      client.removeListener("error", onError);
      client.release(error ?? broken);
    },
  };
}

async function declaredCursor<Row extends pg.QueryResultRow>(
  connection: HeldConnection,
  statement: BatchedStatement,
  batchSize: number,
): Promise<RowCursor<Row>> {
  const { text, values } = statement(null);
  await connection.query("BEGIN READ ONLY");
  await connection.query({ text: `DECLARE ${CURSOR_NAME} NO SCROLL CURSOR FOR ${text}`, values });
  const fetch = `FETCH ${batchSize} FROM ${CURSOR_NAME}`;
  let reading: Promise<Row[]> | undefined;
  let ended: Promise<void> | undefined;
  // Ends the transaction once (COMMIT after the last rows, ROLLBACK when stopped or failed);
  // a ROLLBACK that fails leaves the session unknown: the connection is destroyed, not reused.
  const end = (command: "COMMIT" | "ROLLBACK") => {
    ended ??= connection.query(command).then(
      () => connection.release(),
      (error: Error) => connection.release(error),
    );
    return ended;
  };
  return {
    async next() {
      if (ended) return [];
      reading = connection.query<Row>(fetch);
      try {
        const rows = await reading;
        if (rows.length < batchSize) await end("COMMIT");
        return rows;
      } catch (error) {
        await end("ROLLBACK");
        throw error;
      } finally {
        reading = undefined;
      }
    },
    async close() {
      await reading?.catch(() => {});
      await end("ROLLBACK");
    },
  };
}

function keysetCursor<Row extends { id: number }>(
  connection: HeldConnection,
  statement: BatchedStatement,
  batchSize: number,
): RowCursor<Row> {
  let afterId: number | null = null;
  let reading: Promise<Row[]> | undefined;
  let done = false;
  return {
    async next() {
      if (done) return [];
      const { text, values } = statement({ afterId, limit: batchSize });
      reading = connection.query<Row & pg.QueryResultRow>({ text, values });
      try {
        const rows = await reading;
        const last = rows.at(-1);
        if (rows.length < batchSize || last === undefined) {
          done = true;
          connection.release();
        } else {
          afterId = last.id;
        }
        return rows;
      } catch (error) {
        done = true;
        connection.release();
        throw error;
      } finally {
        reading = undefined;
      }
    },
    async close() {
      await reading?.catch(() => {});
      done = true;
      connection.release();
    },
  };
}
