// The .ics writer alone (calendar-ics.ts), read back by ical.js: what a SUMMARY and a DESCRIPTION
// say when a booking leaves things out, text that needs escaping, and an empty feed.
import { describe, expect, it } from "vitest";
import { type FeedItem, itemUid, renderCalendar } from "../../../src/modules/calendar-feeds/calendar-ics.js";
import { parseIcs } from "./feed-fixtures.js";

const base: FeedItem = {
  id: 7,
  bookingId: 3,
  resourceName: "Field 1",
  startsAt: new Date("2026-12-12T12:00:00.000Z"),
  endsAt: new Date("2026-12-12T13:30:00.000Z"),
  sequence: 4,
  status: "confirmed",
  leadName: "Ivan",
  kind: "birthday",
  players: null,
  extras: [],
  notes: null,
  createdAt: new Date("2026-12-01T09:00:00.000Z"),
  updatedAt: new Date("2026-12-02T10:30:15.000Z"),
};

describe("renderCalendar", () => {
  it("names the lead and the kind, either alone, or the booking when neither is known", () => {
    const items: FeedItem[] = [
      base,
      { ...base, id: 8, kind: null },
      { ...base, id: 9, leadName: "   " },
      { ...base, id: 10, leadName: null, kind: null },
    ];
    expect(parseIcs(renderCalendar(items, "Bookings")).events.map((event) => event.summary)).toEqual([
      "Field 1: Ivan, birthday",
      "Field 1: Ivan",
      "Field 1: birthday",
      "Field 1: booking 3",
    ]);
  });

  it("writes every field a phone reads, text escaped and read back as it was", () => {
    const text = renderCalendar(
      [
        {
          ...base,
          resourceName: "Поле; №1, большое",
          players: 12,
          extras: ["cake", "balloons"],
          notes: "Bring the ball\nand the nets; thanks",
        },
      ],
      "Bookings: Поле",
    );
    const calendar = parseIcs(text);
    expect(calendar.name).toBe("Bookings: Поле");
    expect(calendar.events).toEqual([
      {
        uid: "booking-item-7@lead-distribution",
        sequence: 4,
        start: "2026-12-12T12:00:00.000Z",
        end: "2026-12-12T13:30:00.000Z",
        zone: "UTC",
        status: "CONFIRMED",
        summary: "Поле; №1, большое: Ivan, birthday",
        location: "Поле; №1, большое",
        description:
          "Booking 3 (confirmed)\nPlayers: 12\nExtras: cake, balloons\nBring the ball\nand the nets; thanks",
        stamp: "2026-12-02T10:30:15.000Z",
        lastModified: "2026-12-02T10:30:15.000Z",
      },
    ]);
    expect(text).toContain("DTSTART:20261212T120000Z\r\n");
    expect(text).toContain("CREATED:20261201T090000Z\r\n");
    expect(itemUid(7)).toBe("booking-item-7@lead-distribution");
  });

  it("an empty feed is a calendar without events", () => {
    const calendar = parseIcs(renderCalendar([], "Bookings"));
    expect(calendar).toEqual({ name: "Bookings", method: "PUBLISH", events: [] });
  });
});
