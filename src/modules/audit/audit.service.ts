// Reads of the audit trail. Writes happen where the changes happen (record() in
// the same transaction, or the assignment statements themselves).
import { NotFoundError } from "../../core/errors.js";
import { keysetPage, type Page } from "../../core/page.js";
import type { AuditEventRecord, AuditRepository } from "./audit.repository.js";
import type { AuditEventDto, ListAuditQuery } from "./audit.schemas.js";

export class AuditService {
  constructor(private readonly audit: AuditRepository) {}

  /** The appeal's history, oldest first: queued or assigned, drained, closed. */
  async appealEvents(appealId: number): Promise<AuditEventDto[]> {
    const events = await this.audit.listForAppeal(appealId);
    if (!events) throw new NotFoundError(`Appeal ${appealId} does not exist.`);
    return events.map(toAuditEventDto);
  }

  async list(query: ListAuditQuery): Promise<Page<AuditEventDto>> {
    const rows = await this.audit.list(
      {
        action: query.type ?? query.action,
        actor: query.actor,
        entityType: query.entity_type,
        entityId: query.entity_id,
        appealId: query.appeal_id,
        from: query.from === undefined ? undefined : new Date(query.from),
        to: query.to === undefined ? undefined : new Date(query.to),
      },
      { limit: query.limit + 1, beforeId: query.cursor },
    );
    return keysetPage(rows, query.limit, toAuditEventDto);
  }
}

function toAuditEventDto(event: AuditEventRecord): AuditEventDto {
  return {
    id: Number(event.id),
    occurred_at: event.occurredAt.toISOString(),
    actor: event.actor,
    type: event.action,
    action: event.action,
    entity_type: event.entityType,
    entity_id: event.entityId,
    appeal_id: event.appealId,
    data: asObject(event.data),
    details: asObject(event.details),
  };
}

function asObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
