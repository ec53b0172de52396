import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { idParamsSchema } from "../../http/common.schemas.js";
import { problemResponses } from "../../http/problem.schema.js";
import { ACCESS } from "../auth/access.js";
import {
  availabilityQuerySchema,
  availabilitySchema,
  calendarQuerySchema,
  calendarSchema,
  MAX_RANGE_DAYS,
} from "./booking.schemas.js";
import type { CalendarService } from "./calendar.service.js";

export const calendarRoutes: FastifyPluginAsyncZod<{ calendar: CalendarService }> = async (
  app,
  { calendar },
) => {
  app.get(
    "/calendar",
    {
      config: { access: ACCESS.read },
      schema: {
        operationId: "getCalendar",
        tags: ["bookings"],
        summary: "Bookings per day",
        description:
          `Every day from from to to (both included, at most ${MAX_RANGE_DAYS}), days in TIMEZONE cut at local ` +
          "midnight (23 or 25 hours across a DST change), each with the bookings not cancelled that have an " +
          "item in it (a booking across midnight is on both days).",
        querystring: calendarQuerySchema,
        response: { 200: calendarSchema.describe("The days"), ...problemResponses() },
      },
    },
    async (request) => calendar.calendar(request.query),
  );

  app.get(
    "/resources/:id/availability",
    {
      config: { access: ACCESS.read },
      schema: {
        operationId: "getResourceAvailability",
        tags: ["bookings"],
        summary: "A resource's free periods on a date",
        description:
          "The periods within the date's opening hours (TIMEZONE) that no item not cancelled takes, each at " +
          "least duration_minutes long. An archived or inactive resource has none; an unknown one is a 404.",
        params: idParamsSchema,
        querystring: availabilityQuerySchema,
        response: { 200: availabilitySchema.describe("The free periods"), ...problemResponses(404) },
      },
    },
    async (request) => calendar.availability(request.params.id, request.query),
  );
};
