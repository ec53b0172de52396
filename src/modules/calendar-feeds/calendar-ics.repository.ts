// The booking items a calendar feed shows, read in one statement: every item in the period,
// cancelled ones and those a PATCH removed from their booking included (the feed tells phones
// to drop them), with its resource, its booking and the booking's lead.
import { Prisma, type PrismaClient } from "../../generated/prisma/client.js";
import type { FeedItem } from "./calendar-ics.js";

/** The longest an item lasts (the API's bound): an item overlapping [from, to) starts after from minus this. */
const LONGEST_ITEM = Prisma.raw("interval '1440 minutes'");

export class CalendarIcsRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * The items (of the resource, when given) overlapping [from, to), in start order. The bound on
   * starts_at below from lets the starts_at index bound the scan on both sides.
   */
  items(filter: { from: Date; to: Date; resourceId: number | null }): Promise<FeedItem[]> {
    return this.prisma.$queryRaw<FeedItem[]>`
      SELECT i.id, i.booking_id AS "bookingId", r.name AS "resourceName", i.starts_at AS "startsAt",
             i.ends_at AS "endsAt", i.sequence, i.status::text AS status, l.name AS "leadName", b.kind,
             b.players, b.extras, b.notes, i.created_at AS "createdAt", i.updated_at AS "updatedAt"
      FROM booking_items i
      JOIN bookings b ON b.id = i.booking_id
      JOIN leads l ON l.id = b.lead_id
      JOIN resources r ON r.id = i.resource_id
      WHERE i.starts_at < ${filter.to} AND i.ends_at > ${filter.from}
        AND i.starts_at > ${filter.from}::timestamptz - ${LONGEST_ITEM}
        ${filter.resourceId === null ? Prisma.empty : Prisma.sql`AND i.resource_id = ${filter.resourceId}`}
      ORDER BY i.starts_at, i.id`;
  }
}
