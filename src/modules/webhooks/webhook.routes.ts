import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { idParamsSchema } from "../../http/common.schemas.js";
import { problemResponses } from "../../http/problem.schema.js";
import { ACCESS } from "../auth/access.js";
import { actorOf } from "../auth/principal.js";
import {
  createWebhookBodySchema,
  deliveryParamsSchema,
  listDeliveriesQuerySchema,
  updatedWebhookSchema,
  updateWebhookBodySchema,
  webhookDeliveryPageSchema,
  webhookDeliverySchema,
  webhookSchema,
  webhookWithSecretSchema,
} from "./webhook.schemas.js";
import type { WebhookService } from "./webhook.service.js";

const DELIVERY =
  "Delivery follows Standard Webhooks: POST { type, timestamp, data } with webhook-id (the event id, the same " +
  "on every attempt), webhook-timestamp and webhook-signature (v1, HMAC-SHA256 with the secret). Events go " +
  "out in order per endpoint, at least once; a non-2xx answer, a redirect, a refused connection or no answer " +
  "within 10 s is retried after about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 24 h (with jitter; a later " +
  "Retry-After is honoured), then given up; a 410 disables the endpoint.";

export const webhookRoutes: FastifyPluginAsyncZod<{ webhooks: WebhookService }> = async (
  app,
  { webhooks },
) => {
  app.post(
    "/webhooks",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "createWebhook",
        tags: ["webhooks"],
        summary: "Register a webhook endpoint",
        description:
          `The answer carries the signing secret, shown only here. The endpoint gets the events recorded from ` +
          `its creation on. ${DELIVERY} A URL that is not http(s), carries credentials or resolves to a ` +
          "loopback, private or link-local address is a 400 naming url.",
        body: createWebhookBodySchema,
        response: {
          201: webhookWithSecretSchema.describe("The endpoint, with its secret (shown once)"),
          ...problemResponses(),
        },
      },
    },
    async (request, reply) => reply.code(201).send(await webhooks.create(request.body, actorOf(request))),
  );

  app.get(
    "/webhooks",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "listWebhooks",
        tags: ["webhooks"],
        summary: "List webhook endpoints, oldest first (never their secrets)",
        response: {
          200: z.array(webhookSchema).describe("The endpoints, oldest first"),
          ...problemResponses(),
        },
      },
    },
    async () => webhooks.list(),
  );

  app.get(
    "/webhooks/:id",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "getWebhook",
        tags: ["webhooks"],
        summary: "Get a webhook endpoint (never its secret)",
        params: idParamsSchema,
        response: { 200: webhookSchema.describe("The endpoint"), ...problemResponses(404) },
      },
    },
    async (request) => webhooks.get(request.params.id),
  );

  app.patch(
    "/webhooks/:id",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "updateWebhook",
        tags: ["webhooks"],
        summary: "Change a webhook endpoint, enable or disable it, rotate its secret",
        description:
          "rotate_secret: true makes a new secret, shown once in this answer; attempts from then on are signed " +
          "with it. Re-enabling a disabled endpoint starts it from the newest event (what happened while it was " +
          "disabled is not sent).",
        params: idParamsSchema,
        body: updateWebhookBodySchema,
        response: { 200: updatedWebhookSchema.describe("The endpoint as changed"), ...problemResponses(404) },
      },
    },
    async (request) => webhooks.update(request.params.id, request.body, actorOf(request)),
  );

  app.delete(
    "/webhooks/:id",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "deleteWebhook",
        tags: ["webhooks"],
        summary: "Delete a webhook endpoint and its delivery log",
        params: idParamsSchema,
        response: { 204: z.null().describe("Deleted"), ...problemResponses(404) },
      },
    },
    async (request, reply) => {
      await webhooks.delete(request.params.id, actorOf(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/webhooks/:id/deliveries",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "listWebhookDeliveries",
        tags: ["webhooks"],
        summary: "The endpoint's delivery attempts, newest first",
        description: `One row per attempt; pass next_cursor as cursor for the next page. ${DELIVERY}`,
        params: idParamsSchema,
        querystring: listDeliveriesQuerySchema,
        response: { 200: webhookDeliveryPageSchema.describe("A page of attempts"), ...problemResponses(404) },
      },
    },
    async (request) => webhooks.deliveries(request.params.id, request.query),
  );

  app.post(
    "/webhooks/:id/deliveries/:delivery_id/retry",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "retryWebhookDelivery",
        tags: ["webhooks"],
        summary: "Send that delivery's event again now",
        description:
          "Queues one more attempt of the event (same webhook-id), sent at once outside the endpoint's event " +
          "order; if it fails it is not retried automatically. The answer is the queued attempt (pending).",
        params: deliveryParamsSchema,
        response: { 202: webhookDeliverySchema.describe("The attempt queued"), ...problemResponses(404) },
      },
    },
    async (request, reply) =>
      reply.code(202).send(await webhooks.retry(request.params.id, request.params.delivery_id)),
  );

  app.post(
    "/webhooks/:id/test",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "testWebhook",
        tags: ["webhooks"],
        summary: "Send a webhook.test event to this endpoint",
        description:
          "Queues a webhook.test event (data: { webhook_id, delivery_id }) for this endpoint only, sent at once; " +
          "its result appears in the delivery log. Not recorded in the event log.",
        params: idParamsSchema,
        response: { 202: webhookDeliverySchema.describe("The attempt queued"), ...problemResponses(404) },
      },
    },
    async (request, reply) => reply.code(202).send(await webhooks.test(request.params.id)),
  );
};
