// The pure rules of bookings: opening hours as periods (a day closed, 24:00, periods meeting at
// midnight), free periods, items of a request overlapping each other, and which stored item a
// PATCH's item moves.
import { describe, expect, it } from "vitest";
import { matchItems, planItems, selfOverlap } from "../../src/modules/bookings/booking-plan.js";
import {
  freePeriods,
  isWithinOpeningHours,
  openPeriodsOn,
} from "../../src/modules/resources/opening-hours.js";

const period = (start: string, end: string) => ({ start: new Date(start), end: new Date(end) });
const iso = (periods: { start: Date; end: Date }[]) =>
  periods.map((p) => [p.start.toISOString(), p.end.toISOString()]);

describe("opening hours", () => {
  const hours = { mon: ["10:00", "24:00"], tue: ["00:00", "02:00"], sat: ["10:00", "22:00"] } as const;

  it("gives a date's open period, none on a day left out, the whole day when always open", () => {
    expect(iso(openPeriodsOn(hours, "2026-12-05", "UTC"))).toEqual([
      ["2026-12-05T10:00:00.000Z", "2026-12-05T22:00:00.000Z"],
    ]);
    expect(openPeriodsOn(hours, "2026-12-06", "UTC")).toEqual([]);
    expect(iso(openPeriodsOn(null, "2026-03-29", "Europe/Berlin"))).toEqual([
      ["2026-03-28T23:00:00.000Z", "2026-03-29T22:00:00.000Z"],
    ]);
  });

  it("holds an item within one period, or periods that meet at midnight", () => {
    const within = (start: string, end: string) => isWithinOpeningHours(hours, period(start, end), "UTC");
    expect(within("2026-12-07T10:00:00Z", "2026-12-07T11:00:00Z")).toBe(true);
    expect(within("2026-12-07T09:59:00Z", "2026-12-07T11:00:00Z")).toBe(false);
    // Monday until 24:00 and Tuesday from 00:00 are one period.
    expect(within("2026-12-07T23:00:00Z", "2026-12-08T01:00:00Z")).toBe(true);
    expect(within("2026-12-07T23:00:00Z", "2026-12-08T02:01:00Z")).toBe(false);
    expect(within("2026-12-05T21:00:00Z", "2026-12-05T22:00:00Z")).toBe(true);
    expect(within("2026-12-05T21:00:00Z", "2026-12-05T22:01:00Z")).toBe(false);
    expect(isWithinOpeningHours(null, period("2026-12-06T23:00:00Z", "2026-12-07T01:00:00Z"), "UTC")).toBe(
      true,
    );
    expect(isWithinOpeningHours({}, period("2026-12-06T10:00:00Z", "2026-12-06T11:00:00Z"), "UTC")).toBe(
      false,
    );
  });

  it("finds the free periods around busy ones, overlapping busy ones merged, short gaps left out", () => {
    const open = [period("2026-12-05T10:00:00Z", "2026-12-05T22:00:00Z")];
    const busy = [
      period("2026-12-05T12:00:00Z", "2026-12-05T13:00:00Z"),
      period("2026-12-05T09:00:00Z", "2026-12-05T10:30:00Z"),
      period("2026-12-05T12:30:00Z", "2026-12-05T14:00:00Z"),
      period("2026-12-05T14:20:00Z", "2026-12-05T15:00:00Z"),
    ];
    expect(iso(freePeriods(open, busy, 30 * 60_000))).toEqual([
      ["2026-12-05T10:30:00.000Z", "2026-12-05T12:00:00.000Z"],
      ["2026-12-05T15:00:00.000Z", "2026-12-05T22:00:00.000Z"],
    ]);
    expect(iso(freePeriods(open, busy, 20 * 60_000))).toContainEqual([
      "2026-12-05T14:00:00.000Z",
      "2026-12-05T14:20:00.000Z",
    ]);
  });
});

describe("a request's items", () => {
  const items = planItems([
    { resource_id: 1, starts_at: "2026-12-05T10:00:00Z", duration_minutes: 60 },
    { resource_id: 2, starts_at: "2026-12-05T10:30:00Z", duration_minutes: 60 },
    { resource_id: 1, starts_at: "2026-12-05T11:00:00+01:00", duration_minutes: 5 },
    { resource_id: 1, starts_at: "2026-12-05T11:00:00Z", duration_minutes: 60 },
  ]);

  it("end after their duration; back to back is no overlap, the same resource at once is", () => {
    expect(items[0]?.end.toISOString()).toBe("2026-12-05T11:00:00.000Z");
    expect(selfOverlap(items.slice(0, 2))).toBeNull();
    expect(selfOverlap([items[0], items[3]] as typeof items)).toBeNull();
    expect(selfOverlap(items)).toEqual([0, 2]);
  });

  it("match stored items by id, else the next unnamed one; the rest new or removed", () => {
    const stored = [{ id: 10 }, { id: 11 }, { id: 12 }];
    expect(matchItems(stored, [{ id: 12 }, {}])).toEqual({
      match: {
        moves: [
          { id: 12, index: 0 },
          { id: 10, index: 1 },
        ],
        inserts: [],
        removes: [11],
      },
    });
    expect(matchItems(stored, [{}, {}, {}, {}])).toEqual({
      match: {
        moves: [
          { id: 10, index: 0 },
          { id: 11, index: 1 },
          { id: 12, index: 2 },
        ],
        inserts: [3],
        removes: [],
      },
    });
    expect(matchItems(stored, [{}, { id: 99 }])).toEqual({ unknownAt: 1 });
  });
});
