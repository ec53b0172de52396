// Wall-clock time in an IANA time zone (TIMEZONE), with Intl only: what local date and time an
// instant is there, and which instant a local date and time is. Opening hours and calendar days
// are local; everything stored and answered is UTC. Correct across DST changes: a local day is
// 23 or 25 hours long on those days, and a local time in the spring gap does not exist.

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** The zone's canonical name when Intl knows it ("europe/berlin" → "Europe/Berlin"), else null. */
export function canonicalTimeZone(name: string): string | null {
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

export type LocalDateTime = {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** 0 = Sunday ... 6 = Saturday. */
  weekday: number;
};

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** The local date and time of an instant in `zone` (seconds dropped). */
export function localOf(instant: Date, zone: string): LocalDateTime {
  const parts: Record<string, number> = {};
  for (const part of formatterOf(zone).formatToParts(instant)) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  const year = parts.year ?? 0;
  const month = parts.month ?? 1;
  const day = parts.day ?? 1;
  return {
    year,
    month,
    day,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay(),
  };
}

/** How far `zone`'s clock is ahead of UTC at that instant, in ms (whole minutes). */
function offsetAt(instantMs: number, zone: string): number {
  const local = localOf(new Date(instantMs), zone);
  const asUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute);
  return asUtc - Math.floor(instantMs / MINUTE_MS) * MINUTE_MS;
}

/** "2026-03-29" as its parts; the caller has checked the format. */
export function parseDate(date: string): { year: number; month: number; day: number } {
  const [year, month, day] = date.split("-").map(Number);
  return { year: year ?? 0, month: month ?? 1, day: day ?? 1 };
}

/** The calendar date `days` after `date` ("2026-03-31" + 1 = "2026-04-01"). */
export function addDays(date: string, days: number): string {
  const { year, month, day } = parseDate(date);
  return new Date(Date.UTC(year, month - 1, day) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The weekday of a calendar date, 0 = Sunday. */
export function weekdayOf(date: string): number {
  const { year, month, day } = parseDate(date);
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

/** The local calendar date of an instant, "YYYY-MM-DD". */
export function localDateOf(instant: Date, zone: string): string {
  const { year, month, day } = localOf(instant, zone);
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/**
 * The instant a local date and time is in `zone`; `minutes` from the date's midnight (1440 is the
 * next day's midnight). A time that happens twice (autumn) is its first occurrence; one that does
 * not exist (the spring gap) is read with the offset before the gap, as a clock that jumped shows
 * it (02:30 is 03:30), so a day whose midnight falls in a gap starts at the jump.
 */
export function instantOf(date: string, minutes: number, zone: string): Date {
  const { year, month, day } = parseDate(date);
  const wall = Date.UTC(year, month - 1, day) + minutes * MINUTE_MS;
  // The offsets around it: at most one change within a day either side, in every zone.
  const before = offsetAt(wall - DAY_MS, zone);
  const after = offsetAt(wall + DAY_MS, zone);
  const candidates = [wall - before, wall - after].filter(
    (instant) => wall - instant === offsetAt(instant, zone),
  );
  if (candidates.length > 0) return new Date(Math.min(...candidates));
  return new Date(wall - before);
}

/** [start, end) of a local calendar day in `zone`: 23, 24 or 25 hours. */
export function dayBounds(date: string, zone: string): { start: Date; end: Date } {
  return { start: instantOf(date, 0, zone), end: instantOf(addDays(date, 1), 0, zone) };
}
