import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { idParamsSchema } from "../../http/common.schemas.js";
import { problemResponses } from "../../http/problem.schema.js";
import { ACCESS } from "../auth/access.js";
import { actorOf } from "../auth/principal.js";
import { leadPageSchema } from "../leads/lead.schemas.js";
import {
  countedSegmentSchema,
  createSegmentBodySchema,
  listSegmentsQuerySchema,
  segmentLeadsQuerySchema,
  segmentPageSchema,
  segmentSchema,
  updateSegmentBodySchema,
} from "./segment.schemas.js";
import type { SegmentService } from "./segment.service.js";

const FILTER_RULES =
  "filter: conditions that must all hold (none: every lead), or { lead_ids } for a fixed list of up to " +
  "10000 leads (each must exist: the unknown ones are a 404 naming filter.lead_ids). An unknown key is a " +
  "400 naming it. Membership is computed when the segment is read, so it is always current; erased " +
  "leads are in no segment.";

export const segmentRoutes: FastifyPluginAsyncZod<{ segments: SegmentService }> = async (
  app,
  { segments },
) => {
  app.post(
    "/segments",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "createSegment",
        tags: ["segments"],
        summary: "Create a segment",
        description: `${FILTER_RULES} A name another segment has (any case) is a 409. Records segment.created.`,
        body: createSegmentBodySchema,
        response: { 201: segmentSchema.describe("The segment created"), ...problemResponses(404, 409) },
      },
    },
    async (request, reply) => reply.code(201).send(await segments.create(request.body, actorOf(request))),
  );

  app.get(
    "/segments",
    {
      config: { access: ACCESS.read },
      schema: {
        operationId: "listSegments",
        tags: ["segments"],
        summary: "List segments, newest first",
        description:
          "Without their counts (GET /segments/{id} counts one). Archived segments are left out unless " +
          "include_archived=true.",
        querystring: listSegmentsQuerySchema,
        response: { 200: segmentPageSchema.describe("A page of segments"), ...problemResponses() },
      },
    },
    async (request) => segments.list(request.query),
  );

  app.get(
    "/segments/:id",
    {
      config: { access: ACCESS.read },
      schema: {
        operationId: "getSegment",
        tags: ["segments"],
        summary: "Get a segment with its leads counted now",
        description: "An archived segment is still shown (archived_at set), and its leads too.",
        params: idParamsSchema,
        response: { 200: countedSegmentSchema.describe("The segment"), ...problemResponses(404) },
      },
    },
    async (request) => segments.get(request.params.id),
  );

  app.get(
    "/segments/:id/leads",
    {
      config: { access: ACCESS.read },
      schema: {
        operationId: "listSegmentLeads",
        tags: ["segments"],
        summary: "The segment's leads, newest first",
        description: "The page GET /leads?segment_id= answers.",
        params: idParamsSchema,
        querystring: segmentLeadsQuerySchema,
        response: { 200: leadPageSchema.describe("A page of the segment's leads"), ...problemResponses(404) },
      },
    },
    async (request) => segments.leadsOf(request.params.id, request.query),
  );

  app.patch(
    "/segments/:id",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "updateSegment",
        tags: ["segments"],
        summary: "Change a segment",
        description: `A filter sent replaces the whole filter or list (a segment may become a list, or a list a filter). ${FILTER_RULES} An archived segment is a 409 segment_archived. Records segment.updated.`,
        params: idParamsSchema,
        body: updateSegmentBodySchema,
        response: { 200: segmentSchema.describe("The segment as changed"), ...problemResponses(404, 409) },
      },
    },
    async (request) => segments.update(request.params.id, request.body, actorOf(request)),
  );

  app.delete(
    "/segments/:id",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "archiveSegment",
        tags: ["segments"],
        summary: "Archive a segment",
        description:
          "Never a hard delete (a mailing that targeted it still names it): the segment leaves the default " +
          "lists (include_archived=true shows it), stays readable by id with its leads, takes no change (409 " +
          "segment_archived), and its name may be taken again. Records segment.archived; archiving an " +
          "archived segment is a 204 that changes nothing.",
        params: idParamsSchema,
        response: { 204: z.null().describe("Archived"), ...problemResponses(404) },
      },
    },
    async (request, reply) => {
      await segments.archive(request.params.id, actorOf(request));
      return reply.code(204).send(null);
    },
  );
};
