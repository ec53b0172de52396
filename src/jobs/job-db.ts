// pg-boss runs every statement through an `executeSql(text, values) -> { rows }`
// of ours (its `db` option) instead of a pool of its own: the embedded database has
// a budget of 10 connections, and a job sent in a caller's transaction must go
// through that transaction's connection, or it would commit on its own.
import type pg from "pg";

export type JobDb = {
  // biome-ignore lint/suspicious/noExplicitAny: pg-boss reads the rows of its own statements.
  executeSql(text: string, values?: unknown[]): Promise<{ rows: any[] }>;
};

/** A Prisma interactive transaction (`prisma.$transaction(async (tx) => ...)`). */
export type PrismaTransaction = {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
};

/** A pg connection inside BEGIN ... COMMIT (a PoolClient or a Client). */
export type PgTransaction = Pick<pg.ClientBase, "query">;

export type Transaction = PrismaTransaction | PgTransaction;

/**
 * The pool's executeSql: pool.query takes a connection per statement. Without values pg
 * uses the simple query protocol, which pg-boss needs for its multi-statement scripts
 * (its schema migration and maintenance run as `BEGIN; ...; COMMIT;`).
 */
export function poolJobDb(pool: pg.Pool): JobDb {
  return { executeSql: (text, values) => pool.query(text, values) };
}

/** Statements sent through a caller's transaction: they commit or roll back with it. */
export function transactionJobDb(transaction: Transaction): JobDb {
  if ("$queryRawUnsafe" in transaction) {
    return {
      async executeSql(text, values = []) {
        // Prisma refuses undefined parameters; pg sends them as NULL, which pg-boss relies on.
        const rows = await transaction.$queryRawUnsafe<unknown[]>(
          text,
          ...values.map((value) => (value === undefined ? null : value)),
        );
        return { rows };
      },
    };
  }
  return { executeSql: (text, values) => transaction.query(text, values) };
}
