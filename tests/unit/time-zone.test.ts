// Local time in an IANA zone with Intl alone: days 23 and 25 hours long across DST, a midnight in
// a spring gap (America/Havana, America/Santiago), an hour that happens twice.
import { describe, expect, it } from "vitest";
import { addDays, canonicalTimeZone, dayBounds, instantOf, localDateOf } from "../../src/core/time-zone.js";

const bounds = (date: string, zone: string) => {
  const { start, end } = dayBounds(date, zone);
  return [start.toISOString(), end.toISOString(), (end.getTime() - start.getTime()) / 3_600_000];
};

describe("time zones", () => {
  it("knows IANA names, in their canonical spelling, and nothing else", () => {
    expect(canonicalTimeZone("europe/berlin")).toBe("Europe/Berlin");
    expect(canonicalTimeZone("UTC")).toBe("UTC");
    expect(canonicalTimeZone("Mars/Olympus_Mons")).toBeNull();
    expect(canonicalTimeZone("+03:00")).toBeNull();
  });

  it("cuts days at local midnight: 23 hours in March, 25 in October (Europe/Berlin, 2026)", () => {
    expect(bounds("2026-03-28", "Europe/Berlin")).toEqual([
      "2026-03-27T23:00:00.000Z",
      "2026-03-28T23:00:00.000Z",
      24,
    ]);
    expect(bounds("2026-03-29", "Europe/Berlin")).toEqual([
      "2026-03-28T23:00:00.000Z",
      "2026-03-29T22:00:00.000Z",
      23,
    ]);
    expect(bounds("2026-10-25", "Europe/Berlin")).toEqual([
      "2026-10-24T22:00:00.000Z",
      "2026-10-25T23:00:00.000Z",
      25,
    ]);
    expect(bounds("2026-06-01", "UTC")).toEqual(["2026-06-01T00:00:00.000Z", "2026-06-02T00:00:00.000Z", 24]);
    expect(bounds("2026-06-01", "Asia/Kathmandu")).toEqual([
      "2026-05-31T18:15:00.000Z",
      "2026-06-01T18:15:00.000Z",
      24,
    ]);
  });

  it("starts a day whose midnight falls in a spring gap at the jump", () => {
    // Havana springs from 00:00 to 01:00 on 2026-03-08; Santiago from 24:00 on 2026-09-05.
    expect(bounds("2026-03-08", "America/Havana")).toEqual([
      "2026-03-08T05:00:00.000Z",
      "2026-03-09T04:00:00.000Z",
      23,
    ]);
    expect(bounds("2026-09-06", "America/Santiago")).toEqual([
      "2026-09-06T04:00:00.000Z",
      "2026-09-07T03:00:00.000Z",
      23,
    ]);
  });

  it("reads a time in the gap as after the jump, and a time that happens twice as its first", () => {
    expect(instantOf("2026-03-29", 150, "Europe/Berlin").toISOString()).toBe("2026-03-29T01:30:00.000Z"); // 02:30 → 03:30 CEST
    expect(instantOf("2026-10-25", 150, "Europe/Berlin").toISOString()).toBe("2026-10-25T00:30:00.000Z"); // 02:30 CEST
    expect(instantOf("2026-10-25", 1440, "Europe/Berlin").toISOString()).toBe("2026-10-25T23:00:00.000Z");
  });

  it("gives the local date of an instant, and adds days across months and years", () => {
    expect(localDateOf(new Date("2026-03-29T22:00:00Z"), "Europe/Berlin")).toBe("2026-03-30");
    expect(localDateOf(new Date("2026-03-29T21:59:00Z"), "Europe/Berlin")).toBe("2026-03-29");
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(addDays("2028-03-01", -1)).toBe("2028-02-29");
  });
});
