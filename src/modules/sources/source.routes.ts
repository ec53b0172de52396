import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { idParamsSchema } from "../../http/common.schemas.js";
import { problemResponses } from "../../http/problem.schema.js";
import { ACCESS } from "../auth/access.js";
import { actorOf } from "../auth/principal.js";
import { includeArchivedQuery } from "../operators/operator.schemas.js";
import {
  createSourceBodySchema,
  setWeightBodySchema,
  sourceSchema,
  updateSourceBodySchema,
  weightParamsSchema,
  weightSchema,
  weightsBodySchema,
} from "./source.schemas.js";
import type { SourceService } from "./source.service.js";

export const sourceRoutes: FastifyPluginAsyncZod<{ sources: SourceService }> = async (app, { sources }) => {
  app.post(
    "/sources",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "createSource",
        tags: ["sources"],
        summary: "Create a source",
        body: createSourceBodySchema,
        response: { 201: sourceSchema.describe("The source created"), ...problemResponses(409) },
      },
    },
    async (request, reply) => reply.code(201).send(await sources.create(request.body, actorOf(request))),
  );

  app.get(
    "/sources",
    {
      config: { access: ACCESS.read },
      schema: {
        operationId: "listSources",
        tags: ["sources"],
        summary: "List sources, oldest first",
        querystring: z.strictObject(includeArchivedQuery),
        response: { 200: z.array(sourceSchema).describe("The sources, oldest first"), ...problemResponses() },
      },
    },
    async (request) => sources.list(request.query),
  );

  app.get(
    "/sources/:id",
    {
      config: { access: ACCESS.read },
      schema: {
        operationId: "getSource",
        tags: ["sources"],
        summary: "Get a source",
        params: idParamsSchema,
        response: { 200: sourceSchema.describe("The source"), ...problemResponses(404) },
      },
    },
    async (request) => sources.get(request.params.id),
  );

  app.patch(
    "/sources/:id",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "updateSource",
        tags: ["sources"],
        summary: "Change a source's name, description, strategy or bot script",
        params: idParamsSchema,
        body: updateSourceBodySchema,
        response: { 200: sourceSchema.describe("The source as changed"), ...problemResponses(404, 409) },
      },
    },
    async (request) => sources.update(request.params.id, request.body, actorOf(request)),
  );

  const replaceWeights = {
    config: { access: ACCESS.admin },
    schema: {
      tags: ["sources"],
      summary: "Replace the source's operator weights",
      description:
        "Replaces the whole set atomically: an unknown operator is a 404 and the old weights stay; the same " +
        "operator_id twice is a 400; [] clears the set. Pending appeals of the source that the new weights make " +
        "assignable are assigned at once. POST and PUT do the same.",
      params: idParamsSchema,
      body: weightsBodySchema,
      response: { 200: z.array(weightSchema).describe("The new set of weights"), ...problemResponses(404) },
    },
  };
  // PUT is the canonical one; POST is kept for the original design's clients.
  const operationIds = { PUT: "setSourceWeights", POST: "setSourceWeightsByPost" } as const;
  for (const method of ["POST", "PUT"] as const) {
    app.route({
      method,
      url: "/sources/:id/weights",
      ...replaceWeights,
      schema: { ...replaceWeights.schema, operationId: operationIds[method] },
      handler: async (request) => sources.replaceWeights(request.params.id, request.body, actorOf(request)),
    });
  }

  app.get(
    "/sources/:id/weights",
    {
      config: { access: ACCESS.read },
      schema: {
        operationId: "listSourceWeights",
        tags: ["sources"],
        summary: "List the source's operator weights",
        params: idParamsSchema,
        response: { 200: z.array(weightSchema).describe("The source's weights"), ...problemResponses(404) },
      },
    },
    async (request) => sources.listWeights(request.params.id),
  );

  app.delete(
    "/sources/:id",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "archiveSource",
        tags: ["sources"],
        summary: "Archive a source",
        description:
          "Never a hard delete: the source leaves the lists (include_archived=true shows it) and takes no new " +
          "appeals (404); its appeals and statistics stay. With pending appeals it is a 409 naming how many. " +
          "Archiving an archived source is a 204.",
        params: idParamsSchema,
        response: { 204: z.null().describe("Archived"), ...problemResponses(404, 409) },
      },
    },
    async (request, reply) => {
      await sources.archive(request.params.id, actorOf(request));
      return reply.code(204).send(null);
    },
  );

  app.put(
    "/sources/:id/weights/:operator_id",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "setSourceWeight",
        tags: ["sources"],
        summary: "Set one operator's weight for the source; the other weights stay",
        description:
          "A missing or archived source or operator is a 404. Pending appeals the weight makes assignable are " +
          "assigned at once.",
        params: weightParamsSchema,
        body: setWeightBodySchema,
        response: { 200: weightSchema.describe("The weight set"), ...problemResponses(404) },
      },
    },
    async (request) =>
      sources.setWeight(request.params.id, request.params.operator_id, request.body, actorOf(request)),
  );

  app.delete(
    "/sources/:id/weights/:operator_id",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "removeSourceWeight",
        tags: ["sources"],
        summary: "Remove one operator's weight for the source",
        description: "404 when the source does not exist or the operator has no weight for it.",
        params: weightParamsSchema,
        response: { 204: z.null().describe("Removed"), ...problemResponses(404) },
      },
    },
    async (request, reply) => {
      await sources.removeWeight(request.params.id, request.params.operator_id, actorOf(request));
      return reply.code(204).send(null);
    },
  );
};
