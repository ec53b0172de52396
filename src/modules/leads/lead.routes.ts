import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { idParamsSchema } from "../../http/common.schemas.js";
import { problemResponses } from "../../http/problem.schema.js";
import { appealPageSchema, appealSchema } from "../appeals/appeal.schemas.js";
import { ACCESS } from "../auth/access.js";
import { actorOf } from "../auth/principal.js";
import {
  consentBodySchema,
  externalIdParamsSchema,
  leadPageSchema,
  leadSchema,
  listLeadAppealsQuerySchema,
  listLeadsQuerySchema,
  updateLeadBodySchema,
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
        summary: "List leads, newest first, or search them, best match first",
        description:
          "search finds by either phone in any format (read as E.164 in DEFAULT_PHONE_REGION), by email, by " +
          "external id, and by any part or combination of the name parts (case-insensitive, ё = е, tolerant of " +
          "a typo: pg_trgm word similarity at least 0.6). Exact matches come first, then by similarity. The " +
          "filters narrow either list; a search's next_cursor is `rank_id`, a list's an id.",
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

  app.patch(
    "/leads/:id",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "updateLead",
        tags: ["leads"],
        summary: "Change a lead's profile",
        description:
          "Any profile field; null (or an empty string) clears a text field. A phone must be a valid number " +
          "(400 naming it); phone_e164 follows. A name not sent follows the parts while it is the one built " +
          "from them. Records lead.updated with the fields that changed, before and after; sending the values " +
          "the lead has already changes nothing and records nothing.",
        params: idParamsSchema,
        body: updateLeadBodySchema,
        response: { 200: leadSchema.describe("The lead, changed"), ...problemResponses(404) },
      },
    },
    async (request) => leads.update(request.params.id, request.body, actorOf(request)),
  );

  app.delete(
    "/leads/:id",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "eraseLead",
        tags: ["leads"],
        summary: "Erase a lead's personal data",
        description:
          "Blanks the profile (the external id becomes erased:<id>, so a later appeal with the old one starts a " +
          "fresh lead), the texts and attachments of every message of its appeals, its activities' data, its " +
          "bookings' notes, and " +
          "the copies of all of it in the event log (so neither the stream's replay nor a webhook delivery " +
          "still to come sends them). The lead stays with erased_at set; counts, statuses and statistics stay. " +
          "Records lead.erased. Erasing an erased lead answers it and changes nothing.",
        params: idParamsSchema,
        response: { 200: leadSchema.describe("The lead, erased"), ...problemResponses(404) },
      },
    },
    async (request) => leads.erase(request.params.id, actorOf(request)),
  );

  app.put(
    "/leads/:id/consent",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "giveLeadConsent",
        tags: ["leads"],
        summary: "Record the lead's consent to the processing of personal data",
        description:
          "given_at is now. The same text_version again changes nothing; another one records consent anew. " +
          "Recorded as lead.updated with the consent before and after.",
        params: idParamsSchema,
        body: consentBodySchema,
        response: { 200: leadSchema.describe("The lead, with its consent"), ...problemResponses(404) },
      },
    },
    async (request) => leads.giveConsent(request.params.id, request.body, actorOf(request)),
  );

  app.delete(
    "/leads/:id/consent",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "withdrawLeadConsent",
        tags: ["leads"],
        summary: "Record that the lead withdrew its consent",
        description: "consent becomes null; withdrawing none changes nothing. Recorded as lead.updated.",
        params: idParamsSchema,
        response: { 200: leadSchema.describe("The lead, without consent"), ...problemResponses(404) },
      },
    },
    async (request) => leads.withdrawConsent(request.params.id, actorOf(request)),
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
