import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { idParamsSchema } from "../../http/common.schemas.js";
import { problemResponses } from "../../http/problem.schema.js";
import { ACCESS } from "../auth/access.js";
import { actorOf } from "../auth/principal.js";
import {
  archiveOperatorQuerySchema,
  createOperatorBodySchema,
  listOperatorsQuerySchema,
  operatorSchema,
  updateOperatorBodySchema,
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
