import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { problemResponses } from "../../http/problem.schema.js";
import { ACCESS } from "../auth/access.js";
import { sourceScopeOf } from "../auth/principal.js";
import {
  botStateParamsSchema,
  botStateSchema,
  deleteBotStateHeadersSchema,
  putBotStateBodySchema,
  putBotStateHeadersSchema,
} from "./bot-state.schemas.js";
import type { BotStateService } from "./bot-state.service.js";
import { etagOf, ifMatchOf, preconditionOf } from "./precondition.js";

const keyOf = (params: { source_id: number; chat_id: string }) => ({
  sourceId: params.source_id,
  chatId: params.chat_id,
});

const SCOPE = "An unknown source_id is a 404 naming it; so is a source outside an intake key's source_ids.";

export const botStateRoutes: FastifyPluginAsyncZod<{ botStates: BotStateService }> = async (
  app,
  { botStates },
) => {
  app.get(
    "/bot-state/:source_id/:chat_id",
    {
      config: { access: ACCESS.readBotState },
      schema: {
        operationId: "getBotState",
        tags: ["bot-state"],
        summary: "Read a chat's dialog state",
        description:
          'With the header ETag: "<version>", to send back as If-Match. A chat with no state (never written, ' +
          `deleted, or forgotten after BOT_STATE_TTL_DAYS idle) is a 404 naming chat_id. ${SCOPE}`,
        params: botStateParamsSchema,
        response: {
          200: botStateSchema.describe("The state, its version also in ETag"),
          ...problemResponses(404),
        },
      },
    },
    async (request, reply) => {
      const state = await botStates.get(keyOf(request.params), sourceScopeOf(request));
      return reply.header("etag", etagOf(state.version)).send(state);
    },
  );

  app.put(
    "/bot-state/:source_id/:chat_id",
    {
      config: { access: ACCESS.writeBotState },
      schema: {
        operationId: "putBotState",
        tags: ["bot-state"],
        summary: "Write a chat's dialog state (whole)",
        description:
          'Replaces state and data (data omitted: {}); each write is the next version, in ETag: "<version>". ' +
          'If-Match: "<version>" writes only over that version, so of two bot replicas holding it one writes and ' +
          "the other gets a 412 precondition_failed naming if-match, with nothing written; If-Match: * only over " +
          "an existing state; If-None-Match: * only when the chat has none. Without them the write is " +
          "unconditional. 201 when the chat had no state, 200 when one was replaced. data over 64 KiB as JSON is " +
          "a 400 naming data (a body over BODY_LIMIT_BYTES, 1 MiB by default, is a 413 before that). An " +
          `archived source takes no writes (404). ${SCOPE} No event is recorded.`,
        params: botStateParamsSchema,
        headers: putBotStateHeadersSchema,
        body: putBotStateBodySchema,
        response: {
          200: botStateSchema.describe("The state as written: it replaced the chat's state"),
          201: botStateSchema.describe("The state as written: the chat had none"),
          ...problemResponses(404, 412),
        },
      },
    },
    async (request, reply) => {
      const precondition = preconditionOf({
        ifMatch: request.headers["if-match"],
        ifNoneMatch: request.headers["if-none-match"],
      });
      const { state, created } = await botStates.put(
        keyOf(request.params),
        request.body,
        precondition,
        sourceScopeOf(request),
      );
      return reply
        .code(created ? 201 : 200)
        .header("etag", etagOf(state.version))
        .send(state);
    },
  );

  app.delete(
    "/bot-state/:source_id/:chat_id",
    {
      config: { access: ACCESS.writeBotState },
      schema: {
        operationId: "deleteBotState",
        tags: ["bot-state"],
        summary: "Delete a chat's dialog state",
        description:
          "A 204 also when the chat had no state. With If-Match (a version, or *) the state must exist at it, " +
          "else a 412 and nothing is deleted. The chat's version keeps counting across a delete: a version held " +
          `from before it never matches the state written after. An archived source's states may be deleted. ${SCOPE}`,
        params: botStateParamsSchema,
        headers: deleteBotStateHeadersSchema,
        response: { 204: z.null().describe("Deleted (or there was none)"), ...problemResponses(404, 412) },
      },
    },
    async (request, reply) => {
      const precondition = ifMatchOf(request.headers["if-match"]);
      await botStates.delete(keyOf(request.params), precondition, sourceScopeOf(request));
      return reply.code(204).send(null);
    },
  );
};
