// The calendar feeds' contract (API.md "Bookings and calendar"): feed tokens created, listed and
// revoked by admins, and GET /calendar.ics, which a phone's calendar app polls with the token.
import { z } from "zod";
import {
  bodyIdSchema,
  idSchema,
  queryIdSchema,
  timestampSchema,
  withoutNul,
} from "../../http/common.schemas.js";
import { withVisibleCharacter } from "../../http/visible-text.js";

const label = withVisibleCharacter(withoutNul(z.string().trim().min(1).max(200)))
  .describe("Whose calendar it is, 1..200 characters: the manager's phone, the front desk")
  .meta({ examples: ["Front desk iPad"] });
const resourceId = bodyIdSchema.describe("Only this resource's bookings; omitted or null: every resource");

export const createCalendarFeedBodySchema = z
  .strictObject({
    label: label.nullable().optional(),
    resource_id: resourceId.nullable().optional(),
  })
  .meta({ id: "CreateCalendarFeed" });

const feedFields = {
  id: idSchema,
  label: z.string().nullable(),
  resource_id: idSchema.nullable().describe("The resource the feed shows alone; null: every resource"),
  created_at: timestampSchema,
};

export const calendarFeedSchema = z
  .object({
    ...feedFields,
    revoked_at: timestampSchema.nullable().describe("Since then its URL answers 401; null: active"),
  })
  .meta({ id: "CalendarFeed" });

export const calendarFeedCreatedSchema = z
  .object({
    id: feedFields.id,
    url: z
      .string()
      .describe(
        "The feed's address, token included, to subscribe to in a calendar app (webcal:// works too): shown this once",
      )
      .meta({ examples: ["http://127.0.0.1:3000/calendar.ics?token=lcf_QW7c1pN0x2..."] }),
    token: z.string().describe("The token, shown this once: only its SHA-256 is stored"),
    label: feedFields.label,
    resource_id: feedFields.resource_id,
    created_at: feedFields.created_at,
  })
  .meta({ id: "CalendarFeedCreated" });

/**
 * GET /calendar.ics's query. The token is not a field here: it is the route's security scheme
 * (calendarFeedToken, `token` in the query), checked by the service, so a missing one is a 401
 * like a wrong one. Other parameters are ignored rather than refused: a calendar app that adds
 * one of its own would otherwise lose the subscription to a 400 nobody sees.
 */
export const calendarIcsQuerySchema = z.looseObject({
  resource_id: queryIdSchema
    .optional()
    .describe("Only this resource's bookings (a feed made for one resource shows that one only)"),
});

export type CreateCalendarFeedInput = z.infer<typeof createCalendarFeedBodySchema>;
export type CalendarFeedDto = z.infer<typeof calendarFeedSchema>;
export type CalendarFeedCreatedDto = z.infer<typeof calendarFeedCreatedSchema>;
