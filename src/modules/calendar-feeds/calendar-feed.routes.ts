// Calendar feeds over HTTP, for admins: create (the token and the URL holding it are in this
// answer only), list (never the token nor its hash), revoke. Request bodies are never logged.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { idParamsSchema } from "../../http/common.schemas.js";
import { problemResponses } from "../../http/problem.schema.js";
import { ACCESS } from "../auth/access.js";
import { actorOf } from "../auth/principal.js";
import {
  calendarFeedCreatedSchema,
  calendarFeedSchema,
  createCalendarFeedBodySchema,
} from "./calendar-feed.schemas.js";
import type { CalendarFeedService } from "./calendar-feed.service.js";

export const calendarFeedRoutes: FastifyPluginAsyncZod<{ calendarFeeds: CalendarFeedService }> = async (
  app,
  { calendarFeeds },
) => {
  app.post(
    "/calendar/feeds",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "createCalendarFeed",
        tags: ["calendar-feeds"],
        summary: "Create a calendar feed for a phone (its URL shown once)",
        description:
          "The answer holds the feed's URL with its token, the only time the token exists in clear: subscribe to " +
          "it in a calendar app (or hand it to whoever should see the bookings). The URL's base is PUBLIC_URL, or " +
          "the address this request came to. resource_id makes a feed of that resource alone (an unknown one is " +
          "a 404, an archived one a 400); send {} for every resource. Records calendar_feed.created.",
        body: createCalendarFeedBodySchema,
        response: {
          201: calendarFeedCreatedSchema.describe("The feed made, with its URL and token"),
          ...problemResponses(404),
        },
      },
    },
    async (request, reply) => {
      const origin = `${request.protocol}://${request.host}`;
      return reply.code(201).send(await calendarFeeds.create(request.body, actorOf(request), origin));
    },
  );

  app.get(
    "/calendar/feeds",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "listCalendarFeeds",
        tags: ["calendar-feeds"],
        summary: "List calendar feeds, oldest first, revoked ones included, never their tokens",
        response: {
          200: z.array(calendarFeedSchema).describe("Every calendar feed, without tokens"),
          ...problemResponses(),
        },
      },
    },
    async () => calendarFeeds.list(),
  );

  app.delete(
    "/calendar/feeds/:id",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "revokeCalendarFeed",
        tags: ["calendar-feeds"],
        summary: "Revoke a calendar feed",
        description:
          "Its URL answers 401 from the next poll on, on every instance (feeds are not cached). Revoking a revoked " +
          "feed is a 204 that keeps the first revocation time and records nothing; an unknown id is a 404. " +
          "Records calendar_feed.revoked.",
        params: idParamsSchema,
        response: { 204: z.null().describe("Revoked"), ...problemResponses(404) },
      },
    },
    async (request, reply) => {
      await calendarFeeds.revoke(request.params.id, actorOf(request));
      return reply.code(204).send(null);
    },
  );
};
