// The webhooks contract: endpoints, their deliveries, the event types one can subscribe to.

import { z } from "zod";
import {
  idSchema,
  integerString,
  paginationQuery,
  timestampSchema,
  withoutNul,
} from "../../http/common.schemas.js";
import { AUDIT_ACTIONS } from "../audit/audit.schemas.js";
import { ALL_EVENTS } from "./webhook-events.js";

/** The types of API.md's "Events" section; with the audited admin changes, what an endpoint may subscribe to. */
const DOCUMENTED_EVENT_TYPES = [
  "appeal.created",
  "appeal.assigned",
  "appeal.closed",
  "appeal.reopened",
  "message.created",
  "task.created",
  "task.updated",
  "lead.created",
  "lead.updated",
  "lead.erased",
  "booking.created",
  "booking.updated",
  "booking.cancelled",
  "booking.reminder",
] as const;

export const WEBHOOK_EVENT_TYPES = [...new Set<string>([...DOCUMENTED_EVENT_TYPES, ...AUDIT_ACTIONS])] as [
  string,
  ...string[],
];

const url = withoutNul(z.string().min(1).max(2000)).describe(
  "http:// or https://, without credentials; a host resolving to a loopback, private or link-local " +
    "address is refused unless WEBHOOK_ALLOW_PRIVATE_URLS=true",
);
const eventTypes = z
  .array(z.enum([ALL_EVENTS, ...WEBHOOK_EVENT_TYPES]))
  .min(1)
  .max(100)
  .describe('The event types delivered; ["*"] for every type');
const description = withoutNul(z.string().max(500)).describe(
  "What the endpoint is for, up to 500 characters",
);

export const webhookSchema = z
  .object({
    id: idSchema,
    url: z.string(),
    event_types: z.array(z.string()),
    description: z.string().nullable(),
    enabled: z
      .boolean()
      .describe("Disabled endpoints get nothing; events of meanwhile are not delivered later"),
    disabled_reason: z
      .string()
      .nullable()
      .describe("Why the service disabled it (the receiver answered 410 Gone); null otherwise"),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: "Webhook" });

const secret = z
  .string()
  .describe("whsec_ + base64 of 24 random bytes: the signing secret, shown only in this answer")
  .meta({ examples: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] });

export const webhookWithSecretSchema = webhookSchema.extend({ secret }).meta({ id: "WebhookWithSecret" });

export const updatedWebhookSchema = webhookSchema
  .extend({
    secret: secret.optional().describe("The new secret, present (once) when rotate_secret was sent"),
  })
  .meta({ id: "UpdatedWebhook" });

export const createWebhookBodySchema = z
  .strictObject({ url, event_types: eventTypes, description: description.optional() })
  .meta({ id: "CreateWebhook" });

export const updateWebhookBodySchema = z
  .strictObject({
    url: url.optional(),
    event_types: eventTypes.optional(),
    description: description.nullable().optional(),
    enabled: z.boolean().optional().describe("Re-enabling continues with the events after the re-enabling"),
    rotate_secret: z
      .literal(true)
      .optional()
      .describe("Replace the secret; the answer shows the new one once"),
  })
  .refine((body) => Object.keys(body).length > 0, {
    message: "send at least one of url, event_types, description, enabled, rotate_secret",
    when: (payload) => payload.issues.length === 0,
  })
  .meta({ id: "UpdateWebhook" });

export const webhookDeliverySchema = z
  .object({
    id: idSchema,
    event_id: idSchema
      .nullable()
      .describe("The event delivered (its webhook-id); null for a webhook.test event"),
    event_type: z.string(),
    attempt: z
      .number()
      .int()
      .min(1)
      .describe("1 for the first attempt of this event, 2 for the first retry, ..."),
    status: z
      .enum(["succeeded", "failed", "pending"])
      .describe(
        "succeeded: a 2xx; failed: this attempt failed (retried at next_attempt_at, or for good when that is " +
          "null); pending: queued by a manual retry or a test, not sent yet",
      ),
    response_status: z.number().int().nullable().describe("The receiver's HTTP status; null when none came"),
    duration_ms: z.number().int().nullable(),
    error: z.string().nullable().describe("The transport error or the start of a non-2xx answer"),
    next_attempt_at: timestampSchema.nullable(),
    created_at: timestampSchema,
  })
  .meta({ id: "WebhookDelivery" });

export const webhookDeliveryPageSchema = z
  .object({
    items: z.array(webhookDeliverySchema),
    next_cursor: z.string().nullable().describe("Pass as cursor to get the next page; null on the last page"),
  })
  .meta({ id: "WebhookDeliveryPage" });

export const listDeliveriesQuerySchema = z.strictObject({ ...paginationQuery });

export const deliveryParamsSchema = z.strictObject({
  id: integerString(1, 2_147_483_647).describe("The webhook's id"),
  delivery_id: integerString(1, 2_147_483_647).describe("The delivery's id"),
});

export type WebhookDto = z.infer<typeof webhookSchema>;
export type WebhookWithSecretDto = z.infer<typeof webhookWithSecretSchema>;
export type UpdatedWebhookDto = z.infer<typeof updatedWebhookSchema>;
export type WebhookDeliveryDto = z.infer<typeof webhookDeliverySchema>;
export type CreateWebhookInput = z.infer<typeof createWebhookBodySchema>;
export type UpdateWebhookInput = z.infer<typeof updateWebhookBodySchema>;
export type ListDeliveriesQuery = z.infer<typeof listDeliveriesQuerySchema>;
