// Statistics computed by PostgreSQL (GROUP BY), never by loading appeals into the process.
import type { PrismaClient } from "../../generated/prisma/client.js";

export type SourceTotals = {
  sourceId: number;
  sourceName: string;
  totalAppeals: number;
  pendingAppeals: number;
};
export type OperatorShare = {
  sourceId: number;
  operatorId: number;
  operatorName: string;
  weight: number;
  appealsCount: number;
  activeAppeals: number;
  share: number;
  weightShare: number;
};
export type SourceOperator = {
  id: number;
  name: string;
  weight: number;
  isActive: boolean;
  currentLoad: number;
  maxLoad: number;
};

export class StatsRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** Every source, with or without appeals. */
  sourceTotals(): Promise<SourceTotals[]> {
    return this.prisma.$queryRaw<SourceTotals[]>`
      SELECT s.id AS "sourceId", s.name AS "sourceName",
             COALESCE(t.total, 0)::int AS "totalAppeals", COALESCE(t.pending, 0)::int AS "pendingAppeals"
      FROM sources s
      LEFT JOIN (
        SELECT source_id, count(*) AS total, count(*) FILTER (WHERE status = 'pending') AS pending
        FROM appeals GROUP BY source_id
      ) t ON t.source_id = s.id
      ORDER BY s.id`;
  }

  /**
   * Per source and operator: the configured weight next to the appeals actually
   * assigned. Operators that got appeals of a source but no longer have a weight
   * for it are listed with weight 0.
   */
  operatorShares(): Promise<OperatorShare[]> {
    return this.prisma.$queryRaw<OperatorShare[]>`
      WITH assigned AS (
        SELECT source_id, operator_id, count(*) AS appeals_count,
               count(*) FILTER (WHERE status = 'active') AS active_appeals
        FROM appeals WHERE operator_id IS NOT NULL
        GROUP BY source_id, operator_id
      ),
      pairs AS (
        SELECT COALESCE(w.source_id, a.source_id) AS source_id, COALESCE(w.operator_id, a.operator_id) AS operator_id,
               COALESCE(w.weight, 0) AS weight, COALESCE(a.appeals_count, 0) AS appeals_count,
               COALESCE(a.active_appeals, 0) AS active_appeals
        FROM operator_weights w
        FULL JOIN assigned a ON a.source_id = w.source_id AND a.operator_id = w.operator_id
      )
      SELECT p.source_id AS "sourceId", p.operator_id AS "operatorId", o.name AS "operatorName",
             p.weight::int AS weight, p.appeals_count::int AS "appealsCount", p.active_appeals::int AS "activeAppeals",
             COALESCE(p.appeals_count::float8 / NULLIF(sum(p.appeals_count) OVER (PARTITION BY p.source_id), 0), 0) AS share,
             COALESCE(p.weight::float8 / NULLIF(sum(p.weight) OVER (PARTITION BY p.source_id), 0), 0) AS "weightShare"
      FROM pairs p JOIN operators o ON o.id = p.operator_id
      ORDER BY p.source_id, p.operator_id`;
  }

  /** The operators weighted for a source, with their load now. */
  sourceOperators(sourceId: number): Promise<SourceOperator[]> {
    return this.prisma.$queryRaw<SourceOperator[]>`
      SELECT o.id, o.name, w.weight, o.is_active AS "isActive", o.active_load AS "currentLoad", o.max_load AS "maxLoad"
      FROM operator_weights w JOIN operators o ON o.id = w.operator_id
      WHERE w.source_id = ${sourceId}
      ORDER BY o.id`;
  }

  async sourceExists(sourceId: number): Promise<boolean> {
    return (await this.prisma.source.count({ where: { id: sourceId } })) > 0;
  }
}
