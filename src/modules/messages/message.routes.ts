import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { idParamsSchema } from "../../http/common.schemas.js";
import { problemResponses } from "../../http/problem.schema.js";
import { ACCESS } from "../auth/access.js";
import { actorOf, operatorScopeOf, sourceScopeOf } from "../auth/principal.js";
import {
  createMessageBodySchema,
  listMessagesQuerySchema,
  messagePageSchema,
  messageSchema,
} from "./message.schemas.js";
import type { MessageService } from "./message.service.js";

const scopeOf = (request: FastifyRequest) => ({
  sources: sourceScopeOf(request),
  operator: operatorScopeOf(request),
});

export const messageRoutes: FastifyPluginAsyncZod<{ messages: MessageService }> = async (
  app,
  { messages },
) => {
  app.post(
    "/appeals/:id/messages",
    {
      config: { access: ACCESS.postMessage },
      schema: {
        operationId: "createMessage",
        tags: ["messages"],
        summary: "Add a message to an appeal's conversation",
        description:
          "Intake keys post as lead or bot, operator keys as operator on their own appeals, admins as any " +
          "(an admin's operator message is written on behalf of the appeal's current operator); another " +
          "sender is a 403. A message with an external_id the appeal has already answers the first message " +
          "with 200 and writes nothing. A closed appeal is a 409 appeal_closed, an operator message on a " +
          "pending appeal a 409 no_operator. Every message is a message.created event.",
        params: idParamsSchema,
        body: createMessageBodySchema,
        response: {
          201: messageSchema.describe("The message stored"),
          200: messageSchema.describe("A repeat of an external_id: the first message, nothing written"),
          ...problemResponses(404, 409),
        },
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      const { message, created } = await messages.post(request.params.id, request.body, {
        role: principal?.role ?? null,
        actor: actorOf(request),
        ...scopeOf(request),
      });
      return reply.code(created ? 201 : 200).send(message);
    },
  );

  app.get(
    "/appeals/:id/messages",
    {
      config: { access: ACCESS.readAppeal },
      schema: {
        operationId: "listMessages",
        tags: ["messages"],
        summary: "An appeal's conversation, oldest first",
        description:
          "Message 1 is the appeal's message, stored by the intake. An intake key with source_ids and an " +
          "operator key read only appeals they may see; another appeal is a 404.",
        params: idParamsSchema,
        querystring: listMessagesQuerySchema,
        response: { 200: messagePageSchema.describe("A page of messages"), ...problemResponses(404) },
      },
    },
    async (request) => messages.list(request.params.id, request.query, scopeOf(request)),
  );
};
