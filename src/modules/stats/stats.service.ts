import { NotFoundError } from "../../core/errors.js";
import { toPeriod } from "./period.js";
import type { StatsRepository } from "./stats.repository.js";
import type {
  OperatorStatsDto,
  PeriodQuery,
  SourceDistributionDto,
  SourceOperatorsDto,
} from "./stats.schemas.js";

export class StatsService {
  constructor(private readonly stats: StatsRepository) {}

  /** Within the period's appeals when `from` or `to` is given; else over every appeal. */
  async distribution(query: PeriodQuery = {}): Promise<SourceDistributionDto[]> {
    const bySource = new Map<number, SourceDistributionDto>();
    for (const row of await this.stats.distribution(toPeriod(query))) {
      let source = bySource.get(row.sourceId);
      if (!source) {
        source = {
          source_id: row.sourceId,
          source_name: row.sourceName,
          total_appeals: row.totalAppeals,
          pending_appeals: row.pendingAppeals,
          operators: [],
        };
        bySource.set(row.sourceId, source);
      }
      if (row.operatorId === null) continue;
      source.operators.push({
        operator_id: row.operatorId,
        operator_name: row.operatorName ?? "",
        weight: row.weight ?? 0,
        appeals_count: row.appealsCount ?? 0,
        active_appeals: row.activeAppeals ?? 0,
        share: row.share ?? 0,
        weight_share: row.weightShare ?? 0,
      });
    }
    return [...bySource.values()];
  }

  async operators(query: PeriodQuery = {}): Promise<OperatorStatsDto[]> {
    return (await this.stats.operators(toPeriod(query))).map((row) => ({
      operator_id: row.operatorId,
      operator_name: row.operatorName,
      assigned: row.assigned,
      closed: row.closed,
      active_now: row.activeNow,
      median_time_to_close_s: row.medianTimeToCloseS,
      median_first_response_s: row.medianFirstResponseS,
    }));
  }

  async sourceOperators(sourceId: number): Promise<SourceOperatorsDto> {
    const operators = await this.stats.sourceOperators(sourceId);
    if (operators.length === 0 && !(await this.stats.sourceExists(sourceId))) {
      throw new NotFoundError(`Source ${sourceId} does not exist.`);
    }
    return {
      source_id: sourceId,
      operators: operators.map((o) => ({
        id: o.id,
        name: o.name,
        weight: o.weight,
        is_active: o.isActive,
        current_load: o.currentLoad,
        max_load: o.maxLoad,
        is_available: o.isActive && o.currentLoad < o.maxLoad,
      })),
    };
  }
}
