// An endpoint as the API shows it (never its secret): the routes' answers and the data of webhook.* events.
import type { Webhook } from "../../generated/prisma/client.js";
import type { WebhookDto } from "./webhook.schemas.js";

export function toWebhookDto(webhook: Webhook): WebhookDto {
  return {
    id: webhook.id,
    url: webhook.url,
    event_types: webhook.eventTypes,
    description: webhook.description,
    enabled: webhook.enabled,
    disabled_reason: webhook.disabledReason,
    created_at: webhook.createdAt.toISOString(),
    updated_at: webhook.updatedAt.toISOString(),
  };
}
