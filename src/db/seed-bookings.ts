// npm run db:seed: the club. Three fields and two rest rooms, open 10:00-22:00 in TIMEZONE, and a
// week of bookings from the seed's first day: games of an hour or an hour and a half, most with a
// rest room straight after (one booking, two items back to back), some tentative, one cancelled.
// Through ResourceService and BookingService (and their request schemas), so the same rules hold
// as over HTTP: opening hours, and no double booking (the seed keeps its own plan free of
// overlaps, so every booking goes through). Reproducible: faker is seeded by the caller.
import { faker } from "@faker-js/faker";
import { addDays, instantOf } from "../core/time-zone.js";
import type { Deps } from "../deps.js";
import { createBookingBodySchema, updateBookingBodySchema } from "../modules/bookings/booking.schemas.js";
import { listLeadsQuerySchema } from "../modules/leads/lead.schemas.js";
import { createResourceBodySchema } from "../modules/resources/resource.schemas.js";

export type BookingTally = {
  resources: number;
  bookings: number;
  withRestRoom: number;
  tentative: number;
  cancelled: number;
};

const ACTOR = "seed";
const DAYS = 7;
const EVERY_DAY = Object.fromEntries(
  ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((day) => [day, ["10:00", "22:00"]]),
);
const FIELDS = ["Field 1", "Field 2", "Field 3"];
const REST_ROOMS = ["Rest room Blue", "Rest room Green"];
/**
 * When games may start (local minutes from midnight): two hours apart at most 90 minutes long, so
 * one field's games never overlap (18:00 and 19:30 back to back), and the last one with its rest
 * room ends by 22:00, when everything closes.
 */
const GAME_STARTS = [10 * 60, 12 * 60, 14 * 60, 16 * 60, 18 * 60, 19 * 60 + 30];
const REST_MINUTES = 60;
const KINDS = ["birthday", "corporate", "friends", "tournament", "graduation"];
const EXTRAS = ["cake", "balloons", "pizza", "photographer", "trophies", "decorations"];

type Period = { start: number; end: number };

export async function seedBookings(
  deps: Deps,
  { timeZone, firstDay }: { timeZone: string; firstDay: string },
): Promise<BookingTally> {
  const resource = async (name: string, kind: string, capacity: number) =>
    (
      await deps.resources.create(
        createResourceBodySchema.parse({ name, kind, capacity, opening_hours: EVERY_DAY }),
        ACTOR,
      )
    ).id;
  const fields: number[] = [];
  for (const name of FIELDS) fields.push(await resource(name, "field", 20));
  const restRooms: number[] = [];
  for (const name of REST_ROOMS) restRooms.push(await resource(name, "rest_room", 15));
  const restTaken = new Map<number, Period[]>(restRooms.map((id) => [id, []]));

  const leads = (await deps.leads.list(listLeadsQuerySchema.parse({ limit: "500" }))).items.filter(
    (lead) => lead.name !== null,
  );
  const tally: BookingTally = {
    resources: fields.length + restRooms.length,
    bookings: 0,
    withRestRoom: 0,
    tentative: 0,
    cancelled: 0,
  };
  const made: number[] = [];
  for (let day = 0; day < DAYS; day++) {
    const date = addDays(firstDay, day);
    // Six to nine games a day, on the day's slots of any field, laid out in start order.
    const slots = GAME_STARTS.flatMap((minutes) => fields.map((field) => ({ field, minutes })));
    const games = faker.helpers.arrayElements(slots, faker.number.int({ min: 6, max: 9 }));
    games.sort((a, b) => a.minutes - b.minutes || a.field - b.field);
    for (const { field, minutes } of games) {
      const start = instantOf(date, minutes, timeZone);
      const duration = faker.helpers.arrayElement([60, 90]);
      const end = start.getTime() + duration * 60_000;
      const items = [{ resource_id: field, starts_at: start.toISOString(), duration_minutes: duration }];
      // A rest room straight after the game, one that is free then (the seed's own plan).
      const rest = { start: end, end: end + REST_MINUTES * 60_000 };
      const free = restRooms.filter(
        (id) => !restTaken.get(id)?.some((taken) => taken.start < rest.end && taken.end > rest.start),
      );
      const room =
        free.length > 0 && faker.datatype.boolean(0.6) ? faker.helpers.arrayElement(free) : undefined;
      if (room !== undefined) {
        restTaken.get(room)?.push(rest);
        items.push({
          resource_id: room,
          starts_at: new Date(rest.start).toISOString(),
          duration_minutes: REST_MINUTES,
        });
      }
      const tentative = faker.datatype.boolean(0.2);
      const booking = await deps.bookings.create(
        createBookingBodySchema.parse({
          lead_id: faker.helpers.arrayElement(leads).id,
          items,
          players: faker.number.int({ min: 4, max: 20 }),
          kind: faker.helpers.arrayElement(KINDS),
          extras: faker.helpers.arrayElements(EXTRAS, { min: 0, max: 2 }),
          status: tentative ? "tentative" : "confirmed",
        }),
        ACTOR,
      );
      made.push(booking.id);
      tally.bookings += 1;
      if (room !== undefined) tally.withRestRoom += 1;
      if (tentative) tally.tentative += 1;
    }
  }
  // One called off: it stays, cancelled, and frees its slots (the feed shows it STATUS:CANCELLED).
  const called = made[Math.floor(made.length / 3)];
  if (called !== undefined) {
    const booking = await deps.bookings.get(called);
    await deps.bookings.update(called, updateBookingBodySchema.parse({ status: "cancelled" }), ACTOR);
    tally.cancelled += 1;
    if (booking.status === "tentative") tally.tentative -= 1;
  }
  return tally;
}
