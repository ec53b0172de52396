import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { idParamsSchema } from "../../http/common.schemas.js";
import { problemResponses } from "../../http/problem.schema.js";
import { ACCESS } from "../auth/access.js";
import { actorOf } from "../auth/principal.js";
import {
  createMaterialBodySchema,
  listMaterialsQuerySchema,
  materialPageSchema,
  materialSchema,
  updateMaterialBodySchema,
} from "./material.schemas.js";
import type { MaterialService } from "./material.service.js";

/** Bots (intake keys) see what they may show: published materials, not archived ones. */
const visibilityOf = (request: FastifyRequest) => ({ publishedOnly: request.principal?.role === "intake" });

export const materialRoutes: FastifyPluginAsyncZod<{ materials: MaterialService }> = async (
  app,
  { materials },
) => {
  app.post(
    "/materials",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "createMaterial",
        tags: ["materials"],
        summary: "Add a material (an article, a product, an event)",
        description:
          "Media are references only: each needs url (http or https) or telegram_file_id. Unpublished by " +
          "default: bots see published materials only. Records material.created.",
        body: createMaterialBodySchema,
        response: { 201: materialSchema.describe("The material created"), ...problemResponses() },
      },
    },
    async (request, reply) => reply.code(201).send(await materials.create(request.body, actorOf(request))),
  );

  app.get(
    "/materials",
    {
      config: { access: ACCESS.readMaterials },
      schema: {
        operationId: "listMaterials",
        tags: ["materials"],
        summary: "List materials, newest first",
        description:
          "Archived materials are left out unless include_archived=true. An intake key (a bot) lists " +
          "published, unarchived materials only, whatever the filters ask for.",
        querystring: listMaterialsQuerySchema,
        response: { 200: materialPageSchema.describe("A page of materials"), ...problemResponses() },
      },
    },
    async (request) => materials.list(request.query, visibilityOf(request)),
  );

  app.get(
    "/materials/:id",
    {
      config: { access: ACCESS.readMaterials },
      schema: {
        operationId: "getMaterial",
        tags: ["materials"],
        summary: "Get a material",
        description:
          "An archived material is still shown (archived_at set). To an intake key an unpublished or " +
          "archived material is the 404 of a missing one.",
        params: idParamsSchema,
        response: { 200: materialSchema.describe("The material"), ...problemResponses(404) },
      },
    },
    async (request) => materials.get(request.params.id, visibilityOf(request)),
  );

  app.patch(
    "/materials/:id",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "updateMaterial",
        tags: ["materials"],
        summary: "Change a material",
        description:
          "media replaces the whole list. published true sets published_at (when it was unpublished), " +
          "false clears it. An archived material is a 409 material_archived. Records material.updated.",
        params: idParamsSchema,
        body: updateMaterialBodySchema,
        response: { 200: materialSchema.describe("The material as changed"), ...problemResponses(404, 409) },
      },
    },
    async (request) => materials.update(request.params.id, request.body, actorOf(request)),
  );

  app.delete(
    "/materials/:id",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "archiveMaterial",
        tags: ["materials"],
        summary: "Archive a material",
        description:
          "Never a hard delete: the material leaves the default lists (include_archived=true shows it), stays " +
          "readable by id with its activities and stats, and no new activity may name it (409 " +
          "material_archived). Records material.archived; archiving an archived material is a 204 that " +
          "changes nothing.",
        params: idParamsSchema,
        response: { 204: z.null().describe("Archived"), ...problemResponses(404) },
      },
    },
    async (request, reply) => {
      await materials.archive(request.params.id, actorOf(request));
      return reply.code(204).send(null);
    },
  );
};
