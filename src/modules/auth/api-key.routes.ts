// API keys over HTTP, for admins: create (the key is in this answer only), list (never
// the key nor its hash), revoke. The same service the CLI uses, so an embedded-database
// user manages keys without stopping the service. Request bodies are never logged.

import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { idParamsSchema } from "../../http/common.schemas.js";
import { problemResponses } from "../../http/problem.schema.js";
import { ACCESS } from "./access.js";
import { toApiKeyDto } from "./api-key.dto.js";
import { apiKeyCreatedSchema, apiKeySchema, createApiKeyBodySchema } from "./api-key.schemas.js";
import { API_KEY_CACHE_TTL_MS, type ApiKeyService, type ApiKeyView } from "./api-key.service.js";
import { actorOf } from "./principal.js";

const CACHE_SECONDS = API_KEY_CACHE_TTL_MS / 1000;

export const apiKeyRoutes: FastifyPluginAsyncZod<{ apiKeys: ApiKeyService }> = async (app, { apiKeys }) => {
  app.post(
    "/api-keys",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "createApiKey",
        tags: ["api-keys"],
        summary: "Create an API key (shown once)",
        description:
          "The answer holds the key, the only time it exists in clear: store it. It works at once. " +
          "operator_id is required for, and only for, the role operator (an unknown operator is a 404); " +
          "source_ids scopes an intake key (unknown source ids are a 400). A refused request creates nothing.",
        body: createApiKeyBodySchema,
        response: {
          201: apiKeyCreatedSchema.describe("The key created, with the key itself"),
          ...problemResponses(404),
        },
      },
    },
    async (request, reply) => {
      const { key, apiKey } = await apiKeys.create(
        {
          role: request.body.role,
          label: request.body.label,
          operatorId: request.body.operator_id,
          sourceIds: request.body.source_ids,
        },
        actorOf(request),
      );
      const { last_used_at: _, revoked_at: __, ...created } = toDto(apiKey);
      return reply.code(201).send({ ...created, key });
    },
  );

  app.get(
    "/api-keys",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "listApiKeys",
        tags: ["api-keys"],
        summary: "List API keys, oldest first, revoked ones included, never the keys",
        response: {
          200: z.array(apiKeySchema).describe("Every API key, without the keys"),
          ...problemResponses(),
        },
      },
    },
    async () => (await apiKeys.list()).map(toDto),
  );

  app.delete(
    "/api-keys/:id",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "revokeApiKey",
        tags: ["api-keys"],
        summary: "Revoke an API key",
        description:
          "The key is refused at once by this instance, and by every other within " +
          `${CACHE_SECONDS} seconds (their authentication cache). Revoking a revoked key is a 204 ` +
          "that keeps the first revocation time; an unknown id is a 404.",
        params: idParamsSchema,
        response: { 204: z.null().describe("Revoked"), ...problemResponses(404) },
      },
    },
    async (request, reply) => {
      await apiKeys.revoke(request.params.id, actorOf(request));
      return reply.code(204).send(null);
    },
  );
};

const toDto = (key: ApiKeyView) => toApiKeyDto(key);
