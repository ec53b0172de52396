import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { idParamsSchema } from "../../http/common.schemas.js";
import { problemResponse, problemResponses } from "../../http/problem.schema.js";
import { ACCESS } from "../auth/access.js";
import { actorOf } from "../auth/principal.js";
import {
  bookingSchema,
  createBookingBodySchema,
  listBookingsQuerySchema,
  MAX_RANGE_DAYS,
  updateBookingBodySchema,
} from "./booking.schemas.js";
import type { BookingService } from "./booking.service.js";

const conflict = problemResponse(
  "booking_conflict: an item overlaps an item not cancelled of another booking on the same resource " +
    "(errors name the item, items.N, and the booking); booking_cancelled, booking_completed: the booking is final.",
);
const outsideHours = problemResponse(
  "outside_opening_hours: an item is not within its resource's opening hours in TIMEZONE.",
);

export const bookingRoutes: FastifyPluginAsyncZod<{ bookings: BookingService }> = async (
  app,
  { bookings },
) => {
  app.post(
    "/bookings",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "createBooking",
        tags: ["bookings"],
        summary: "Book resources for a lead (a game and a rest room after it)",
        description:
          "All items or none, in one transaction. No two items not cancelled of one resource overlap: PostgreSQL " +
          "itself refuses it (an exclusion constraint), so concurrent requests for one slot get one 201 and 409 " +
          "booking_conflict for the rest, naming the booking they collide with. Back-to-back items do not " +
          "overlap. Items of one request overlapping each other on one resource: 400. An unknown lead or " +
          "resource: 404 naming the field; an archived or inactive resource: 400; outside opening hours " +
          "(TIMEZONE): 422. Records booking.created; booking.reminder follows " +
          "BOOKING_REMINDER_BEFORE_MINUTES before the first item starts.",
        body: createBookingBodySchema,
        response: {
          201: bookingSchema.describe("The booking made"),
          ...problemResponses(404),
          409: conflict,
          422: outsideHours,
        },
      },
    },
    async (request, reply) => reply.code(201).send(await bookings.create(request.body, actorOf(request))),
  );

  app.get(
    "/bookings",
    {
      config: { access: ACCESS.read },
      schema: {
        operationId: "listBookings",
        tags: ["bookings"],
        summary: "List the bookings of a period",
        description:
          `Bookings with an item overlapping [from, to), at most ${MAX_RANGE_DAYS} days, in order of their first ` +
          "item's start. Every status unless status says which; not paginated: the period bounds the list.",
        querystring: listBookingsQuerySchema,
        response: { 200: z.array(bookingSchema).describe("The bookings"), ...problemResponses() },
      },
    },
    async (request) => bookings.list(request.query),
  );

  app.get(
    "/bookings/:id",
    {
      config: { access: ACCESS.read },
      schema: {
        operationId: "getBooking",
        tags: ["bookings"],
        summary: "Get a booking",
        params: idParamsSchema,
        response: { 200: bookingSchema.describe("The booking"), ...problemResponses(404) },
      },
    },
    async (request) => bookings.get(request.params.id),
  );

  app.patch(
    "/bookings/:id",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "updateBooking",
        tags: ["bookings"],
        summary: "Change, move, cancel or complete a booking",
        description:
          "items moves the booking: the items that change are checked again (resources, opening hours, " +
          "conflicts with other bookings: 409 booking_conflict), all or none. status cancelled frees every " +
          "slot; cancelled and completed are final (409 booking_cancelled, booking_completed). Every change " +
          "raises the items' calendar SEQUENCE. Records booking.cancelled when it cancels, else booking.updated.",
        params: idParamsSchema,
        body: updateBookingBodySchema,
        response: {
          200: bookingSchema.describe("The booking as changed"),
          ...problemResponses(404),
          409: conflict,
          422: outsideHours,
        },
      },
    },
    async (request) => bookings.update(request.params.id, request.body, actorOf(request)),
  );

  app.get(
    "/leads/:id/bookings",
    {
      config: { access: ACCESS.read },
      schema: {
        operationId: "listLeadBookings",
        tags: ["bookings"],
        summary: "A lead's bookings",
        description: "Every status, in order of their first item's start. An unknown lead is a 404.",
        params: idParamsSchema,
        response: { 200: z.array(bookingSchema).describe("The lead's bookings"), ...problemResponses(404) },
      },
    },
    async (request) => bookings.listForLead(request.params.id),
  );
};
