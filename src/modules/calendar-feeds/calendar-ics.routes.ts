// GET /calendar.ics: what a phone's calendar app polls. Public to the API-key check (calendar
// apps send no headers): the feed's token in the URL is its credential, checked by the service.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { problemResponse, problemResponses } from "../../http/problem.schema.js";
import { FEED_TOKEN_SCHEME } from "../../http/swagger.js";
import { ACCESS } from "../auth/access.js";
import { calendarIcsQuerySchema } from "./calendar-feed.schemas.js";
import { FEED_FUTURE_DAYS, FEED_PAST_DAYS, REFRESH_SECONDS } from "./calendar-ics.js";
import type { CalendarIcsService } from "./calendar-ics.service.js";

export const ICS_CONTENT_TYPE = "text/calendar; charset=utf-8";

const EXAMPLE = [
  "BEGIN:VCALENDAR",
  "VERSION:2.0",
  "PRODID:-//lead-distribution//bookings//EN",
  "METHOD:PUBLISH",
  "BEGIN:VEVENT",
  "UID:booking-item-7@lead-distribution",
  "SEQUENCE:2",
  "DTSTAMP:20261203T100000Z",
  "DTSTART:20261210T120000Z",
  "DTEND:20261210T133000Z",
  "SUMMARY:Field A: Ivan Petrov\\, birthday",
  "STATUS:CONFIRMED",
  "END:VEVENT",
  "END:VCALENDAR",
  "",
].join("\r\n");

export const calendarIcsRoutes: FastifyPluginAsyncZod<{ calendarIcs: CalendarIcsService }> = async (
  app,
  { calendarIcs },
) => {
  app.get(
    "/calendar.ics",
    {
      config: { access: ACCESS.public },
      schema: {
        operationId: "getCalendarFeed",
        tags: ["calendar-feeds"],
        summary: "The bookings as an iCalendar feed (RFC 5545), for phones: ?token=<feed token>",
        description:
          "One VEVENT per booking item, times in UTC, UID booking-item-<id>@lead-distribution (stable: a move " +
          "keeps the item), SEQUENCE raised by every change, cancelled items (a cancelled booking, an item a " +
          "PATCH removed) kept with STATUS:CANCELLED so phones drop them; tentative ones STATUS:TENTATIVE. " +
          `Items ending after ${FEED_PAST_DAYS} days ago and starting before ${FEED_FUTURE_DAYS} days ahead. ` +
          "No API key: the feed's token in the URL (token=, POST /calendar/feeds) is the credential; a missing, " +
          "unknown or revoked one is the same 401, which tells nothing about any feed. A feed made for one " +
          "resource shows that one only (another resource_id is a 400). Parameters other than token and " +
          `resource_id are ignored. Apps are asked to poll every ${REFRESH_SECONDS / 60} minutes.`,
        security: [{ [FEED_TOKEN_SCHEME]: [] }],
        querystring: calendarIcsQuerySchema,
        response: {
          200: {
            description: "The feed, text/calendar in UTF-8",
            content: { "text/calendar": { schema: z.string().meta({ examples: [EXAMPLE] }) } },
          },
          401: problemResponse("The token is missing, unknown or revoked (code unauthorized)."),
          ...problemResponses(),
        },
      },
    },
    async (request, reply) => {
      // Lead names and notes: no browser, proxy or CDN keeps a copy (the API-key routes get this
      // from cache-control.ts; this route is public to it). Set first, so the 401 carries it too.
      reply.header("cache-control", "no-store");
      const { token } = request.query as { token?: unknown };
      const body = await calendarIcs.render(token, request.query.resource_id);
      return reply.type(ICS_CONTENT_TYPE).send(body);
    },
  );
};
