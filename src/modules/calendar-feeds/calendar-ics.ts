// The .ics of a calendar feed (RFC 5545) from its booking items, with ical-generator: one VEVENT
// per item. Times are written in UTC (DTSTART:20261210T120000Z): no calendar time zone is set,
// because with one and plain Dates ical-generator writes the UTC clock time as local time. Each
// item keeps one UID for its whole life (a PATCH moves it in place), its SEQUENCE is the row's,
// which a trigger raises on every change, and a cancelled item (its booking cancelled, or taken
// out of it by a PATCH) stays in the feed as STATUS:CANCELLED, so a phone removes it rather than
// keeping a copy the feed no longer mentions.
import ical, { ICalCalendarMethod, ICalEventStatus, ICalEventTransparency } from "ical-generator";
import type { BookingStatus } from "../bookings/booking.schemas.js";

/** A booking item as the feed shows it: the item, its resource, its booking and lead. */
export type FeedItem = {
  id: number;
  bookingId: number;
  resourceName: string;
  startsAt: Date;
  endsAt: Date;
  sequence: number;
  /** The item's own: cancelled when its booking is, or when a PATCH removed it. */
  status: BookingStatus;
  leadName: string | null;
  kind: string | null;
  players: number | null;
  extras: string[];
  notes: string | null;
  createdAt: Date;
  updatedAt: Date;
};

/**
 * The UIDs' domain: fixed, not the host a request came through, so an item keeps its UID whatever
 * address the phone subscribed by (RFC 5545 asks for a UID unique and stable, not resolvable).
 */
export const UID_DOMAIN = "lead-distribution";
/** Items that ended up to this long ago stay in the feed (a phone keeps its recent past). */
export const FEED_PAST_DAYS = 90;
/** Items starting up to this far ahead are in the feed (GET /calendar's longest range). */
export const FEED_FUTURE_DAYS = 366;
/** How often calendar apps are asked to poll (REFRESH-INTERVAL, X-PUBLISHED-TTL). */
export const REFRESH_SECONDS = 15 * 60;

export function itemUid(itemId: number): string {
  return `booking-item-${itemId}@${UID_DOMAIN}`;
}

const STATUS: Record<BookingStatus, ICalEventStatus> = {
  tentative: ICalEventStatus.TENTATIVE,
  confirmed: ICalEventStatus.CONFIRMED,
  // It happened as booked.
  completed: ICalEventStatus.CONFIRMED,
  cancelled: ICalEventStatus.CANCELLED,
};

export function renderCalendar(items: readonly FeedItem[], name: string): string {
  const calendar = ical({
    name,
    prodId: { company: "lead-distribution", product: "bookings", language: "EN" },
    method: ICalCalendarMethod.PUBLISH,
    ttl: REFRESH_SECONDS,
  });
  for (const item of items) {
    const cancelled = item.status === "cancelled";
    calendar.createEvent({
      id: itemUid(item.id),
      sequence: item.sequence,
      start: item.startsAt,
      end: item.endsAt,
      summary: summaryOf(item),
      location: item.resourceName,
      description: descriptionOf(item),
      status: STATUS[item.status],
      // A cancelled item no longer takes the time in a free/busy view.
      transparency: cancelled ? ICalEventTransparency.TRANSPARENT : ICalEventTransparency.OPAQUE,
      created: item.createdAt,
      // The row's last change: what a phone compares to know its copy is stale.
      stamp: item.updatedAt,
      lastModified: item.updatedAt,
    });
  }
  return calendar.toString();
}

/** "Field A: Ivan Petrov, birthday"; with neither name nor kind, the booking's number. */
function summaryOf(item: FeedItem): string {
  const who = [item.leadName?.trim() || null, item.kind].filter((part) => part !== null);
  return `${item.resourceName}: ${who.length > 0 ? who.join(", ") : `booking ${item.bookingId}`}`;
}

function descriptionOf(item: FeedItem): string {
  return [
    `Booking ${item.bookingId} (${item.status})`,
    item.players === null ? null : `Players: ${item.players}`,
    item.extras.length === 0 ? null : `Extras: ${item.extras.join(", ")}`,
    item.notes,
  ]
    .filter((line) => line !== null && line !== "")
    .join("\n");
}
