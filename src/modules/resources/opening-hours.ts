// A resource's opening hours, { mon..sun: ["10:00", "22:00"] } in TIMEZONE, as periods of time:
// when a booking item may take place, and where the free slots of a date are looked for. A day
// left out is closed; no opening hours at all (null) is always open. "24:00" closes at midnight.
import { addDays, dayBounds, instantOf, localDateOf, weekdayOf } from "../../core/time-zone.js";

export const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export type OpeningHours = Partial<Record<Weekday, readonly [string, string]>>;

export type Period = { start: Date; end: Date };

/** "10:30" as minutes after midnight; the schema has checked the format. */
export function minutesOf(time: string): number {
  const [hours, minutes] = time.split(":").map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

/** When the resource is open on a local date, as instants: none, one period, or the whole day. */
export function openPeriodsOn(hours: OpeningHours | null, date: string, zone: string): Period[] {
  if (hours === null) {
    const day = dayBounds(date, zone);
    return [{ start: day.start, end: day.end }];
  }
  const open = hours[WEEKDAYS[weekdayOf(date)] as Weekday];
  if (!open) return [];
  const start = instantOf(date, minutesOf(open[0]), zone);
  const end = instantOf(date, minutesOf(open[1]), zone);
  // A close inside a DST gap reads as after the jump; an open period is never empty or reversed.
  return start < end ? [{ start, end }] : [];
}

/**
 * Whether [start, end) lies wholly within opening hours: within one open period of the local
 * date it starts on, or of open periods that meet across midnight ("24:00" then "00:00").
 */
export function isWithinOpeningHours(hours: OpeningHours | null, period: Period, zone: string): boolean {
  const date = localDateOf(period.start, zone);
  const periods = [addDays(date, -1), date, addDays(date, 1)].flatMap((day) =>
    openPeriodsOn(hours, day, zone),
  );
  const merged: Period[] = [];
  for (const next of periods) {
    const last = merged.at(-1);
    if (last && last.end.getTime() >= next.start.getTime()) {
      if (next.end > last.end) last.end = next.end;
    } else {
      merged.push({ ...next });
    }
  }
  return merged.some((open) => open.start <= period.start && period.end <= open.end);
}

/** The parts of `open` that no busy period covers, each at least `minMs` long. */
export function freePeriods(open: Period[], busy: Period[], minMs: number): Period[] {
  const sorted = [...busy].sort((a, b) => a.start.getTime() - b.start.getTime());
  const free: Period[] = [];
  for (const period of open) {
    let cursor = period.start.getTime();
    const end = period.end.getTime();
    for (const taken of sorted) {
      if (taken.end.getTime() <= cursor || taken.start.getTime() >= end) continue;
      if (taken.start.getTime() - cursor >= minMs) free.push({ start: new Date(cursor), end: taken.start });
      cursor = Math.max(cursor, taken.end.getTime());
    }
    if (end - cursor >= minMs) free.push({ start: new Date(cursor), end: new Date(end) });
  }
  return free;
}
