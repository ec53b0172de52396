// The two counters that are kept beside the appeals instead of counted on every read,
// compared with the appeals themselves, and repaired when they disagree:
//
//   operators.active_load = count(appeals WHERE operator_id = id AND status = 'active'),
//     kept by the statements of distribution.repository.ts (see the invariants in distribution.sql.ts);
//   appeal_counts.n = count(appeals) per (source_id, COALESCE(operator_id, 0), status),
//     kept by the statement-level triggers of migration 20261122001000_appeal_counts
//     (a row whose n fell to 0 may remain; that is no drift).
//
// Every writer keeps both in the transaction that changes the appeals, so one snapshot
// never shows a disagreement a committed writer made on purpose: whatever one statement
// reads (findDrift) is real drift, left by manual SQL, a restore or a bug, never a race.
//
// A repair writes absolute values, so it must not race a writer: between its count and
// its write no one may move what it counted. How reconcile() makes sure:
//
// - active_load: every change of an operator's active appeals happens in one statement
//   that also updates that operator's row (its active_load), so it holds the row lock
//   from then until its commit. reconcile() locks the drifted operators' rows first
//   (FOR UPDATE, ordered by id like every multi-row lock here, so two reconciles never
//   wait for each other in opposite orders), which waits for the writers in flight, and
//   counts in a new statement, whose snapshot sees everything they committed. A writer
//   arriving meanwhile waits for the lock before its appeal changes (intake, drain), or
//   has changed the appeal but not yet the counter (close): either way neither change
//   is in the snapshot, and it applies its +1 or -1 to the repaired value after commit.
// - appeal_counts: the triggers add deltas to the counter rows, holding ROW EXCLUSIVE on
//   appeal_counts from the trigger to their commit. LOCK TABLE appeal_counts IN EXCLUSIVE
//   MODE waits for those transactions (so the recount sees their appeals and their
//   deltas) and makes every later trigger wait until the repair commits, after the
//   appeal rows it wrote, which the recount therefore does not see either: its delta
//   then lands on the repaired value. EXCLUSIVE still admits readers: GET
//   /stats/distribution keeps answering; appeal writes wait for the recount, briefly.
//
// Lock order: operator rows, then appeal_counts. A writer takes them in that order too
// (the operator's counter in its statement, the trigger at the statement's end), so the
// two never wait for each other in a circle. lock_timeout bounds the wait behind a
// long transaction: while reconcile waits for a lock, the writers queue behind it.
import { Prisma, type PrismaClient } from "../../generated/prisma/client.js";

type AppealStatus = "pending" | "active" | "closed";

/** An operator whose active_load is not its number of active appeals. */
export type ActiveLoadDrift = {
  operatorId: number;
  /** count(active appeals of the operator): what active_load should be. */
  expected: number;
  /** operators.active_load as stored. */
  actual: number;
};

/** A (source, operator, status) whose appeal_counts row is not count(*) of its appeals. */
export type AppealCountDrift = {
  sourceId: number;
  /** null: the appeals without an operator (stored as operator_id 0). */
  operatorId: number | null;
  status: AppealStatus;
  /** count(*) of those appeals; 0 for a row with no appeals behind it (an extra row). */
  expected: number;
  /** appeal_counts.n as stored; null when the row is missing. */
  actual: number | null;
};

export type LoadDrift = { activeLoad: ActiveLoadDrift[]; appealCounts: AppealCountDrift[] };

/** What findDrift() compares; everything by default. */
export type DriftScope = { appealCounts?: boolean };

export type LoadReconcileOptions = {
  /** How long reconcile() waits for a lock before it gives up (lock_timeout). */
  lockTimeoutMs?: number;
};

type ActiveLoadRow = { operator_id: number; expected: number; actual: number };
type AppealCountRow = {
  source_id: number;
  operator_id: number;
  status: AppealStatus;
  expected: bigint | number;
  actual: bigint | number | null;
};

/** The operators whose counter disagrees with their active appeals; `only` restricts it to those ids. */
function activeLoadDrift(only?: number[]) {
  const operators = only ? Prisma.sql`AND o.id = ANY(${only}::int[])` : Prisma.empty;
  const appeals = only ? Prisma.sql`AND operator_id = ANY(${only}::int[])` : Prisma.empty;
  return Prisma.sql`
    SELECT o.id AS operator_id, COALESCE(c.n, 0)::int AS expected, o.active_load AS actual
    FROM operators o
    LEFT JOIN (
      SELECT operator_id, count(*)::int AS n FROM appeals
      WHERE status = 'active' AND operator_id IS NOT NULL ${appeals}
      GROUP BY operator_id
    ) c ON c.operator_id = o.id
    WHERE o.active_load <> COALESCE(c.n, 0) ${operators}`;
}

/** Counter rows that are missing, extra (n <> 0 with no appeals) or wrong. */
const appealCountDrift = Prisma.sql`
  SELECT source_id, operator_id, status, COALESCE(counted.n, 0) AS expected, stored.n AS actual
  FROM (
    SELECT source_id, COALESCE(operator_id, 0) AS operator_id, status, count(*) AS n
    FROM appeals GROUP BY 1, 2, 3
  ) counted
  FULL JOIN appeal_counts stored USING (source_id, operator_id, status)
  WHERE COALESCE(stored.n, 0) <> COALESCE(counted.n, 0)`;

export class LoadReconcileRepository {
  private readonly lockTimeoutMs: number;

  constructor(
    private readonly prisma: PrismaClient,
    options: LoadReconcileOptions = {},
  ) {
    this.lockTimeoutMs = options.lockTimeoutMs ?? 2_000;
  }

  /**
   * Read-only, no locks: one statement, so one snapshot, in which any disagreement is drift.
   * The active_load half reads the active appeals only (an index range, milliseconds); the
   * appeal_counts half counts every appeal (~0.3 s of one core per million appeals), so
   * `appealCounts: false` leaves it out.
   */
  async findDrift({ appealCounts = true }: DriftScope = {}): Promise<LoadDrift> {
    const counts = appealCounts
      ? Prisma.sql`UNION ALL SELECT 'appeal_counts', to_jsonb(counts) FROM (${appealCountDrift}) counts`
      : Prisma.empty;
    const rows = await this.prisma.$queryRaw<{ kind: string; row: unknown }[]>`
      SELECT 'active_load' AS kind, to_jsonb(load) AS row FROM (${activeLoadDrift()}) load
      ${counts}`;
    return {
      activeLoad: rows
        .filter((r) => r.kind === "active_load")
        .map((r) => toActiveLoadDrift(r.row as ActiveLoadRow))
        .sort(byOperator),
      appealCounts: rows
        .filter((r) => r.kind === "appeal_counts")
        .map((r) => toAppealCountDrift(r.row as AppealCountRow))
        .sort(byKey),
    };
  }

  /**
   * Sets every drifted counter to what the appeals say, in one transaction, and returns
   * what it changed (found anew under the locks; see the top of this file). Takes no lock
   * at all when a first, lock-free look finds nothing. Records operator.load_reconciled
   * for each operator it corrects, with `actor`.
   */
  async reconcile(actor: string): Promise<LoadDrift> {
    const suspected = await this.findDrift();
    if (suspected.activeLoad.length === 0 && suspected.appealCounts.length === 0) return suspected;
    return this.prisma.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT set_config('lock_timeout', ${`${this.lockTimeoutMs}ms`}, true)`;
        const activeLoad = await this.repairActiveLoad(
          tx,
          suspected.activeLoad.map((d) => d.operatorId),
          actor,
        );
        const appealCounts = suspected.appealCounts.length > 0 ? await this.repairAppealCounts(tx) : [];
        return { activeLoad, appealCounts };
      },
      // Each statement must take a new snapshot, after the locks before it: READ COMMITTED.
      { isolationLevel: Prisma.TransactionIsolationLevel.ReadCommitted, maxWait: 5_000, timeout: 60_000 },
    );
  }

  private async repairActiveLoad(
    tx: Prisma.TransactionClient,
    operatorIds: number[],
    actor: string,
  ): Promise<ActiveLoadDrift[]> {
    if (operatorIds.length === 0) return [];
    const locked = await tx.$queryRaw<{ id: number }[]>`
      SELECT id FROM operators WHERE id = ANY(${operatorIds}::int[]) ORDER BY id FOR UPDATE`;
    // A new statement: its snapshot includes every writer that held these rows before us.
    const rows = await tx.$queryRaw<ActiveLoadRow[]>`
      WITH drift AS MATERIALIZED (${activeLoadDrift(locked.map((row) => row.id))}),
      fixed AS (
        UPDATE operators o SET active_load = drift.expected FROM drift WHERE o.id = drift.operator_id
      ),
      audit AS (
        INSERT INTO events (actor, type, entity_type, entity_id, operator_id, details)
        SELECT ${actor}::text, 'operator.load_reconciled', 'operator', operator_id, operator_id,
               jsonb_build_object('active_load', jsonb_build_object('before', actual, 'after', expected))
        FROM drift
      )
      SELECT operator_id, expected, actual FROM drift`;
    return rows.map(toActiveLoadDrift).sort(byOperator);
  }

  private async repairAppealCounts(tx: Prisma.TransactionClient): Promise<AppealCountDrift[]> {
    await tx.$executeRaw`LOCK TABLE appeal_counts IN EXCLUSIVE MODE`;
    // A new statement again: it sees every trigger's delta that committed before the lock.
    // Rows with no appeals behind them go; the others get the count.
    const rows = await tx.$queryRaw<AppealCountRow[]>`
      WITH drift AS MATERIALIZED (${appealCountDrift}),
      removed AS (
        DELETE FROM appeal_counts c USING drift
        WHERE drift.expected = 0
          AND (c.source_id, c.operator_id, c.status) = (drift.source_id, drift.operator_id, drift.status)
      ),
      counted AS (
        INSERT INTO appeal_counts AS c (source_id, operator_id, status, n)
        SELECT source_id, operator_id, status, expected FROM drift WHERE expected > 0
        ORDER BY 1, 2, 3
        ON CONFLICT (source_id, operator_id, status) DO UPDATE SET n = EXCLUDED.n
      )
      SELECT source_id, operator_id, status, expected, actual FROM drift`;
    return rows.map(toAppealCountDrift).sort(byKey);
  }
}

function toActiveLoadDrift(row: ActiveLoadRow): ActiveLoadDrift {
  return { operatorId: row.operator_id, expected: Number(row.expected), actual: Number(row.actual) };
}

function toAppealCountDrift(row: AppealCountRow): AppealCountDrift {
  return {
    sourceId: row.source_id,
    operatorId: row.operator_id === 0 ? null : row.operator_id,
    status: row.status,
    expected: Number(row.expected),
    actual: row.actual === null ? null : Number(row.actual),
  };
}

const byOperator = (a: ActiveLoadDrift, b: ActiveLoadDrift) => a.operatorId - b.operatorId;
const STATUS_ORDER: Record<AppealStatus, number> = { pending: 0, active: 1, closed: 2 };
const byKey = (a: AppealCountDrift, b: AppealCountDrift) =>
  a.sourceId - b.sourceId ||
  (a.operatorId ?? 0) - (b.operatorId ?? 0) ||
  STATUS_ORDER[a.status] - STATUS_ORDER[b.status];
