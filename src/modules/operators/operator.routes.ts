import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { idParamsSchema } from "../../http/common.schemas.js";
import { problemResponses } from "../../http/problem.schema.js";
import { ACCESS } from "../auth/access.js";
import { actorOf, operatorScopeOf } from "../auth/principal.js";
import {
  archiveOperatorQuerySchema,
  createOperatorBodySchema,
  listOperatorsQuerySchema,
  operatorSchema,
  updateOperatorBodySchema,
  updateOwnOperatorBodySchema,
} from "./operator.schemas.js";
import type { OperatorService } from "./operator.service.js";

export const operatorRoutes: FastifyPluginAsyncZod<{ operators: OperatorService }> = async (
  app,
  { operators },
) => {
  app.post(
    "/operators",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "createOperator",
        tags: ["operators"],
        summary: "Create an operator",
        body: createOperatorBodySchema,
        response: { 201: operatorSchema.describe("The operator created"), ...problemResponses() },
      },
    },
    async (request, reply) => reply.code(201).send(await operators.create(request.body, actorOf(request))),
  );

  app.get(
    "/operators",
    {
      config: { access: ACCESS.read },
      schema: {
        operationId: "listOperators",
        tags: ["operators"],
        summary: "List operators, oldest first",
        querystring: listOperatorsQuerySchema,
        response: {
          200: z.array(operatorSchema).describe("The operators, oldest first"),
          ...problemResponses(),
        },
      },
    },
    async (request) => operators.list(request.query),
  );

  // Static segments win over /operators/:id in Fastify's router, whatever the order; "me" would
  // be a 400 there anyway (ids are positive integers), so no id is ever taken for "me".
  app.get(
    "/operators/me",
    {
      config: { access: ACCESS.self },
      schema: {
        operationId: "getOwnOperator",
        tags: ["operators"],
        summary: "The operator an operator key acts for",
        description:
          "For operator keys: their own operator, availability included. Every other caller names no " +
          "operator: a 403.",
        response: { 200: operatorSchema.describe("The key's operator"), ...problemResponses(404) },
      },
    },
    async (request) => operators.getSelf(operatorScopeOf(request)),
  );

  app.patch(
    "/operators/me",
    {
      config: { access: ACCESS.self },
      schema: {
        operationId: "updateOwnOperator",
        tags: ["operators"],
        summary: "Set an operator key's own availability",
        description:
          "is_active only (any other field is a 400 naming it), with the effects of PATCH /operators/{id}: " +
          "activating assigns waiting appeals the operator can take at once, and the change is an " +
          "operator.updated event whose actor is the key's label. Inactive, the operator keeps its appeals " +
          "and gets no new ones. Every caller but an operator key is a 403.",
        body: updateOwnOperatorBodySchema,
        response: { 200: operatorSchema.describe("The key's operator as changed"), ...problemResponses(404) },
      },
    },
    async (request) => operators.updateSelf(operatorScopeOf(request), request.body, actorOf(request)),
  );

  app.get(
    "/operators/:id",
    {
      config: { access: ACCESS.read },
      schema: {
        operationId: "getOperator",
        tags: ["operators"],
        summary: "Get an operator",
        params: idParamsSchema,
        response: { 200: operatorSchema.describe("The operator"), ...problemResponses(404) },
      },
    },
    async (request) => operators.get(request.params.id),
  );

  app.patch(
    "/operators/:id",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "updateOperator",
        tags: ["operators"],
        summary: "Change an operator's name, activity or limit",
        description:
          "Activating an operator or raising its max_load assigns pending appeals at once. Lowering max_load below " +
          "the current load keeps the existing appeals; the operator gets no new ones until it is below the limit.",
        params: idParamsSchema,
        body: updateOperatorBodySchema,
        response: { 200: operatorSchema.describe("The operator as changed"), ...problemResponses(404) },
      },
    },
    async (request) => operators.update(request.params.id, request.body, actorOf(request)),
  );

  app.delete(
    "/operators/:id",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "archiveOperator",
        tags: ["operators"],
        summary: "Archive an operator",
        description:
          "Never a hard delete: the operator leaves the lists (include_archived=true shows it), the weights and " +
          "distribution; its appeals and statistics stay. Holding active appeals it is a 409 naming how many, " +
          "unless reassign=true hands them back to distribution first. Archiving an archived operator is a 204.",
        params: idParamsSchema,
        querystring: archiveOperatorQuerySchema,
        response: { 204: z.null().describe("Archived"), ...problemResponses(404, 409) },
      },
    },
    async (request, reply) => {
      await operators.archive(request.params.id, request.query.reassign ?? false, actorOf(request));
      return reply.code(204).send(null);
    },
  );
};
