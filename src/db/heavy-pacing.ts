// Heavy reads yield to the intake. The heavy reads' pool (the bulkhead, prisma.ts) bounds how
// many connections searches, segment pages and exports hold, but not how much of the machine
// they take: two busy heavy backends took half of a two-core server, and the intake beside
// them kept 52% of its throughput (docs/PERFORMANCE.md). So while the requests' pool is busy
// (it was full, every connection in use or requests waiting, within the last second: the bots
// are posting at full speed),
// heavy statements run one at a time, each followed by a rest that keeps them to `busyShare`
// of the time: a statement that ran t ms is followed by t·(1 − share)/share ms of nothing.
// When the requests' pool has room, they run as the pool allows, unpaced. A statement that
// cannot start within `maxWaitMs` is refused (503, retry later) rather than queued without end.
import type pg from "pg";
import { UnavailableError } from "../core/errors.js";
import type { SqlClient } from "./sql.js";
import type { BatchedStatement, RowCursor, SqlCursors } from "./sql-cursor.js";

export type HeavyPacingOptions = {
  /** Whether the intake is busy now: the requests' pool is full or has waiters. */
  busy: () => boolean;
  /** The share of the time heavy statements may run while busy, 0 < share <= 1 (1: no pacing). */
  busyShare: number;
  /** How long a statement may wait for its turn; past it, a 503. */
  maxWaitMs: number;
  now?: () => number;
  /** Rests and rechecks (polled): a fake one in tests. */
  sleep?: (ms: number) => Promise<void>;
  /** The deadline of a statement waiting behind a running one: a fake one in tests. */
  timer?: (ms: number) => Promise<void>;
};

export type HeavyPacing = {
  /**
   * Runs one heavy statement when its turn comes. `refusable: false`: never refused (it waits its
   * turn however long), for the batches of an export whose answer has begun.
   */
  run<T>(statement: () => Promise<T>, options?: { refusable?: boolean }): Promise<T>;
};

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Unref'd: a deadline that lost its race must not hold the process. */
const defaultTimer = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** How often a waiting statement looks again at whether the intake is still busy. */
const RECHECK_MS = 20;

export function createHeavyPacing(options: HeavyPacingOptions): HeavyPacing {
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? defaultSleep;
  const timer = options.timer ?? defaultTimer;
  if (!(options.busyShare > 0 && options.busyShare <= 1)) {
    throw new Error(`busyShare must be in (0, 1], not ${options.busyShare}`);
  }
  if (options.busyShare === 1) return { run: (statement) => statement() };
  const restFactor = (1 - options.busyShare) / options.busyShare;
  // The paced lane: one statement at a time, and no start before `restUntil`.
  let lane: Promise<void> = Promise.resolve();
  let restUntil = 0;

  const busyError = () => new UnavailableError("The service is busy with the bots' intake; retry shortly.");

  /**
   * Runs `statement` in the lane. With a `deadline`, a statement not started by then is refused;
   * without one (an open export's next batch: refusing it would cut a file already begun) it
   * waits its turn. A refused statement hands its place on once the one before it is done, so
   * the lane stays one at a time. A statement that fails leaves no rest behind: it did no work
   * to make up for (a connection that never came).
   */
  async function paced<T>(statement: () => Promise<T>, deadline: number | null): Promise<T> {
    const previous = lane;
    let release = () => {};
    lane = new Promise<void>((resolve) => {
      release = resolve;
    });
    if (deadline !== null && !(await settlesBefore(previous, deadline))) {
      void previous.then(release);
      throw busyError();
    }
    try {
      await previous;
      // Rest after the previous statement, for as long as the intake stays busy.
      while (now() < restUntil && options.busy()) {
        if (deadline !== null && now() > deadline) throw busyError();
        await sleep(Math.min(RECHECK_MS, restUntil - now()));
      }
      if (deadline !== null && now() > deadline) throw busyError();
      const started = now();
      const result = await statement();
      const ended = now();
      restUntil = ended + (ended - started) * restFactor;
      return result;
    } finally {
      release();
    }
  }

  /** Whether `previous` settles before `deadline`. */
  function settlesBefore(previous: Promise<void>, deadline: number): Promise<boolean> {
    return Promise.race([previous.then(() => true), timer(Math.max(0, deadline - now())).then(() => false)]);
  }

  return {
    run(statement, { refusable = true } = {}) {
      if (!options.busy()) return statement();
      return paced(statement, refusable ? now() + options.maxWaitMs : null);
    },
  };
}

/** The heavy reads' statements, each paced. */
export function pacedSqlClient(client: SqlClient, pacing: HeavyPacing): SqlClient {
  return { rows: (name, statement) => pacing.run(() => client.rows(name, statement)) };
}

/**
 * An export's cursor: opening it and each batch it reads are paced, one statement each. Opening
 * may be refused (a 503 before any byte); a batch never is (the file has begun), and once a short
 * batch said the rows are all read, the next call (no statement) is not paced at all.
 */
export function pacedSqlCursors(cursors: SqlCursors, pacing: HeavyPacing): SqlCursors {
  return async <Row extends { id: number }>(statement: BatchedStatement, batchSize: number) => {
    const cursor: RowCursor<Row> = await pacing.run(() => cursors<Row>(statement, batchSize));
    let ended = false;
    return {
      async next() {
        if (ended) return cursor.next();
        const rows = await pacing.run(() => cursor.next(), { refusable: false });
        if (rows.length < batchSize) ended = true;
        return rows;
      },
      close: () => cursor.close(),
    };
  };
}

/** How long the intake counts as busy after its pool was last seen full. */
const BUSY_MEMORY_MS = 1_000;
/** How often the pool is looked at. */
const BUSY_SAMPLE_MS = 20;

export type BusySignal = { busy: () => boolean; stop: () => void };

/**
 * Whether the requests' pool was full (every connection in use, or requests waiting for one) at
 * any sample of the last second. A look at the moment a heavy statement asks would miss most of
 * it: at full intake the pool empties and fills many times a second, and a search that came at
 * an idle instant went unpaced.
 */
export function poolBusySignal(
  pool: pg.Pool,
  size: number,
  now: () => number = () => performance.now(),
): BusySignal {
  let lastFull = Number.NEGATIVE_INFINITY;
  const look = () => {
    if (pool.waitingCount > 0 || (pool.totalCount >= size && pool.idleCount === 0)) lastFull = now();
  };
  const timer = setInterval(look, BUSY_SAMPLE_MS);
  timer.unref();
  return {
    busy: () => {
      look();
      return now() - lastFull < BUSY_MEMORY_MS;
    },
    stop: () => clearInterval(timer),
  };
}
