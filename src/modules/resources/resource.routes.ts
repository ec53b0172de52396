import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { idParamsSchema } from "../../http/common.schemas.js";
import { problemResponses } from "../../http/problem.schema.js";
import { ACCESS } from "../auth/access.js";
import { actorOf } from "../auth/principal.js";
import {
  createResourceBodySchema,
  listResourcesQuerySchema,
  resourceSchema,
  updateResourceBodySchema,
} from "./resource.schemas.js";
import type { ResourceService } from "./resource.service.js";

export const resourceRoutes: FastifyPluginAsyncZod<{ resources: ResourceService }> = async (
  app,
  { resources },
) => {
  app.post(
    "/resources",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "createResource",
        tags: ["resources"],
        summary: "Add a resource (a playing field, a rest room, a table)",
        description:
          "opening_hours are local times in TIMEZONE per weekday, a day left out closed, null (the default) " +
          "always open. Names are unique regardless of case among resources not archived (409 conflict). " +
          "Records resource.created.",
        body: createResourceBodySchema,
        response: { 201: resourceSchema.describe("The resource created"), ...problemResponses(409) },
      },
    },
    async (request, reply) => reply.code(201).send(await resources.create(request.body, actorOf(request))),
  );

  app.get(
    "/resources",
    {
      config: { access: ACCESS.read },
      schema: {
        operationId: "listResources",
        tags: ["resources"],
        summary: "List resources, in id order",
        description:
          "Archived resources are left out unless include_archived=true. Not paginated: a club has a few.",
        querystring: listResourcesQuerySchema,
        response: { 200: z.array(resourceSchema).describe("The resources"), ...problemResponses() },
      },
    },
    async (request) => resources.list(request.query),
  );

  app.get(
    "/resources/:id",
    {
      config: { access: ACCESS.read },
      schema: {
        operationId: "getResource",
        tags: ["resources"],
        summary: "Get a resource",
        description: "An archived resource is still shown (archived_at set).",
        params: idParamsSchema,
        response: { 200: resourceSchema.describe("The resource"), ...problemResponses(404) },
      },
    },
    async (request) => resources.get(request.params.id),
  );

  app.patch(
    "/resources/:id",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "updateResource",
        tags: ["resources"],
        summary: "Change a resource",
        description:
          "opening_hours replaces the whole week (null: always open); bookings already made stay where they " +
          "are. is_active false: no new bookings nor moves onto it. An archived resource is a 409 " +
          "resource_archived. Records resource.updated.",
        params: idParamsSchema,
        body: updateResourceBodySchema,
        response: { 200: resourceSchema.describe("The resource as changed"), ...problemResponses(404, 409) },
      },
    },
    async (request) => resources.update(request.params.id, request.body, actorOf(request)),
  );

  app.delete(
    "/resources/:id",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "archiveResource",
        tags: ["resources"],
        summary: "Archive a resource",
        description:
          "Never a hard delete: the resource leaves the default list, stays readable by id, its bookings stay " +
          "(and can still be cancelled), and no booking may take it any more (400 naming the item's " +
          "resource_id). Records resource.archived; archiving an archived resource is a 204 that changes nothing.",
        params: idParamsSchema,
        response: { 204: z.null().describe("Archived"), ...problemResponses(404) },
      },
    },
    async (request, reply) => {
      await resources.archive(request.params.id, actorOf(request));
      return reply.code(204).send(null);
    },
  );
};
