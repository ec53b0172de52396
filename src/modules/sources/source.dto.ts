// Sources and weights as the API shows them: the routes' answers and the data of their events.
import type { Source } from "../../generated/prisma/client.js";
import type { SourceDto, WeightDto } from "./source.schemas.js";

export type WeightRecord = { operatorId: number; operatorName: string; weight: number };

export function toSourceDto(source: Source): SourceDto {
  return {
    id: source.id,
    name: source.name,
    description: source.description,
    strategy: source.strategy,
    bot_script_id: source.botScriptId,
    created_at: source.createdAt.toISOString(),
    updated_at: source.updatedAt.toISOString(),
    archived_at: source.archivedAt?.toISOString() ?? null,
  };
}

export function toWeightDto(weight: WeightRecord): WeightDto {
  return { operator_id: weight.operatorId, operator_name: weight.operatorName, weight: weight.weight };
}
