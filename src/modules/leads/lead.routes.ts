import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { idParamsSchema } from "../../http/common.schemas.js";
import { problemResponses } from "../../http/problem.schema.js";
import { appealPageSchema, appealSchema } from "../appeals/appeal.schemas.js";
import { ACCESS } from "../auth/access.js";
import {
  externalIdParamsSchema,
  leadPageSchema,
  leadSchema,
  listLeadAppealsQuerySchema,
  listLeadsQuerySchema,
} from "./lead.schemas.js";
import type { LeadService } from "./lead.service.js";

/** The original design listed every lead (and every appeal of a lead) at once; we keep its shape but bound it. */
const LEGACY_LIST_LIMIT = 500;

export const leadRoutes: FastifyPluginAsyncZod<{ leads: LeadService }> = async (app, { leads }) => {
  app.get(
    "/leads",
    {
      config: { access: ACCESS.read },
      schema: {
        operationId: "listLeads",
        tags: ["leads"],
        summary: "List leads, newest first, with search",
        querystring: listLeadsQuerySchema,
        response: { 200: leadPageSchema.describe("A page of leads"), ...problemResponses() },
      },
    },
    async (request) => leads.list(request.query),
  );

  app.get(
    "/leads/:id",
    {
      config: { access: ACCESS.read },
      schema: {
        operationId: "getLead",
        tags: ["leads"],
        summary: "Get a lead",
        params: idParamsSchema,
        response: { 200: leadSchema.describe("The lead"), ...problemResponses(404) },
      },
    },
    async (request) => leads.get(request.params.id),
  );

  app.get(
    "/leads/by-external-id/:external_id",
    {
      config: { access: ACCESS.read },
      schema: {
        operationId: "getLeadByExternalId",
        tags: ["leads"],
        summary: "Get a lead by its external id",
        params: externalIdParamsSchema,
        response: { 200: leadSchema.describe("The lead"), ...problemResponses(404) },
      },
    },
    async (request) => leads.getByExternalId(request.params.external_id),
  );

  app.get(
    "/leads/:id/appeals",
    {
      config: { access: ACCESS.read },
      schema: {
        operationId: "listLeadAppeals",
        tags: ["leads"],
        summary: "List a lead's appeals, oldest first, a page at a time",
        description:
          "Oldest first: pass next_cursor as cursor for the next (newer) page; null on the last page. " +
          "A page has at most limit appeals (1..500, 50 by default).",
        params: idParamsSchema,
        querystring: listLeadAppealsQuerySchema,
        response: {
          200: appealPageSchema.describe("A page of the lead's appeals, oldest first"),
          ...problemResponses(404),
        },
      },
    },
    async (request) => leads.listAppeals(request.params.id, request.query),
  );

  // The original design's routes, kept for its clients.
  app.get(
    "/appeals/leads",
    {
      config: { access: ACCESS.read },
      schema: {
        operationId: "listLeadsLegacy",
        tags: ["leads"],
        summary: `List leads, newest first (original design; at most ${LEGACY_LIST_LIMIT}: use GET /leads to page)`,
        response: {
          200: z.array(leadSchema).describe(`The newest ${LEGACY_LIST_LIMIT} leads at most`),
          ...problemResponses(),
        },
      },
    },
    async () => (await leads.list({ limit: LEGACY_LIST_LIMIT })).items,
  );
  app.get(
    "/appeals/leads/:id/appeals",
    {
      config: { access: ACCESS.read },
      schema: {
        operationId: "listLeadAppealsLegacy",
        tags: ["leads"],
        summary: `List a lead's appeals (original design; the ${LEGACY_LIST_LIMIT} newest at most: use GET /leads/{id}/appeals to page)`,
        description:
          `A bare array, as in the original design, of the lead's ${LEGACY_LIST_LIMIT} newest appeals at most, ` +
          "oldest first among them. GET /leads/{id}/appeals pages through all of them.",
        params: idParamsSchema,
        response: {
          200: z
            .array(appealSchema)
            .describe(`The lead's ${LEGACY_LIST_LIMIT} newest appeals at most, oldest first`),
          ...problemResponses(404),
        },
      },
    },
    async (request) => leads.listNewestAppeals(request.params.id, LEGACY_LIST_LIMIT),
  );
};
