// The endpoints and their delivery log, as the admin routes change and read them. Every
// change records its webhook.* event in the same transaction; the secret is never in one.
import type { Prisma, PrismaClient, Webhook, WebhookDelivery } from "../../generated/prisma/client.js";
import type { AuditRepository } from "../audit/audit.repository.js";
import { toWebhookDto } from "./webhook.dto.js";

export type WebhookRecord = Webhook;
export type WebhookDeliveryRecord = WebhookDelivery;

export type WebhookSettings = { url: string; eventTypes: string[]; description: string | null };
export type WebhookChanges = Partial<WebhookSettings> & { enabled?: boolean; secret?: string };

/** The API's names of the settings, as the audit trail records them. */
const FIELD = {
  url: "url",
  eventTypes: "event_types",
  description: "description",
  enabled: "enabled",
} as const;

export class WebhookRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly audit: AuditRepository,
  ) {}

  /**
   * Creates the endpoint and records webhook.created. Its cursor is the newest event id
   * the transaction sees, its own webhook.created included: it gets the events recorded
   * after its creation. (An event of a transaction still running then, with a lower id,
   * is before its creation too and not delivered.)
   */
  create(settings: WebhookSettings, secret: string, actor: string): Promise<WebhookRecord> {
    return this.prisma.$transaction(async (tx) => {
      const created = await tx.webhook.create({ data: { ...settings, secret } });
      await this.audit.record(tx, {
        actor,
        action: "webhook.created",
        entityType: "webhook",
        entityId: created.id,
        data: toWebhookDto(created),
        details: { url: created.url, event_types: created.eventTypes, description: created.description },
      });
      return this.startFromNewestEvent(tx, created.id);
    });
  }

  list(): Promise<WebhookRecord[]> {
    return this.prisma.webhook.findMany({ orderBy: { id: "asc" } });
  }

  findById(id: number): Promise<WebhookRecord | null> {
    return this.prisma.webhook.findUnique({ where: { id } });
  }

  /**
   * Applies the changes and records webhook.updated with the fields sent, before and after
   * (a rotation as secret_rotated, never the secret). Enabling a disabled endpoint starts it
   * from the newest event, like a new one: the events of while it was off are not replayed.
   * Null when no endpoint has this id.
   */
  update(id: number, changes: WebhookChanges, actor: string): Promise<WebhookRecord | null> {
    return this.prisma.$transaction(async (tx) => {
      const [before] = await tx.$queryRaw<(WebhookSettings & { enabled: boolean })[]>`
        SELECT url, event_types AS "eventTypes", description, enabled
        FROM webhooks WHERE id = ${id} FOR NO KEY UPDATE`;
      if (!before) return null;
      const enabling = changes.enabled === true && !before.enabled;
      const after = await tx.webhook.update({
        where: { id },
        data: {
          ...changes,
          ...(changes.enabled !== undefined && { disabledReason: null }),
          ...(enabling && { attempt: 0, nextAttemptAt: null }),
        },
      });
      const sent = (Object.keys(FIELD) as (keyof typeof FIELD)[]).filter((key) => changes[key] !== undefined);
      await this.audit.record(tx, {
        actor,
        action: "webhook.updated",
        entityType: "webhook",
        entityId: id,
        data: toWebhookDto(after),
        details: {
          before: Object.fromEntries(sent.map((key) => [FIELD[key], before[key]])),
          after: Object.fromEntries(sent.map((key) => [FIELD[key], after[key]])),
          ...(changes.secret !== undefined && { secret_rotated: true }),
        },
      });
      return enabling ? this.startFromNewestEvent(tx, id) : after;
    });
  }

  /** Deletes the endpoint and its delivery log and records webhook.deleted; false when none has this id. */
  delete(id: number, actor: string): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const [gone] = await tx.webhook.findMany({ where: { id } });
      const deleted = await tx.webhook.deleteMany({ where: { id } });
      if (deleted.count === 0 || !gone) return false;
      await this.audit.record(tx, {
        actor,
        action: "webhook.deleted",
        entityType: "webhook",
        entityId: id,
        data: toWebhookDto(gone),
      });
      return true;
    });
  }

  /** Newest first, keyset-paginated: `beforeId` is the last id of the previous page. */
  deliveries(webhookId: number, page: { limit: number; beforeId?: number | undefined }) {
    return this.prisma.webhookDelivery.findMany({
      where: { webhookId, ...(page.beforeId !== undefined && { id: { lt: page.beforeId } }) },
      orderBy: { id: "desc" },
      take: page.limit,
    });
  }

  findDelivery(webhookId: number, deliveryId: number): Promise<WebhookDeliveryRecord | null> {
    return this.prisma.webhookDelivery.findFirst({ where: { id: deliveryId, webhookId } });
  }

  /**
   * Queues one more attempt of an event (or a test event: eventId null) for the dispatcher,
   * due at `now`; numbered after the event's attempts so far. Null when the endpoint is gone.
   */
  async enqueue(
    webhookId: number,
    event: { eventId: bigint | null; eventType: string },
    now: Date,
  ): Promise<WebhookDeliveryRecord | null> {
    return this.prisma.$transaction(async (tx) => {
      const [endpoint] = await tx.$queryRaw<{ id: number }[]>`
        SELECT id FROM webhooks WHERE id = ${webhookId} FOR KEY SHARE`;
      if (!endpoint) return null;
      const previous =
        event.eventId === null
          ? 0
          : ((
              await tx.webhookDelivery.aggregate({
                where: { webhookId, eventId: event.eventId },
                _max: { attempt: true },
              })
            )._max.attempt ?? 0);
      return tx.webhookDelivery.create({
        data: { webhookId, ...event, attempt: previous + 1, status: "pending", nextAttemptAt: now },
      });
    });
  }

  private async startFromNewestEvent(tx: Prisma.TransactionClient, id: number): Promise<WebhookRecord> {
    await tx.$executeRaw`UPDATE webhooks SET cursor = COALESCE((SELECT max(id) FROM events), 0) WHERE id = ${id}`;
    return tx.webhook.findUniqueOrThrow({ where: { id } });
  }
}
