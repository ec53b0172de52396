import { NotFoundError } from "../../http/errors.js";
import type { StatsRepository } from "./stats.repository.js";
import type { SourceDistributionDto, SourceOperatorsDto } from "./stats.schemas.js";

export class StatsService {
  constructor(private readonly stats: StatsRepository) {}

  async distribution(): Promise<SourceDistributionDto[]> {
    const [totals, shares] = await Promise.all([this.stats.sourceTotals(), this.stats.operatorShares()]);
    return totals.map((source) => ({
      source_id: source.sourceId,
      source_name: source.sourceName,
      total_appeals: source.totalAppeals,
      pending_appeals: source.pendingAppeals,
      operators: shares
        .filter((row) => row.sourceId === source.sourceId)
        .map((row) => ({
          operator_id: row.operatorId,
          operator_name: row.operatorName,
          weight: row.weight,
          appeals_count: row.appealsCount,
          active_appeals: row.activeAppeals,
          share: row.share,
          weight_share: row.weightShare,
        })),
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
