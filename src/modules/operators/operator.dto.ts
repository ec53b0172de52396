// The Operator as the API shows it: the routes' answers and the data of its events.
import type { Operator } from "../../generated/prisma/client.js";
import type { OperatorDto } from "./operator.schemas.js";

export function toOperatorDto(operator: Operator): OperatorDto {
  return {
    id: operator.id,
    name: operator.name,
    is_active: operator.isActive,
    max_load: operator.maxLoad,
    current_load: operator.activeLoad,
    created_at: operator.createdAt.toISOString(),
    updated_at: operator.updatedAt.toISOString(),
    archived_at: operator.archivedAt?.toISOString() ?? null,
  };
}
