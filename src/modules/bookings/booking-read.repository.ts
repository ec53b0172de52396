// Bookings as the API shows them, read in one statement per question: by id, a period's, a
// lead's, and the periods a resource is taken. Items a PATCH removed are never part of a Booking.
import { Prisma, type PrismaClient } from "../../generated/prisma/client.js";
import type { BookingDto, BookingStatus } from "./booking.schemas.js";

/** A Prisma client or an interactive transaction's: reads inside a write see its own changes. */
export type Reader = Pick<PrismaClient, "$queryRaw">;

type Row = {
  id: number;
  lead_id: number;
  lead_name: string | null;
  players: number | null;
  kind: string | null;
  extras: string[];
  notes: string | null;
  status: BookingStatus;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  item_id: number;
  resource_id: number;
  resource_name: string;
  starts_at: Date;
  ends_at: Date;
};

export type BookingFilter = {
  from: Date;
  to: Date;
  resourceId?: number | undefined;
  leadId?: number | undefined;
  status?: BookingStatus | undefined;
  /** Leave cancelled bookings out (the calendar). */
  activeOnly?: boolean;
};

/** The longest an item lasts (the API's bound): an item overlapping [from, to) starts after from minus this. */
const LONGEST_ITEM = Prisma.raw("interval '1440 minutes'");

/**
 * One row per item, the booking's columns repeated; bookings in order of their first item's start
 * (then id), items in start order. `where` selects bookings (alias b).
 */
function bookingRows(where: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
    SELECT b.id, b.lead_id, l.name AS lead_name, b.players, b.kind, b.extras, b.notes, b.status::text AS status,
           b.created_by, b.created_at, b.updated_at,
           i.id AS item_id, i.resource_id, r.name AS resource_name, i.starts_at, i.ends_at
    FROM bookings b
    JOIN leads l ON l.id = b.lead_id
    JOIN booking_items i ON i.booking_id = b.id AND i.removed_at IS NULL
    JOIN resources r ON r.id = i.resource_id
    WHERE ${where}
    ORDER BY min(i.starts_at) OVER (PARTITION BY b.id), b.id, i.starts_at, i.id`;
}

export class BookingReadRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async findById(id: number, db: Reader = this.prisma): Promise<BookingDto | null> {
    return (await this.read(db, Prisma.sql`b.id = ${id}`))[0] ?? null;
  }

  /** Bookings with an item (of the resource, when given) overlapping [from, to). */
  list(filter: BookingFilter): Promise<BookingDto[]> {
    const conditions = [
      Prisma.sql`b.id IN (
        SELECT m.booking_id FROM booking_items m
        WHERE m.removed_at IS NULL AND m.starts_at < ${filter.to} AND m.ends_at > ${filter.from}
          AND m.starts_at > ${filter.from}::timestamptz - ${LONGEST_ITEM}
          ${filter.resourceId === undefined ? Prisma.empty : Prisma.sql`AND m.resource_id = ${filter.resourceId}`})`,
    ];
    if (filter.leadId !== undefined) conditions.push(Prisma.sql`b.lead_id = ${filter.leadId}`);
    if (filter.status !== undefined) conditions.push(Prisma.sql`b.status = ${filter.status}::booking_status`);
    if (filter.activeOnly) conditions.push(Prisma.sql`b.status <> 'cancelled'`);
    return this.read(this.prisma, Prisma.join(conditions, " AND "));
  }

  /** The lead's bookings, every status; null when no lead has this id. */
  async listForLead(leadId: number): Promise<BookingDto[] | null> {
    const bookings = await this.read(this.prisma, Prisma.sql`b.lead_id = ${leadId}`);
    if (bookings.length > 0) return bookings;
    const [lead] = await this.prisma.$queryRaw<{ id: number }[]>`SELECT id FROM leads WHERE id = ${leadId}`;
    return lead ? [] : null;
  }

  /** The periods of the resource's items not cancelled that overlap [from, to). */
  busyPeriods(resourceId: number, from: Date, to: Date): Promise<{ start: Date; end: Date }[]> {
    return this.prisma.$queryRaw<{ start: Date; end: Date }[]>`
      SELECT starts_at AS start, ends_at AS "end" FROM booking_items
      WHERE resource_id = ${resourceId} AND status <> 'cancelled'
        AND tstzrange(starts_at, ends_at, '[)') && tstzrange(${from}::timestamptz, ${to}::timestamptz, '[)')
      ORDER BY starts_at`;
  }

  private async read(db: Reader, where: Prisma.Sql): Promise<BookingDto[]> {
    const rows = await db.$queryRaw<Row[]>(bookingRows(where));
    const bookings = new Map<number, BookingDto>();
    for (const row of rows) {
      let booking = bookings.get(row.id);
      if (!booking) {
        booking = {
          id: row.id,
          lead_id: row.lead_id,
          lead_name: row.lead_name,
          items: [],
          players: row.players,
          kind: row.kind,
          extras: row.extras,
          notes: row.notes,
          status: row.status,
          created_by: row.created_by,
          created_at: row.created_at.toISOString(),
          updated_at: row.updated_at.toISOString(),
        };
        bookings.set(row.id, booking);
      }
      booking.items.push({
        id: row.item_id,
        resource_id: row.resource_id,
        resource_name: row.resource_name,
        starts_at: row.starts_at.toISOString(),
        ends_at: row.ends_at.toISOString(),
      });
    }
    return [...bookings.values()];
  }
}
