import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { idParamsSchema } from "../../http/common.schemas.js";
import { problemResponses } from "../../http/problem.schema.js";
import { ACCESS } from "../auth/access.js";
import { sourceScopeOf } from "../auth/principal.js";
import {
  activityPageSchema,
  activitySchema,
  createActivityBodySchema,
  listLeadActivitiesQuerySchema,
  materialStatsSchema,
} from "./activity.schemas.js";
import type { ActivityService } from "./activity.service.js";

export const activityRoutes: FastifyPluginAsyncZod<{ activities: ActivityService }> = async (
  app,
  { activities },
) => {
  app.post(
    "/activities",
    {
      config: { access: ACCESS.recordActivity },
      schema: {
        operationId: "createActivity",
        tags: ["activities"],
        summary: "Record what a lead did (a bot's call)",
        description:
          "The lead must exist (lead_id or lead_external_id; an unknown one is a 404 naming the field, and " +
          "no lead is created: leads come in through appeals). An intake key with source_ids names only " +
          "leads with an appeal in its sources, and an intake key only published materials; others are " +
          "404s. An archived material is a 409 material_archived. A repeated external_id for the same lead " +
          "answers the first activity with 200 and writes nothing, also under concurrent retries. No event " +
          "is recorded: the activities are their own log, read per lead.",
        body: createActivityBodySchema,
        response: {
          201: activitySchema.describe("The activity recorded"),
          200: activitySchema.describe("A repeat of an external_id: the first activity, nothing written"),
          ...problemResponses(404, 409),
        },
      },
    },
    async (request, reply) => {
      const { activity, created } = await activities.record(request.body, {
        sources: sourceScopeOf(request),
        publishedMaterialsOnly: request.principal?.role === "intake",
      });
      return reply.code(created ? 201 : 200).send(activity);
    },
  );

  app.get(
    "/leads/:id/activities",
    {
      config: { access: ACCESS.read },
      schema: {
        operationId: "listLeadActivities",
        tags: ["activities"],
        summary: "A lead's activities, newest first",
        description:
          "Newest first by occurred_at (then by id). Pass next_cursor as cursor for the next (older) page; " +
          "null on the last page.",
        params: idParamsSchema,
        querystring: listLeadActivitiesQuerySchema,
        response: {
          200: activityPageSchema.describe("A page of the lead's activities"),
          ...problemResponses(404),
        },
      },
    },
    async (request) => activities.listForLead(request.params.id, request.query),
  );

  app.get(
    "/materials/:id/stats",
    {
      config: { access: ACCESS.read },
      schema: {
        operationId: "getMaterialStats",
        tags: ["activities"],
        summary: "How often a material was viewed, and by how many leads",
        description:
          "A view is an activity of type material_viewed on the material. An archived material keeps its " +
          "stats (they no longer grow: it takes no new activities).",
        params: idParamsSchema,
        response: { 200: materialStatsSchema.describe("The material's views"), ...problemResponses(404) },
      },
    },
    async (request) => activities.statsOf(request.params.id),
  );
};
