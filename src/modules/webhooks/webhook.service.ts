// The admin side of webhooks: register (the secret shown once), change, delete, read the
// delivery log, queue a manual retry or a test event for the dispatcher.
import { randomBytes } from "node:crypto";
import { NotFoundError, ValidationError } from "../../core/errors.js";
import { keysetPage, type Page } from "../../core/page.js";
import { toWebhookDto } from "./webhook.dto.js";
import type { WebhookDeliveryRecord, WebhookRecord, WebhookRepository } from "./webhook.repository.js";
import type {
  CreateWebhookInput,
  ListDeliveriesQuery,
  UpdatedWebhookDto,
  UpdateWebhookInput,
  WebhookDeliveryDto,
  WebhookDto,
  WebhookWithSecretDto,
} from "./webhook.schemas.js";
import { ALL_EVENTS, TEST_EVENT_TYPE } from "./webhook-events.js";
import { checkWebhookUrl, type Resolver, UnsafeUrlError } from "./webhook-url-guard.js";

export type WebhookServiceOptions = {
  allowPrivateUrls: boolean;
  resolve?: Resolver;
  /** Tells the dispatcher that a queued attempt is due (it would find it at its next tick anyway). */
  wake?: () => void;
  now?: () => Date;
};

export class WebhookService {
  constructor(
    private readonly webhooks: WebhookRepository,
    private readonly options: WebhookServiceOptions,
  ) {}

  async create(input: CreateWebhookInput, actor: string): Promise<WebhookWithSecretDto> {
    await this.checkUrl(input.url);
    const secret = newSecret();
    const created = await this.webhooks.create(
      {
        url: input.url,
        eventTypes: normalizeTypes(input.event_types),
        description: input.description ?? null,
      },
      secret,
      actor,
    );
    this.options.wake?.(); // a process without a running dispatcher starts one
    return { ...toWebhookDto(created), secret };
  }

  async list(): Promise<WebhookDto[]> {
    return (await this.webhooks.list()).map(toWebhookDto);
  }

  async get(id: number): Promise<WebhookDto> {
    return toWebhookDto(await this.require(id));
  }

  async update(id: number, input: UpdateWebhookInput, actor: string): Promise<UpdatedWebhookDto> {
    if (input.url !== undefined) await this.checkUrl(input.url);
    const secret = input.rotate_secret ? newSecret() : undefined;
    const updated = await this.webhooks.update(
      id,
      {
        ...(input.url !== undefined && { url: input.url }),
        ...(input.event_types !== undefined && { eventTypes: normalizeTypes(input.event_types) }),
        ...(input.description !== undefined && { description: input.description }),
        ...(input.enabled !== undefined && { enabled: input.enabled }),
        ...(secret !== undefined && { secret }),
      },
      actor,
    );
    if (!updated) throw webhookNotFound(id);
    if (input.enabled) this.options.wake?.();
    return { ...toWebhookDto(updated), ...(secret !== undefined && { secret }) };
  }

  async delete(id: number, actor: string): Promise<void> {
    if (!(await this.webhooks.delete(id, actor))) throw webhookNotFound(id);
  }

  async deliveries(id: number, query: ListDeliveriesQuery): Promise<Page<WebhookDeliveryDto>> {
    await this.require(id);
    const rows = await this.webhooks.deliveries(id, { limit: query.limit + 1, beforeId: query.cursor });
    return keysetPage(rows, query.limit, toDeliveryDto);
  }

  /** Queues that delivery's event (or test) again, due now, outside the cursor order. */
  async retry(id: number, deliveryId: number): Promise<WebhookDeliveryDto> {
    const delivery = await this.webhooks.findDelivery(id, deliveryId);
    if (!delivery) {
      await this.require(id);
      throw new NotFoundError(`Webhook ${id} has no delivery ${deliveryId}.`);
    }
    return this.enqueue(id, { eventId: delivery.eventId, eventType: delivery.eventType });
  }

  async test(id: number): Promise<WebhookDeliveryDto> {
    return this.enqueue(id, { eventId: null, eventType: TEST_EVENT_TYPE });
  }

  private async enqueue(id: number, event: { eventId: bigint | null; eventType: string }) {
    const queued = await this.webhooks.enqueue(id, event, this.options.now?.() ?? new Date());
    if (!queued) throw webhookNotFound(id);
    this.options.wake?.();
    return toDeliveryDto(queued);
  }

  private async require(id: number): Promise<WebhookRecord> {
    const webhook = await this.webhooks.findById(id);
    if (!webhook) throw webhookNotFound(id);
    return webhook;
  }

  private async checkUrl(url: string): Promise<void> {
    try {
      await checkWebhookUrl(url, this.options.allowPrivateUrls, this.options.resolve);
    } catch (error) {
      if (!(error instanceof UnsafeUrlError)) throw error;
      throw new ValidationError(`Invalid body: url: ${error.message}`, [
        { path: "url", message: error.message },
      ]);
    }
  }
}

/** whsec_ + base64 of 24 random bytes (192 bits), the Standard Webhooks form. */
function newSecret(): string {
  return `whsec_${randomBytes(24).toString("base64")}`;
}

/** Each type once; "*" alone when it is among them. */
function normalizeTypes(types: string[]): string[] {
  return types.includes(ALL_EVENTS) ? [ALL_EVENTS] : [...new Set(types)];
}

function webhookNotFound(id: number): NotFoundError {
  return new NotFoundError(`Webhook ${id} does not exist.`);
}

function toDeliveryDto(delivery: WebhookDeliveryRecord): WebhookDeliveryDto {
  return {
    id: delivery.id,
    event_id: delivery.eventId === null ? null : Number(delivery.eventId),
    event_type: delivery.eventType,
    attempt: delivery.attempt,
    status: delivery.status,
    response_status: delivery.responseStatus,
    duration_ms: delivery.durationMs,
    error: delivery.error,
    next_attempt_at: delivery.nextAttemptAt?.toISOString() ?? null,
    created_at: delivery.createdAt.toISOString(),
  };
}
