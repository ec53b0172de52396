// Statistics computed by PostgreSQL, never by loading appeals into the process.
import { Prisma, type PrismaClient } from "../../generated/prisma/client.js";
import type { Period } from "./period.js";

/** One source and one of its operators; the operator fields are null for a source without operators. */
export type DistributionRow = {
  sourceId: number;
  sourceName: string;
  totalAppeals: number;
  pendingAppeals: number;
  operatorId: number | null;
  operatorName: string | null;
  weight: number | null;
  appealsCount: number | null;
  activeAppeals: number | null;
  share: number | null;
  weightShare: number | null;
};
export type SourceOperator = {
  id: number;
  name: string;
  weight: number;
  isActive: boolean;
  currentLoad: number;
  maxLoad: number;
};

export type OperatorStats = {
  operatorId: number;
  operatorName: string;
  assigned: number;
  closed: number;
  activeNow: number;
  medianTimeToCloseS: number | null;
  medianFirstResponseS: number | null;
};

const hasPeriod = (period: Period) => period.from !== undefined || period.to !== undefined;

/** created_at within [from, to); an open end is no bound (the index on created_at serves both). */
const withinPeriod = (period: Period, column: Prisma.Sql) => Prisma.sql`
  ${column} >= COALESCE(${period.from ?? null}::timestamptz, '-infinity')
  AND ${column} < COALESCE(${period.to ?? null}::timestamptz, 'infinity')`;

export class StatsRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * Every source (with or without appeals), and per source and operator the
   * configured weight next to the appeals actually assigned; operators that got
   * appeals of a source but no longer have a weight for it come with weight 0.
   * The counts come from appeal_counts, which the triggers on appeals keep equal
   * to count(*) per source, operator and status in the same transaction as every
   * write: the cost depends on the number of sources and operators, not appeals.
   * One statement: one snapshot, so a source's totals and its operators' counts
   * agree even while appeals arrive and close.
   * Rows come per source and operator; a source without operators has one row
   * whose operator fields are null.
   */
  distribution(period: Period = {}): Promise<DistributionRow[]> {
    // Within a period the counts come from the period's appeals (cost: the appeals in it).
    const counts = hasPeriod(period)
      ? Prisma.sql`
        SELECT source_id, operator_id, status, count(*) AS n FROM appeals
        WHERE ${withinPeriod(period, Prisma.sql`created_at`)}
        GROUP BY source_id, operator_id, status`
      : Prisma.sql`
        -- operator_id 0 stands for "no operator"; counters that fell to 0 are no appeals.
        SELECT source_id, NULLIF(operator_id, 0) AS operator_id, status, n
        FROM appeal_counts WHERE n <> 0`;
    return this.prisma.$queryRaw<DistributionRow[]>`
      WITH counts AS (${counts}),
      totals AS (
        SELECT s.id AS source_id, s.name AS source_name,
               COALESCE(sum(c.n), 0)::int AS total_appeals,
               COALESCE(sum(c.n) FILTER (WHERE c.status = 'pending'), 0)::int AS pending_appeals
        FROM sources s LEFT JOIN counts c ON c.source_id = s.id
        GROUP BY s.id
      ),
      assigned AS (
        SELECT source_id, operator_id, sum(n) AS appeals_count,
               COALESCE(sum(n) FILTER (WHERE status = 'active'), 0) AS active_appeals
        FROM counts WHERE operator_id IS NOT NULL
        GROUP BY source_id, operator_id
      ),
      pairs AS (
        SELECT COALESCE(w.source_id, a.source_id) AS source_id, COALESCE(w.operator_id, a.operator_id) AS operator_id,
               COALESCE(w.weight, 0) AS weight, COALESCE(a.appeals_count, 0) AS appeals_count,
               COALESCE(a.active_appeals, 0) AS active_appeals
        FROM operator_weights w
        FULL JOIN assigned a ON a.source_id = w.source_id AND a.operator_id = w.operator_id
      ),
      shares AS (
        SELECT p.source_id, p.operator_id, o.name AS operator_name, p.weight::int AS weight,
               p.appeals_count::int AS appeals_count, p.active_appeals::int AS active_appeals,
               COALESCE(p.appeals_count::float8 / NULLIF(sum(p.appeals_count) OVER (PARTITION BY p.source_id), 0), 0) AS share,
               COALESCE(p.weight::float8 / NULLIF(sum(p.weight) OVER (PARTITION BY p.source_id), 0), 0) AS weight_share
        FROM pairs p JOIN operators o ON o.id = p.operator_id
      )
      SELECT t.source_id AS "sourceId", t.source_name AS "sourceName", t.total_appeals AS "totalAppeals",
             t.pending_appeals AS "pendingAppeals", sh.operator_id AS "operatorId", sh.operator_name AS "operatorName",
             sh.weight, sh.appeals_count AS "appealsCount", sh.active_appeals AS "activeAppeals",
             sh.share, sh.weight_share AS "weightShare"
      FROM totals t LEFT JOIN shares sh ON sh.source_id = t.source_id
      ORDER BY t.source_id, sh.operator_id`;
  }

  /**
   * Per operator (archived ones too: history keeps them), over the appeals created in the
   * period: those it holds or held at close (assigned), closed, still active, and the median
   * time from its assignment to the close and to its first message on the appeal. One statement
   * over the period's appeals.
   */
  operators(period: Period = {}): Promise<OperatorStats[]> {
    return this.prisma.$queryRaw<OperatorStats[]>`
      WITH handled AS (
        SELECT operator_id, count(*)::int AS assigned,
               count(*) FILTER (WHERE status = 'closed')::int AS closed,
               count(*) FILTER (WHERE status = 'active')::int AS active_now,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM closed_at - assigned_at)::float8)
                 FILTER (WHERE status = 'closed' AND assigned_at IS NOT NULL) AS median_close,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_response - assigned_at)::float8)
                 FILTER (WHERE first_response IS NOT NULL) AS median_first_response
        FROM appeals a
        -- The operator's first message on the appeal since it was assigned to it (the partial
        -- index of operator messages, one probe per appeal).
        LEFT JOIN LATERAL (
          SELECT min(m.created_at) AS first_response FROM messages m
          WHERE m.appeal_id = a.id AND m.sender = 'operator' AND m.operator_id = a.operator_id
            AND m.created_at >= a.assigned_at
        ) fr ON true
        WHERE operator_id IS NOT NULL AND ${withinPeriod(period, Prisma.sql`created_at`)}
        GROUP BY operator_id
      )
      SELECT o.id AS "operatorId", o.name AS "operatorName", COALESCE(h.assigned, 0) AS assigned,
             COALESCE(h.closed, 0) AS closed, COALESCE(h.active_now, 0) AS "activeNow",
             h.median_close::float8 AS "medianTimeToCloseS",
             h.median_first_response::float8 AS "medianFirstResponseS"
      FROM operators o LEFT JOIN handled h ON h.operator_id = o.id
      ORDER BY o.id`;
  }

  /** The operators weighted for a source, with their load now. */
  sourceOperators(sourceId: number): Promise<SourceOperator[]> {
    return this.prisma.$queryRaw<SourceOperator[]>`
      SELECT o.id, o.name, w.weight, o.is_active AS "isActive", o.active_load AS "currentLoad", o.max_load AS "maxLoad"
      FROM operator_weights w JOIN operators o ON o.id = w.operator_id
      WHERE w.source_id = ${sourceId} AND o.archived_at IS NULL
      ORDER BY o.id`;
  }

  async sourceExists(sourceId: number): Promise<boolean> {
    return (await this.prisma.source.count({ where: { id: sourceId } })) > 0;
  }
}
