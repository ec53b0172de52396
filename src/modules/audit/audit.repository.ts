// The audit trail's storage. Writers call record() with their own transaction
// client, so an event commits or rolls back with the change it records. The
// assignment events are not written here: they are one more CTE of each
// assignment statement in distribution.repository.ts (one statement each).
import type { Event, Prisma, PrismaClient } from "../../generated/prisma/client.js";
import type { AuditAction, AuditEntityType } from "./audit.schemas.js";

export type AuditEventInput = {
  /** The label of the API key that made the change (actorOf(request)). */
  actor: string;
  action: AuditAction;
  entityType: AuditEntityType;
  entityId: number;
  appealId?: number | null;
  /** The operator the event concerns (an operator key's stream shows it). */
  operatorId?: number | null;
  /** The resource as the API shows it after the change: the route's answer. */
  data: Prisma.InputJsonObject;
  details?: Prisma.InputJsonObject;
};

export type AuditEventRecord = {
  id: bigint;
  occurredAt: Date;
  actor: string;
  action: string;
  entityType: string;
  entityId: number;
  appealId: number | null;
  data: Prisma.JsonValue;
  details: Prisma.JsonValue;
};

export type AuditFilter = {
  action?: AuditAction | undefined;
  actor?: string | undefined;
  entityType?: AuditEntityType | undefined;
  entityId?: number | undefined;
  appealId?: number | undefined;
  /** Inclusive. */
  from?: Date | undefined;
  /** Exclusive. */
  to?: Date | undefined;
};

export class AuditRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * Records one event through the caller's transaction client (`prisma.$transaction(async (tx) => ...)`):
   * it is stored if and only if the change it describes commits.
   */
  async record(tx: Prisma.TransactionClient, event: AuditEventInput): Promise<void> {
    await tx.event.create({
      data: {
        actor: event.actor,
        type: event.action,
        entityType: event.entityType,
        entityId: event.entityId,
        appealId: event.appealId ?? null,
        operatorId: event.operatorId ?? null,
        data: event.data,
        details: event.details ?? {},
      },
      select: { id: true },
    });
  }

  /**
   * The appeal's events, oldest first; null when the appeal does not exist. Every
   * appeal stored since the trail exists has at least one event, so the existence
   * check only runs for older appeals and unknown ids.
   */
  async listForAppeal(appealId: number): Promise<AuditEventRecord[] | null> {
    const events = (await this.prisma.event.findMany({ where: { appealId }, orderBy: { id: "asc" } })).map(
      toRecord,
    );
    if (events.length > 0) return events;
    const appeal = await this.prisma.appeal.findUnique({ where: { id: appealId }, select: { id: true } });
    return appeal ? [] : null;
  }

  /** Newest first (in the order recorded), keyset-paginated: `beforeId` is the last id of the previous page. */
  async list(
    filter: AuditFilter,
    page: { limit: number; beforeId?: number | undefined },
  ): Promise<AuditEventRecord[]> {
    const events = await this.prisma.event.findMany({
      where: {
        type: filter.action,
        actor: filter.actor,
        entityType: filter.entityType,
        entityId: filter.entityId,
        // An appeal event's entity_id is its appeal_id: the appeal index finds it (the entity
        // index leaves appeals out, migration 20261201180000_event_indexes).
        appealId: filter.appealId ?? (filter.entityType === "appeal" ? filter.entityId : undefined),
        ...((filter.from !== undefined || filter.to !== undefined) && {
          occurredAt: { gte: filter.from, lt: filter.to },
        }),
        ...(page.beforeId !== undefined && { id: { lt: BigInt(page.beforeId) } }),
      },
      orderBy: { id: "desc" },
      take: page.limit,
    });
    return events.map(toRecord);
  }
}

function toRecord(event: Event): AuditEventRecord {
  return {
    id: event.id,
    occurredAt: event.occurredAt,
    actor: event.actor,
    action: event.type,
    entityType: event.entityType,
    entityId: event.entityId,
    appealId: event.appealId,
    data: event.data,
    details: event.details,
  };
}
