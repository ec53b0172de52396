// The bookings' contract (API.md "Bookings and calendar"): a lead's booking of one or more
// resources for periods of time (a field from 10:00 to 11:00 and a rest room after it).
import { z } from "zod";
import {
  bodyIdSchema,
  idSchema,
  queryIdSchema,
  timestampSchema,
  withoutNul,
} from "../../http/common.schemas.js";
import { withVisibleCharacter } from "../../http/visible-text.js";

export const BOOKING_STATUSES = ["tentative", "confirmed", "cancelled", "completed"] as const;
export const MAX_ITEMS = 20;
export const MIN_DURATION_MINUTES = 5;
export const MAX_DURATION_MINUTES = 1440;
/** The longest period GET /bookings and GET /calendar read at once. */
export const MAX_RANGE_DAYS = 366;

const status = z.enum(BOOKING_STATUSES);

/** A start with an explicit offset, on a whole minute: 10:00:30 is no time to book a game. */
const startsAt = timestampSchema
  .refine((value) => Date.parse(value) % 60_000 === 0, "must be on a whole minute (no seconds)")
  .describe("With an explicit offset (Z or +03:00), on a whole minute");

const durationMinutes = z
  .number()
  .int()
  .min(MIN_DURATION_MINUTES)
  .max(MAX_DURATION_MINUTES)
  .describe(`${MIN_DURATION_MINUTES}..${MAX_DURATION_MINUTES}`)
  .meta({ examples: [60] });

const itemInput = z.strictObject({
  resource_id: bodyIdSchema.describe("The resource booked: not archived, active"),
  starts_at: startsAt,
  duration_minutes: durationMinutes,
});

const items = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .min(1)
    .max(MAX_ITEMS)
    .describe(
      `1..${MAX_ITEMS} items, all booked or none; two items on one resource must not overlap (back to back is fine)`,
    );

const players = z.number().int().min(1).max(10_000).describe("How many people come");
const kind = withVisibleCharacter(withoutNul(z.string().trim().min(1).max(100)))
  .describe("Free text, 1..100 characters: the kind of event (birthday, corporate, ...)")
  .meta({ examples: ["birthday"] });
const extras = z
  .array(withVisibleCharacter(withoutNul(z.string().trim().min(1).max(100))))
  .max(50)
  .describe("Up to 50 short texts: gifts, decorations, food")
  .meta({ examples: [["cake", "balloons"]] });
const notes = withoutNul(z.string().max(5000)).describe("Up to 5000 characters");

export const bookingItemSchema = z.object({
  id: idSchema.describe("The item's id: stable across moves (the calendar feed's UID)"),
  resource_id: idSchema,
  resource_name: z.string(),
  starts_at: timestampSchema,
  ends_at: timestampSchema,
});

export const bookingSchema = z
  .object({
    id: idSchema,
    lead_id: idSchema,
    lead_name: z.string().nullable(),
    items: z.array(bookingItemSchema).describe("In start order"),
    players: z.number().int().nullable(),
    kind: z.string().nullable(),
    extras: z.array(z.string()),
    notes: z.string().nullable(),
    status,
    created_by: z.string().describe('The label of the API key that created it ("anonymous" in open mode)'),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: "Booking" });

export const createBookingBodySchema = z
  .strictObject({
    lead_id: bodyIdSchema.optional().describe("The lead (or lead_external_id, exactly one of them)"),
    lead_external_id: withoutNul(z.string().trim().min(1).max(255))
      .optional()
      .describe("The lead by its id in the bot or messenger (or lead_id)")
      .meta({ examples: ["tg_user_123"] }),
    items: items(itemInput),
    players: players.optional(),
    kind: kind.optional(),
    extras: extras.default([]),
    notes: notes.optional(),
    status: z.enum(["tentative", "confirmed"]).default("confirmed"),
  })
  .superRefine((body, ctx) => {
    if (body.lead_id !== undefined && body.lead_external_id !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["lead_external_id"],
        message: "send lead_id or lead_external_id, not both",
      });
    } else if (body.lead_id === undefined && body.lead_external_id === undefined) {
      ctx.addIssue({ code: "custom", path: ["lead_id"], message: "send lead_id or lead_external_id" });
    }
  })
  .meta({ id: "CreateBooking" });

const movedItemInput = itemInput.extend({
  id: bodyIdSchema
    .optional()
    .describe(
      "An item of this booking to move (keeps its id); without: the next item not named, else a new one",
    ),
});

export const updateBookingBodySchema = z
  .strictObject({
    items: items(movedItemInput)
      .refine(
        (list) => new Set(list.flatMap((item) => item.id ?? [])).size === list.filter((i) => i.id).length,
        {
          message: "names an item id twice",
        },
      )
      .optional()
      .describe(
        "The booking's items from now on (a move). Each item with an id moves that item; each without takes " +
          "the place of the next of the booking's items (in start order) that no id names, else is new; items " +
          "left over are removed. Re-checks conflicts and opening hours",
      ),
    players: players.nullable().optional(),
    kind: kind.nullable().optional(),
    extras: extras.optional().describe("Replaces the whole list"),
    notes: notes.nullable().optional(),
    status: status.optional().describe("cancelled frees the slots (final); completed is final too"),
  })
  .refine((update) => Object.keys(update).length > 0, {
    message: "send at least one of items, players, kind, extras, notes, status",
    when: (payload) => payload.issues.length === 0,
  })
  .meta({ id: "UpdateBooking" });

/** A period no longer than MAX_RANGE_DAYS, `to` after `from`; both fields named when it is not. */
function refineRange(fromMs: number, toMs: number, ctx: z.RefinementCtx, inclusive: boolean) {
  const days = (toMs - fromMs) / 86_400_000 + (inclusive ? 1 : 0);
  if (toMs < fromMs) {
    ctx.addIssue({ code: "custom", path: ["to"], message: "must not be before from" });
  } else if (days > MAX_RANGE_DAYS) {
    ctx.addIssue({
      code: "custom",
      path: ["to"],
      message: `must be at most ${MAX_RANGE_DAYS} days after from`,
    });
  }
}
const checkedWhenValid = { when: (payload: z.core.ParsePayload) => payload.issues.length === 0 };

export const listBookingsQuerySchema = z
  .strictObject({
    from: timestampSchema.describe("Bookings with an item ending after this time"),
    to: timestampSchema.describe(
      `Bookings with an item starting before this time; at most ${MAX_RANGE_DAYS} days after from`,
    ),
    resource_id: queryIdSchema
      .optional()
      .describe("Only bookings with an item of this resource in the period"),
    lead_id: queryIdSchema.optional().describe("Only this lead's bookings"),
    status: status.optional().describe("Only bookings in this status (default: every status)"),
  })
  .superRefine(
    (query, ctx) => refineRange(Date.parse(query.from), Date.parse(query.to), ctx, false),
    checkedWhenValid,
  );

/** A calendar date, "2026-03-29", that exists. */
export const dateSchema = z
  .string()
  .regex(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/, 'must be a date "YYYY-MM-DD"')
  .refine((value) => new Date(`${value}T00:00:00Z`).toISOString().startsWith(value), {
    message: "must be a date that exists",
    when: (payload) => payload.issues.length === 0,
  })
  .meta({ examples: ["2026-12-05"] });

export const calendarQuerySchema = z
  .strictObject({
    from: dateSchema.describe("The first day (in TIMEZONE)"),
    to: dateSchema.describe(`The last day, included; at most ${MAX_RANGE_DAYS} days in all`),
    resource_id: queryIdSchema.optional().describe("Only bookings with an item of this resource that day"),
  })
  .superRefine(
    (query, ctx) =>
      refineRange(Date.parse(`${query.from}T00:00:00Z`), Date.parse(`${query.to}T00:00:00Z`), ctx, true),
    checkedWhenValid,
  );

export const calendarSchema = z
  .array(
    z.object({
      date: z.string().describe("A day in TIMEZONE, YYYY-MM-DD"),
      bookings: z
        .array(bookingSchema)
        .describe("Bookings not cancelled with an item in that day, in start order"),
    }),
  )
  .meta({ id: "Calendar" });

export const availabilityQuerySchema = z.strictObject({
  date: dateSchema.describe("The day, in TIMEZONE"),
  duration_minutes: z
    .string()
    .regex(/^[0-9]{1,4}$/, "must be a whole number of minutes")
    .transform(Number)
    .pipe(z.number().int().min(MIN_DURATION_MINUTES).max(MAX_DURATION_MINUTES))
    .meta({ type: "integer", minimum: MIN_DURATION_MINUTES, maximum: MAX_DURATION_MINUTES })
    .describe("How long the booking would last; only free periods at least this long are listed"),
});

export const availabilitySchema = z
  .object({
    resource_id: idSchema,
    date: z.string(),
    free: z
      .array(z.object({ starts_at: timestampSchema, ends_at: timestampSchema }))
      .describe(
        "Free periods within opening hours, each at least duration_minutes long: any start from starts_at to ends_at minus the duration fits",
      ),
  })
  .meta({ id: "Availability" });

export type BookingDto = z.infer<typeof bookingSchema>;
export type BookingItemDto = z.infer<typeof bookingItemSchema>;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];
export type CreateBookingInput = z.infer<typeof createBookingBodySchema>;
export type UpdateBookingInput = z.infer<typeof updateBookingBodySchema>;
export type ItemInput = z.infer<typeof itemInput> & { id?: number | undefined };
export type ListBookingsQuery = z.infer<typeof listBookingsQuerySchema>;
export type CalendarQuery = z.infer<typeof calendarQuerySchema>;
export type CalendarDto = z.infer<typeof calendarSchema>;
export type AvailabilityQuery = z.infer<typeof availabilityQuerySchema>;
export type AvailabilityDto = z.infer<typeof availabilitySchema>;
