// The resources' contract (API.md "Bookings and calendar"): what gets booked, a playing field, a
// rest room, a table, with opening hours in TIMEZONE.
import { z } from "zod";
import { idSchema, queryBooleanSchema, timestampSchema, withoutNul } from "../../http/common.schemas.js";
import { withVisibleCharacter } from "../../http/visible-text.js";
import { minutesOf, WEEKDAYS } from "./opening-hours.js";

const name = withVisibleCharacter(withoutNul(z.string().trim().min(1).max(200)))
  .describe("1..200 characters, unique regardless of case among resources not archived")
  .meta({ examples: ["Field 1"] });
const kind = withoutNul(z.string().trim().min(1).max(100))
  .describe("Free text, 1..100 characters: field, rest_room, table, ...")
  .meta({ examples: ["field"] });
const capacity = z.number().int().min(1).max(100_000).describe("How many people it holds");

const time = z.string().regex(/^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$/, 'must be "HH:MM", 00:00..24:00');
const openPeriod = z
  .tuple([time, time])
  .refine(([open, close]) => open !== "24:00" && minutesOf(open) < minutesOf(close), {
    message: "must open before it closes, within one day (close at 24:00 for midnight)",
    when: (payload) => payload.issues.length === 0,
  })
  .describe('["open", "close"] in TIMEZONE, e.g. ["10:00", "22:00"]');

const ORDERED_DAYS = [...WEEKDAYS.slice(1), WEEKDAYS[0]] as const;
const openingHoursShape = Object.fromEntries(ORDERED_DAYS.map((day) => [day, openPeriod.optional()])) as {
  [Day in (typeof WEEKDAYS)[number]]: z.ZodOptional<typeof openPeriod>;
};

export const openingHoursSchema = z
  .strictObject(openingHoursShape)
  .describe("Per weekday, in TIMEZONE; a day left out is closed. null: always open")
  .meta({ id: "OpeningHours", examples: [{ mon: ["10:00", "22:00"], sat: ["09:00", "24:00"] }] });

export const resourceSchema = z
  .object({
    id: idSchema,
    name: z.string(),
    kind: z.string().nullable(),
    capacity: z.number().int().nullable(),
    opening_hours: openingHoursSchema.nullable(),
    is_active: z.boolean().describe("false: takes no new bookings nor moves onto it; its bookings stay"),
    created_at: timestampSchema,
    updated_at: timestampSchema,
    archived_at: timestampSchema
      .nullable()
      .describe("When DELETE archived it: out of the default list, still readable, takes no bookings"),
  })
  .meta({ id: "Resource" });

export const createResourceBodySchema = z
  .strictObject({
    name,
    kind: kind.optional(),
    capacity: capacity.optional(),
    opening_hours: openingHoursSchema.nullable().optional().describe("Default null: always open"),
    is_active: z.boolean().default(true),
  })
  .meta({ id: "CreateResource" });

export const updateResourceBodySchema = z
  .strictObject({
    name: name.optional(),
    kind: kind.nullable().optional(),
    capacity: capacity.nullable().optional(),
    opening_hours: openingHoursSchema
      .nullable()
      .optional()
      .describe("Replaces the whole week; null: always open. Bookings already made stay"),
    is_active: z.boolean().optional(),
  })
  .refine((update) => Object.keys(update).length > 0, {
    message: "send at least one of name, kind, capacity, opening_hours, is_active",
    when: (payload) => payload.issues.length === 0,
  })
  .meta({ id: "UpdateResource" });

export const listResourcesQuerySchema = z.strictObject({
  kind: withoutNul(z.string().trim().min(1).max(100)).optional().describe("Only this kind (exact)"),
  include_archived: queryBooleanSchema.optional().describe("Also list archived ones (default false)"),
});

export type ResourceDto = z.infer<typeof resourceSchema>;
export type OpeningHoursDto = z.infer<typeof openingHoursSchema>;
export type CreateResourceInput = z.infer<typeof createResourceBodySchema>;
export type UpdateResourceInput = z.infer<typeof updateResourceBodySchema>;
export type ListResourcesQuery = z.infer<typeof listResourcesQuerySchema>;
