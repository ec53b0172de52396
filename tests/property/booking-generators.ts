// The contract of the resources' and bookings' write routes, and of their lists, as fast-check
// generators. A valid booking takes a slot no other generated booking takes (a fresh one each
// time, three hours apart on an always-open resource), so it is always a 201; near misses aim at
// taken slots (409), closed hours (422), archived and unknown resources, bad times and durations.
import fc from "fast-check";
import { hasVisibleCharacter } from "../../src/http/visible-text.js";
import {
  hostileBody as hostile,
  jsonBody,
  MAX_INT4,
  nearlyValidObject,
  uniqueName,
  validText,
} from "./arbitraries.js";
import type { ListRoute, WriteRoute } from "./route-generators.js";
import { noBodyOrEmptyJson, noBodyOrJunk, pathId, pathIdSparing } from "./route-parts.js";

/** The rows the bookings' generators aim at, created by the test through the API. */
export type BookingFixture = {
  /** Always open, never changed: every valid booking's items go here. */
  bookableResourceId: number;
  /** Open on Mondays 10:00 to 11:00 only: most items of near misses are outside (422). */
  narrowResourceId: number;
  archivedResourceId: number;
  /** Resources the PATCHes change (never the bookable one, whose hours the bookings need). */
  resourceIds: number[];
  /** Resources the valid DELETEs archive. */
  archivableResourceIds: number[];
  /** Bookings the PATCHes move; never cancelled nor completed (the generators send neither). */
  bookingIds: number[];
  /** A slot of bookingIds[0]'s item on the bookable resource: near misses that take it are 409s. */
  takenStartsAt: string;
};

type Fixture = BookingFixture & { leadIds: number[]; leadExternalIds: string[] };

const visibleText = (maxLength: number) => validText(maxLength, true).filter(hasVisibleCharacter);
const anyId = (ids: () => readonly number[]) =>
  fc.oneof(fc.constantFrom(...ids()), fc.integer({ min: 1, max: MAX_INT4 }));

// ------------------------------------------------------------------ resources

const resourceKeys = ["name", "kind", "capacity", "opening_hours", "is_active"] as const;
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
/** An open period within a day: open 00:00..23:59, close after it, up to 24:00. */
const openPeriod = fc
  .tuple(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 1, max: 1440 }))
  .filter(([open, close]) => open < close)
  .map(([open, close]) => [hhmm(open), hhmm(close)]);
const openingHours = fc.record(Object.fromEntries(DAYS.map((day) => [day, openPeriod])), {
  requiredKeys: [],
});
const resourceFields = () => ({
  name: uniqueName().filter(hasVisibleCharacter),
  kind: visibleText(100),
  capacity: fc.integer({ min: 1, max: 100_000 }),
  opening_hours: fc.option(openingHours, { nil: null }),
  is_active: fc.boolean(),
});
const validResource = () => fc.record(resourceFields(), { requiredKeys: ["name"] });
const validResourcePatch = () =>
  fc
    .record(
      {
        ...resourceFields(),
        kind: fc.option(visibleText(100), { nil: null }),
        capacity: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: null }),
      },
      { requiredKeys: [] },
    )
    .filter((body) => Object.keys(body).length > 0);
/** Near misses: reversed and malformed hours, unknown days, capacity 0, blank names. */
const resourceNearMiss = () =>
  nearlyValidObject({
    ...resourceFields(),
    name: fc.oneof(uniqueName(), fc.constantFrom("", "  ", "\u200b", "n".repeat(201))),
    capacity: fc.oneof(fc.integer({ min: 1, max: 100_000 }), fc.constantFrom(0, -1, 1.5, 100_001)),
    opening_hours: fc.oneof(
      openingHours,
      fc.constantFrom(
        { mon: ["22:00", "10:00"] },
        { tue: ["10:00", "10:00"] },
        { wed: ["24:00", "24:00"] },
        { thu: ["9:00", "18:00"] },
        { fri: ["10:00", "24:01"] },
        { sat: ["10:00"] },
        { monday: ["10:00", "22:00"] },
        [],
      ),
    ),
  });

// ------------------------------------------------------------------ bookings

const bookingKeys = [
  "lead_id",
  "lead_external_id",
  "items",
  "players",
  "kind",
  "extras",
  "notes",
  "status",
] as const;

/** Three hours apart from 2031 on, one per valid item: no two generated valid items ever overlap. */
let slotCounter = 0;
const FIRST_SLOT = Date.parse("2031-01-01T00:00:00Z");
/** The same instant written in UTC or with an offset (a whole number of minutes, as bots send). */
const written = fc.constantFrom(0, 180, -300, 330).map((offsetMinutes) => (instant: number) => {
  if (offsetMinutes === 0) return new Date(instant).toISOString();
  const local = new Date(instant + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const sign = offsetMinutes < 0 ? "-" : "+";
  return `${local}${sign}${hhmm(Math.abs(offsetMinutes))}`;
});
const freshStart = written.map((write) => {
  slotCounter += 1;
  return write(FIRST_SLOT + slotCounter * 3 * 3_600_000);
});
const validItem = (fixture: Fixture) =>
  fc.record({
    resource_id: fc.constant(fixture.bookableResourceId),
    starts_at: freshStart,
    duration_minutes: fc.integer({ min: 5, max: 180 }),
  });
const bookingFields = (fixture: Fixture) => ({
  items: fc.array(validItem(fixture), { minLength: 1, maxLength: 3 }),
  players: fc.integer({ min: 1, max: 10_000 }),
  kind: visibleText(100),
  extras: fc.array(visibleText(100), { maxLength: 5 }),
  notes: validText(5000),
  status: fc.constantFrom("tentative", "confirmed"),
});
const validBooking = (fixture: Fixture) =>
  fc
    .tuple(
      fc.record(bookingFields(fixture), { requiredKeys: ["items"] }),
      fc.nat({ max: fixture.leadIds.length - 1 }),
      fc.boolean(),
    )
    .map(([body, index, byExternalId]) => ({
      ...body,
      ...(byExternalId
        ? { lead_external_id: fixture.leadExternalIds[index] }
        : { lead_id: fixture.leadIds[index] }),
    }));
const validBookingPatch = (fixture: Fixture) =>
  fc
    .record(
      {
        ...bookingFields(fixture),
        players: fc.option(fc.integer({ min: 1, max: 10_000 }), { nil: null }),
        kind: fc.option(visibleText(100), { nil: null }),
        notes: fc.option(validText(5000), { nil: null }),
      },
      { requiredKeys: [] },
    )
    .filter((body) => Object.keys(body).length > 0);

/** Items that are each wrong in one way, beside valid ones. */
const itemNearMiss = (fixture: Fixture) =>
  nearlyValidObject({
    resource_id: anyId(() => [
      fixture.bookableResourceId,
      fixture.narrowResourceId,
      fixture.archivedResourceId,
    ]),
    starts_at: fc.oneof(
      freshStart,
      fc.constant(fixture.takenStartsAt),
      fc.constantFrom(
        "2031-06-02T10:00:00",
        "2031-06-02T10:00:30Z",
        "2031-06-02",
        "",
        "2031-13-01T10:00:00Z",
      ),
    ),
    duration_minutes: fc.oneof(fc.integer({ min: 5, max: 1440 }), fc.constantFrom(0, 4, 1441, 30.5, -60)),
  });
const itemsNearMiss = (fixture: Fixture) =>
  fc.oneof(
    fc.array(fc.oneof(validItem(fixture), itemNearMiss(fixture)), { maxLength: 4 }),
    // Two items of one resource at once: a 400 however valid each is.
    freshStart.map((start) => [
      { resource_id: fixture.bookableResourceId, starts_at: start, duration_minutes: 60 },
      { resource_id: fixture.bookableResourceId, starts_at: start, duration_minutes: 30 },
    ]),
    fc.constant(Array.from({ length: 21 }, () => ({ resource_id: 1, starts_at: "x", duration_minutes: 5 }))),
  );
const bookingNearMiss = (fixture: Fixture) =>
  nearlyValidObject({
    ...bookingFields(fixture),
    lead_id: anyId(() => fixture.leadIds),
    lead_external_id: fc.oneof(fc.constantFrom(...fixture.leadExternalIds), uniqueName(255)),
    items: itemsNearMiss(fixture),
    kind: fc.oneof(visibleText(100), fc.constantFrom("", " ", "k".repeat(101))),
    extras: fc.oneof(
      fc.array(visibleText(100), { maxLength: 5 }),
      fc.constant([""]),
      fc.constant(Array(51).fill("x")),
    ),
    // Never cancelled nor completed: those are final, and the valid PATCHes need the bookings open.
    status: fc.constantFrom("tentative", "confirmed", "canceled", "done", ""),
  });

export const bookingRouteNames = [
  "POST /resources",
  "PATCH /resources/{id}",
  "POST /bookings",
  "PATCH /bookings/{id}",
  "DELETE /resources/{id}",
] as const;

export function bookingWriteRoutes(fixture: Fixture): WriteRoute[] {
  const objectShape = (keys: readonly string[], ids: boolean) => ({
    body: "object" as const,
    bodyKeys: keys,
    params: ids ? ["id"] : [],
    queryKeys: [],
    headerKeys: [],
  });
  const spared = () => [fixture.bookableResourceId, fixture.narrowResourceId, ...fixture.resourceIds];
  return [
    {
      name: "POST /resources",
      method: "POST",
      shape: objectShape(resourceKeys, false),
      url: fc.constant("/resources"),
      validUrl: fc.constant("/resources"),
      body: hostile(resourceKeys, resourceNearMiss(), validResource()),
      validBody: validResource().map(jsonBody),
    },
    {
      name: "PATCH /resources/{id}",
      method: "PATCH",
      shape: objectShape(resourceKeys, true),
      // Never the resources the bookings take: a near miss that happens to be valid would change their hours.
      url: pathIdSparing(
        () => [...fixture.resourceIds, fixture.archivedResourceId],
        () => [fixture.bookableResourceId, fixture.narrowResourceId],
      ).map((id) => `/resources/${id}`),
      validUrl: fc.constantFrom(...fixture.resourceIds).map((id) => `/resources/${id}`),
      body: hostile(resourceKeys, resourceNearMiss(), validResourcePatch()),
      validBody: validResourcePatch().map(jsonBody),
    },
    {
      name: "DELETE /resources/{id}",
      method: "DELETE",
      shape: { body: "none", bodyKeys: [], params: ["id"], queryKeys: [], headerKeys: [] },
      url: pathIdSparing(() => fixture.archivableResourceIds, spared).map((id) => `/resources/${id}`),
      validUrl: fc.constantFrom(...fixture.archivableResourceIds).map((id) => `/resources/${id}`),
      body: noBodyOrJunk,
      validBody: noBodyOrEmptyJson,
    },
    {
      name: "POST /bookings",
      method: "POST",
      shape: objectShape(bookingKeys, false),
      url: fc.constant("/bookings"),
      validUrl: fc.constant("/bookings"),
      body: hostile(bookingKeys, bookingNearMiss(fixture), validBooking(fixture)),
      validBody: validBooking(fixture).map(jsonBody),
    },
    {
      name: "PATCH /bookings/{id}",
      method: "PATCH",
      shape: objectShape(bookingKeys, true),
      url: pathId(() => fixture.bookingIds).map((id) => `/bookings/${id}`),
      validUrl: fc.constantFrom(...fixture.bookingIds).map((id) => `/bookings/${id}`),
      body: hostile(bookingKeys, bookingNearMiss(fixture), validBookingPatch(fixture)),
      validBody: validBookingPatch(fixture).map(jsonBody),
    },
  ];
}

const intString = (min: number, max: number) => fc.integer({ min, max }).map(String);
const idOrUnknown = (ids: () => readonly number[]) =>
  fc.oneof(fc.constantFrom(...ids()).map(String), intString(1, MAX_INT4));

/** Valid periods: every from before every to, at most 366 days apart. */
export const bookingListRoutes: ListRoute[] = [
  {
    path: "/resources",
    fields: () => ({ kind: validText(100, true), include_archived: fc.constantFrom("true", "false") }),
  },
  {
    path: "/bookings",
    requiredKeys: ["from", "to"],
    fields: (fixture) => ({
      from: fc.constantFrom("2031-01-01T00:00:00Z", "2031-01-01T03:00:00+03:00"),
      to: fc.constantFrom("2031-06-01T00:00:00.000Z", "2031-12-31T00:00:00+01:00"),
      resource_id: idOrUnknown(() => [fixture.bookableResourceId]),
      lead_id: idOrUnknown(() => fixture.leadIds),
      status: fc.constantFrom("tentative", "confirmed", "cancelled", "completed"),
    }),
  },
  {
    path: "/calendar",
    requiredKeys: ["from", "to"],
    fields: (fixture) => ({
      from: fc.constantFrom("2031-01-01", "2031-02-28"),
      to: fc.constantFrom("2031-03-01", "2031-12-31"),
      resource_id: idOrUnknown(() => [fixture.bookableResourceId]),
    }),
  },
];
