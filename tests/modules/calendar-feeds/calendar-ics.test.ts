// GET /calendar.ics read back by an independent parser (ical.js), as a phone reads it: every item
// of the window with its UTC times whatever TIMEZONE is, a stable UID per item, SEQUENCE raised by
// a move, cancelled items (a cancelled booking, an item a PATCH removed) kept as STATUS:CANCELLED,
// a feed of one resource showing that one only, and the window's exact bounds.
import { beforeAll, describe, expect, it } from "vitest";
import { query } from "../../helpers/sql.js";
import { useTestApp } from "../../helpers/test-app.js";
import { expectValidationError } from "../../http/problem-assertions.js";
import {
  type Booking,
  createBooking,
  createLead,
  createResource,
  item,
  patchBooking,
  type Resource,
} from "../bookings/booking-fixtures.js";
import { createFeed, getIcs, type ParsedEvent, parseIcs } from "./feed-fixtures.js";

const NOW = new Date("2026-12-03T10:00:00.000Z");
// Opening hours in Moscow (UTC+3 all year): the feed must still write UTC, never local clock time.
const t = useTestApp({ clock: { now: () => NOW }, timeZone: "Europe/Moscow" });

const DAILY = Object.fromEntries(
  ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, ["10:00", "22:00"]]),
);

const r = {} as Record<"fieldA" | "restA" | "fieldB" | "always", Resource>;
const b = {} as Record<"game" | "tentative" | "cancelled" | "moved" | "edges", Booking>;
let feedToken = "";
let movedBefore: ParsedEvent[] = [];

const uid = (itemId: number) => `booking-item-${itemId}@lead-distribution`;
const itemOf = (booking: Booking, index: number) => {
  const found = booking.items[index];
  if (!found) throw new Error(`booking ${booking.id} has no item ${index}`);
  return found;
};
/** The rows as stored: the SEQUENCE and the last change the feed must show. */
const stored = async (itemId: number) =>
  (
    await query<{ sequence: number; updated_at: Date }>(
      t.testDatabase.url,
      "SELECT sequence, updated_at FROM booking_items WHERE id = $1",
      [itemId],
    )
  )[0];

async function feed(query: string) {
  const response = await getIcs(t.app, query);
  expect(response.statusCode, response.body).toBe(200);
  return { response, calendar: parseIcs(response.body) };
}

beforeAll(async () => {
  await t.deps.jobs.start();
  r.fieldA = await createResource(t.app, { name: "Field A", kind: "field", opening_hours: DAILY });
  r.restA = await createResource(t.app, { name: "Rest room A", kind: "rest_room", opening_hours: DAILY });
  r.fieldB = await createResource(t.app, { name: "Field B", kind: "field", opening_hours: DAILY });
  r.always = await createResource(t.app, { name: "Always open" });
  const ivan = await createLead(t.app, "Ivan Petrov");
  const nameless = await createLead(t.app);

  b.game = await createBooking(t.app, {
    lead_id: ivan.id,
    items: [item(r.fieldA.id, "2026-12-10T15:00:00+03:00", 90), item(r.restA.id, "2026-12-10T13:30:00Z", 60)],
    players: 12,
    kind: "birthday",
    extras: ["cake", "balloons"],
    notes: "Bring the big ball",
  });
  b.tentative = await createBooking(t.app, {
    lead_id: nameless.id,
    items: [item(r.fieldB.id, "2026-12-11T10:00:00Z")],
    kind: "corporate",
    status: "tentative",
  });
  b.cancelled = await createBooking(t.app, {
    lead_id: ivan.id,
    items: [item(r.fieldA.id, "2026-12-12T10:00:00Z")],
  });
  b.moved = await createBooking(t.app, {
    lead_id: ivan.id,
    items: [item(r.fieldA.id, "2026-12-13T10:00:00Z"), item(r.restA.id, "2026-12-13T11:00:00Z")],
  });
  // The window is [NOW - 90 days, NOW + 366 days) = [2026-09-04T10:00Z, 2027-12-04T10:00Z): an item
  // ending at its start and one starting at its end are out, a minute inside each is in.
  b.edges = await createBooking(t.app, {
    lead_id: ivan.id,
    items: [
      item(r.always.id, "2026-09-04T09:00:00Z", 60),
      item(r.always.id, "2026-09-04T10:01:00Z", 60),
      item(r.always.id, "2027-12-04T09:59:00Z", 60),
      item(r.always.id, "2027-12-04T11:00:00Z", 60),
    ],
  });
  feedToken = (await createFeed(t.app, { label: "Front desk" })).token;
  movedBefore = (await feed(`?token=${feedToken}`)).calendar.events;

  expect((await patchBooking(t.app, b.cancelled.id, { status: "cancelled" })).statusCode).toBe(200);
  // The field item moves to the next day (same id); the rest room item, not named, is removed.
  const moved = await patchBooking(t.app, b.moved.id, {
    items: [{ id: itemOf(b.moved, 0).id, ...item(r.fieldA.id, "2026-12-14T16:00:00Z") }],
  });
  expect(moved.statusCode, moved.body).toBe(200);
});

describe("GET /calendar.ics", () => {
  it("is text/calendar in UTF-8, never stored by a cache, with CRLF lines folded at 75 octets", async () => {
    const { response } = await feed(`?token=${feedToken}`);
    expect(response.headers["content-type"]).toBe("text/calendar; charset=utf-8");
    expect(response.headers["cache-control"]).toBe("no-store");
    expect(response.body.startsWith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")).toBe(true);
    expect(response.body.endsWith("END:VCALENDAR")).toBe(true);
    const lines = response.body.split("\r\n");
    expect(lines.filter((line) => line.includes("\n"))).toEqual([]);
    expect(lines.filter((line) => Buffer.byteLength(line) > 75)).toEqual([]);
    // No time zone anywhere: every time is UTC, so nothing depends on how an app reads a zone.
    expect(response.body).not.toMatch(/VTIMEZONE|TZID|X-WR-TIMEZONE/);
    expect(response.body).toContain(`DTSTART:20261210T120000Z\r\nDTEND:20261210T133000Z`);
  });

  it("holds every item of the window, in UTC, as the bookings have them; moved and cancelled ones as they are now", async () => {
    const { calendar } = await feed(`?token=${feedToken}`);
    expect(calendar.name).toBe("Bookings");
    expect(calendar.method).toBe("PUBLISH");
    const game = itemOf(b.game, 0);
    const rest = itemOf(b.game, 1);
    const brief = calendar.events.map(({ uid, start, end, zone, status, summary, location, sequence }) => ({
      uid,
      start,
      end,
      zone,
      status,
      summary,
      location,
      sequence,
    }));
    expect(brief).toEqual([
      {
        uid: uid(itemOf(b.edges, 1).id),
        start: "2026-09-04T10:01:00.000Z",
        end: "2026-09-04T11:01:00.000Z",
        zone: "UTC",
        status: "CONFIRMED",
        summary: "Always open: Ivan Petrov",
        location: "Always open",
        sequence: 0,
      },
      {
        uid: uid(game.id),
        start: "2026-12-10T12:00:00.000Z",
        end: "2026-12-10T13:30:00.000Z",
        zone: "UTC",
        status: "CONFIRMED",
        summary: "Field A: Ivan Petrov, birthday",
        location: "Field A",
        sequence: 0,
      },
      {
        uid: uid(rest.id),
        start: "2026-12-10T13:30:00.000Z",
        end: "2026-12-10T14:30:00.000Z",
        zone: "UTC",
        status: "CONFIRMED",
        summary: "Rest room A: Ivan Petrov, birthday",
        location: "Rest room A",
        sequence: 0,
      },
      {
        uid: uid(itemOf(b.tentative, 0).id),
        start: "2026-12-11T10:00:00.000Z",
        end: "2026-12-11T11:00:00.000Z",
        zone: "UTC",
        status: "TENTATIVE",
        summary: "Field B: corporate",
        location: "Field B",
        sequence: 0,
      },
      {
        uid: uid(itemOf(b.cancelled, 0).id),
        start: "2026-12-12T10:00:00.000Z",
        end: "2026-12-12T11:00:00.000Z",
        zone: "UTC",
        status: "CANCELLED",
        summary: "Field A: Ivan Petrov",
        location: "Field A",
        sequence: 1,
      },
      {
        uid: uid(itemOf(b.moved, 1).id),
        start: "2026-12-13T11:00:00.000Z",
        end: "2026-12-13T12:00:00.000Z",
        zone: "UTC",
        status: "CANCELLED",
        summary: "Rest room A: Ivan Petrov",
        location: "Rest room A",
        sequence: 1,
      },
      {
        uid: uid(itemOf(b.moved, 0).id),
        start: "2026-12-14T16:00:00.000Z",
        end: "2026-12-14T17:00:00.000Z",
        zone: "UTC",
        status: "CONFIRMED",
        summary: "Field A: Ivan Petrov",
        location: "Field A",
        sequence: 1,
      },
      {
        uid: uid(itemOf(b.edges, 2).id),
        start: "2027-12-04T09:59:00.000Z",
        end: "2027-12-04T10:59:00.000Z",
        zone: "UTC",
        status: "CONFIRMED",
        summary: "Always open: Ivan Petrov",
        location: "Always open",
        sequence: 0,
      },
    ]);
    const gameEvent = calendar.events[1];
    expect(gameEvent?.description).toBe(
      `Booking ${b.game.id} (confirmed)\nPlayers: 12\nExtras: cake, balloons\nBring the big ball`,
    );
  });

  it("a moved item keeps its UID with a higher SEQUENCE, and DTSTAMP and LAST-MODIFIED of its last change", async () => {
    const { calendar } = await feed(`?token=${feedToken}`);
    const movedId = itemOf(b.moved, 0).id;
    const before = movedBefore.find((event) => event.uid === uid(movedId));
    const after = calendar.events.find((event) => event.uid === uid(movedId));
    expect(before).toMatchObject({ start: "2026-12-13T10:00:00.000Z", sequence: 0, status: "CONFIRMED" });
    expect(after).toMatchObject({ start: "2026-12-14T16:00:00.000Z", sequence: 1, status: "CONFIRMED" });
    const row = await stored(movedId);
    expect(after?.sequence).toBe(row?.sequence);
    // DTSTAMP and LAST-MODIFIED are the row's last change, to the second (iCalendar has no finer).
    const second = (date: Date | undefined) => `${date?.toISOString().slice(0, 19)}.000Z`;
    expect(after?.stamp).toBe(second(row?.updated_at));
    expect(after?.lastModified).toBe(second(row?.updated_at));
    // Made at the service's (test) clock; the move's time is the database's (the sequence trigger).
    expect(before?.stamp).toBe("2026-12-03T10:00:00.000Z");
    // Every other item was there before with the same UID: none is new, none is gone.
    expect(calendar.events.map((event) => event.uid).sort()).toEqual(
      movedBefore.map((event) => event.uid).sort(),
    );
    const cancelledBefore = movedBefore.find((event) => event.uid === uid(itemOf(b.cancelled, 0).id));
    expect(cancelledBefore).toMatchObject({ sequence: 0, status: "CONFIRMED" });
  });

  it("a feed of one resource shows that resource alone, under its name", async () => {
    const { token } = await createFeed(t.app, { label: "Field B only", resource_id: r.fieldB.id });
    const { calendar } = await feed(`?token=${token}`);
    expect(calendar.name).toBe("Bookings: Field B");
    expect(calendar.events.map((event) => [event.uid, event.location])).toEqual([
      [uid(itemOf(b.tentative, 0).id), "Field B"],
    ]);
    // Its own resource named again is the same feed; another one is a 400 naming resource_id.
    const same = await feed(`?token=${token}&resource_id=${r.fieldB.id}`);
    expect(same.calendar.events).toEqual(calendar.events);
    const other = expectValidationError(
      await getIcs(t.app, `?token=${token}&resource_id=${r.fieldA.id}`),
      "resource_id",
    );
    expect(other.detail).toBe(`This feed shows resource ${r.fieldB.id} only.`);
  });

  it("resource_id narrows a feed of every resource; parameters a calendar app adds are ignored", async () => {
    const { calendar } = await feed(`?token=${feedToken}&resource_id=${r.restA.id}&_=1733220000`);
    expect(calendar.events.map((event) => [event.uid, event.status])).toEqual([
      [uid(itemOf(b.game, 1).id), "CONFIRMED"],
      [uid(itemOf(b.moved, 1).id), "CANCELLED"],
    ]);
    expect((await feed(`?token=${feedToken}&resource_id=424242`)).calendar.events).toEqual([]);
    expectValidationError(await getIcs(t.app, `?token=${feedToken}&resource_id=abc`), "resource_id");
  });

  it("a completed booking stays CONFIRMED: it happened as booked", async () => {
    const done = await createBooking(t.app, {
      lead_id: b.game.lead_id,
      items: [item(r.fieldB.id, "2026-12-20T10:00:00Z")],
    });
    expect((await patchBooking(t.app, done.id, { status: "completed" })).statusCode).toBe(200);
    const { calendar } = await feed(`?token=${feedToken}&resource_id=${r.fieldB.id}`);
    expect(calendar.events.find((event) => event.uid === uid(itemOf(done, 0).id))).toMatchObject({
      status: "CONFIRMED",
      sequence: 1,
      description: `Booking ${done.id} (completed)`,
    });
  });
});
