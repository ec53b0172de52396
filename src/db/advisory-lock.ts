// Work that one instance at a time should do (the sweep; background jobs get this from
// pg-boss's queue policies instead) runs under a PostgreSQL advisory lock held by a connection of its own: the others
// skip instead of waiting, and a process that dies releases the lock with its session.
import type pg from "pg";

/**
 * Every advisory lock key the service takes, in one place so none collide (the migrator
 * uses Prisma's, 72707369; pg-boss hashes its schema's name into its own). 7_201_002 was
 * the idempotency-key purge's, now a job: do not reuse it while older instances may run.
 * These are single (bigint) keys; the two-key (int, int) form is a key space of its own.
 */
export const ADVISORY_LOCKS = {
  distributionSweep: 7_201_001,
} as const;

/**
 * First keys of the two-key form, whose second key is a hash (PostgreSQL's hashtext) of what the
 * lock is about. A hash collision only makes two unrelated requests wait for each other.
 */
export const ADVISORY_LOCK_SPACES = {
  /** One (source, lead external id)'s sticky conversation (messages/sticky.repository.ts). */
  stickyConversation: 7_201_003,
} as const;

export type TryLock = <T>(
  key: number,
  work: () => Promise<T>,
) => Promise<{ acquired: false } | { acquired: true; value: T }>;

/**
 * Runs `work` while holding the session-level advisory lock `key` on a pooled
 * connection, or does nothing when another session holds it. On the embedded
 * database every connection shares one session (the lock always succeeds), but one
 * process owns that database, and each task keeps its own runs from overlapping.
 */
export function advisoryLocks(pool: pg.Pool): TryLock {
  return async (key, work) => {
    const client = await pool.connect();
    let broken: Error | undefined;
    // A connection that breaks while checked out emits 'error'; without a listener it would crash the process.
    const onError = (error: Error) => {
      broken = error;
    };
    client.on("error", onError);
    try {
      const { rows } = await client
        .query<{ acquired: boolean }>("SELECT pg_try_advisory_lock($1) AS acquired", [key])
        .catch((error: Error) => {
          broken ??= error;
          throw error;
        });
      if (!rows[0]?.acquired) return { acquired: false };
      try {
        // The work runs on other pooled connections; this one only holds the lock.
        return { acquired: true, value: await work() };
      } finally {
        // A session that could not unlock must not go back to the pool holding the lock.
        await client.query("SELECT pg_advisory_unlock($1)", [key]).catch((error: Error) => {
          broken ??= error;
        });
      }
    } finally {
      client.removeListener("error", onError);
      client.release(broken);
    }
  };
}
