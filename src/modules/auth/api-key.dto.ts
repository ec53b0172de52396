// An API key as GET /api-keys shows it (never the key or its hash): the routes' answers
// and the data of api_key.* events.
import type { Role } from "./principal.js";

export type ApiKeyFields = {
  id: number;
  role: Role;
  label: string;
  operatorId: number | null;
  sourceIds: number[] | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
};

export function toApiKeyDto(key: ApiKeyFields) {
  return {
    id: key.id,
    role: key.role,
    label: key.label,
    operator_id: key.operatorId,
    source_ids: key.sourceIds,
    created_at: key.createdAt.toISOString(),
    last_used_at: key.lastUsedAt?.toISOString() ?? null,
    revoked_at: key.revokedAt?.toISOString() ?? null,
  };
}
