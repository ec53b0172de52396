import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { idParamsSchema } from "../../http/common.schemas.js";
import { problemResponses } from "../../http/problem.schema.js";
import { ACCESS } from "../auth/access.js";
import { auditEventSchema, auditPageSchema, listAuditQuerySchema } from "./audit.schemas.js";
import type { AuditService } from "./audit.service.js";

export const auditRoutes: FastifyPluginAsyncZod<{ audit: AuditService }> = async (app, { audit }) => {
  app.get(
    "/appeals/:id/events",
    {
      config: { access: ACCESS.read },
      schema: {
        operationId: "listAppealEvents",
        tags: ["appeals"],
        summary: "The appeal's history, oldest first",
        description:
          "appeal.queued (stored as pending) or appeal.assigned (assigned at intake), appeal.drained (assigned " +
          "later from pending), appeal.closed; each with the time and the label of the key whose request caused it.",
        params: idParamsSchema,
        response: {
          200: z.array(auditEventSchema).describe("The appeal's events, oldest first"),
          ...problemResponses(404),
        },
      },
    },
    async (request) => audit.appealEvents(request.params.id),
  );

  app.get(
    "/audit",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "listAuditEvents",
        tags: ["audit"],
        summary: "The audit trail, newest first, with filters",
        description:
          "Every change to operators, sources, weights and API keys, and every assignment event, recorded in the " +
          "same transaction as the change. Filters combine with AND; from is inclusive, to exclusive. Newest " +
          "first in the order recorded; pass next_cursor as cursor for the next page.",
        querystring: listAuditQuerySchema,
        response: { 200: auditPageSchema.describe("A page of audit events"), ...problemResponses() },
      },
    },
    async (request) => audit.list(request.query),
  );
};
