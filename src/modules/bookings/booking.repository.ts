// Bookings' writes, each a step of the service's transaction (`transaction`), so a booking, its
// items, its event and its reminder job commit together or not at all. NO DOUBLE BOOKING is not
// kept here: the exclusion constraint booking_items_no_overlap is (migration
// 20261204090000_bookings); an insert or move that breaks it fails with 23P01, which the service
// answers as booking_conflict, naming what conflictingBookings finds.
import { Prisma, type PrismaClient } from "../../generated/prisma/client.js";
import type { AuditRepository } from "../audit/audit.repository.js";
import type { OpeningHours } from "../resources/opening-hours.js";
import type { BookingDto, BookingStatus } from "./booking.schemas.js";

export type Tx = Prisma.TransactionClient;

export type LeadRef = { id: number } | { externalId: string };

/** What a booking item needs of its resource: whether it may take one, and when. */
export type ResourceRow = {
  id: number;
  name: string;
  opening_hours: OpeningHours | null;
  is_active: boolean;
  archived: boolean;
};

export type PlannedItem = { resourceId: number; start: Date; end: Date };

export type BookingFields = {
  players: number | null;
  kind: string | null;
  extras: string[];
  notes: string | null;
  status: BookingStatus;
};

export type LockedBooking = BookingFields & {
  id: number;
  /** Its items in start order (removed ones left out). */
  items: { id: number; resourceId: number; start: Date; end: Date }[];
};

export type BookingAction = "booking.created" | "booking.updated" | "booking.cancelled" | "booking.reminder";

export class BookingRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly audit: AuditRepository,
  ) {}

  /**
   * Writers of one resource queue on its row (lockResources): under a burst the wait for the
   * connection and the lock can pass Prisma's defaults (2 s, 5 s), while REQUEST_TIMEOUT_MS (10 s)
   * still bounds the request.
   */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(work, { maxWait: 5_000, timeout: 10_000 });
  }

  async findLead(tx: Tx, lead: LeadRef): Promise<number | null> {
    const condition =
      "id" in lead ? Prisma.sql`id = ${lead.id}` : Prisma.sql`external_id = ${lead.externalId}`;
    const [row] = await tx.$queryRaw<{ id: number }[]>`SELECT id FROM leads WHERE ${condition}`;
    return row?.id ?? null;
  }

  /**
   * The resources, locked in id order until the transaction ends. An archive or a change of
   * opening hours commits wholly before this booking reads them, or waits until it has committed.
   * And writers of one resource's items queue here, one after the other: the lock decides nothing
   * (the exclusion constraint does), but without it two transactions inserting overlapping items
   * each find the other's uncommitted row and wait for it, a deadlock PostgreSQL breaks only after
   * deadlock_timeout (1 s). Without this lock (share locks only), a burst of 50 concurrent
   * bookings deadlocked in chains that outlasted 5 attempts, so some 409s could name no booking;
   * in the bench's steady load the difference was within the machine's noise. FOR NO KEY UPDATE:
   * the foreign keys' FOR KEY SHARE of the row does not wait for it.
   */
  lockResources(tx: Tx, ids: number[]): Promise<ResourceRow[]> {
    return tx.$queryRaw<ResourceRow[]>`
      SELECT id, name, opening_hours, is_active, archived_at IS NOT NULL AS archived
      FROM resources WHERE id = ANY(${ids}::int[]) ORDER BY id FOR NO KEY UPDATE`;
  }

  async insertBooking(
    tx: Tx,
    booking: BookingFields & { leadId: number; createdBy: string; now: Date },
  ): Promise<number> {
    const [row] = await tx.$queryRaw<{ id: number }[]>`
      INSERT INTO bookings (lead_id, players, kind, extras, notes, status, created_by, created_at, updated_at)
      VALUES (${booking.leadId}, ${booking.players}::int, ${booking.kind}::varchar, ${booking.extras}::text[],
              ${booking.notes}::text, ${booking.status}::booking_status, ${booking.createdBy}, ${booking.now}, ${booking.now})
      RETURNING id`;
    if (!row) throw new Error("INSERT ... RETURNING returned no row");
    return row.id;
  }

  /** New items of the booking, in the booking's status; one statement, so one check of the constraint. */
  async insertItems(tx: Tx, bookingId: number, status: BookingStatus, items: PlannedItem[], now: Date) {
    if (items.length === 0) return;
    await tx.$executeRaw`
      INSERT INTO booking_items (booking_id, resource_id, starts_at, ends_at, status, created_at, updated_at)
      SELECT ${bookingId}, item.resource_id, item.starts_at, item.ends_at, ${status}::booking_status, ${now}, ${now}
      FROM unnest(${items.map((i) => i.resourceId)}::int[], ${items.map((i) => i.start.toISOString())}::timestamptz[],
                  ${items.map((i) => i.end.toISOString())}::timestamptz[]) AS item(resource_id, starts_at, ends_at)`;
  }

  /** The booking and its items, locked against other changes until the transaction ends; null when none. */
  async lockBooking(tx: Tx, id: number): Promise<LockedBooking | null> {
    const [booking] = await tx.$queryRaw<(BookingFields & { id: number })[]>`
      SELECT id, players, kind, extras, notes, status::text AS status FROM bookings WHERE id = ${id} FOR NO KEY UPDATE`;
    if (!booking) return null;
    const items = await tx.$queryRaw<LockedBooking["items"]>`
      SELECT id, resource_id AS "resourceId", starts_at AS start, ends_at AS "end" FROM booking_items
      WHERE booking_id = ${id} AND removed_at IS NULL ORDER BY starts_at, id`;
    return { ...booking, items };
  }

  /** Takes items out of the booking: cancelled (their slots free), kept for the calendar feed. */
  async removeItems(tx: Tx, ids: number[], now: Date): Promise<void> {
    if (ids.length === 0) return;
    await tx.$executeRaw`
      UPDATE booking_items SET status = 'cancelled', removed_at = ${now} WHERE id = ANY(${ids}::int[])`;
  }

  /**
   * Moves items and gives every item left in the booking its status, in ONE statement: the
   * constraint (deferrable, initially immediate) is checked at its end, so two items of the booking
   * that swap places on one resource pass. Each row's update raises its sequence (trigger).
   */
  async updateItems(
    tx: Tx,
    bookingId: number,
    status: BookingStatus,
    moves: { id: number; item: PlannedItem }[],
  ): Promise<void> {
    await tx.$executeRaw`
      UPDATE booking_items i
      SET resource_id = coalesce(m.resource_id, i.resource_id), starts_at = coalesce(m.starts_at, i.starts_at),
          ends_at = coalesce(m.ends_at, i.ends_at), status = ${status}::booking_status
      FROM booking_items own
      LEFT JOIN unnest(${moves.map((m) => m.id)}::int[], ${moves.map((m) => m.item.resourceId)}::int[],
                       ${moves.map((m) => m.item.start.toISOString())}::timestamptz[],
                       ${moves.map((m) => m.item.end.toISOString())}::timestamptz[])
             AS m(id, resource_id, starts_at, ends_at) ON m.id = own.id
      WHERE own.id = i.id AND own.booking_id = ${bookingId} AND own.removed_at IS NULL`;
  }

  async updateBooking(tx: Tx, id: number, fields: BookingFields, now: Date): Promise<void> {
    await tx.$executeRaw`
      UPDATE bookings SET players = ${fields.players}::int, kind = ${fields.kind}::varchar,
             extras = ${fields.extras}::text[], notes = ${fields.notes}::text,
             status = ${fields.status}::booking_status, updated_at = ${now}
      WHERE id = ${id}`;
  }

  /**
   * For each planned item (by index), a booking other than `except` whose item not cancelled on the
   * same resource overlaps it: what a 23P01 collided with, committed by then (the constraint waits
   * for the transaction that holds the other row). None when that booking was cancelled since.
   */
  conflictingBookings(
    items: PlannedItem[],
    except: number | null,
  ): Promise<{ index: number; booking_id: number }[]> {
    return this.prisma.$queryRaw<{ index: number; booking_id: number }[]>`
      SELECT DISTINCT ON (p.index) (p.index - 1)::int AS index, i.booking_id
      FROM unnest(${items.map((i) => i.resourceId)}::int[], ${items.map((i) => i.start.toISOString())}::timestamptz[],
                  ${items.map((i) => i.end.toISOString())}::timestamptz[]) WITH ORDINALITY AS p(resource_id, starts_at, ends_at, index)
      JOIN booking_items i ON i.resource_id = p.resource_id AND i.status <> 'cancelled'
        AND tstzrange(i.starts_at, i.ends_at, '[)') && tstzrange(p.starts_at, p.ends_at, '[)')
        AND i.booking_id <> ${except ?? 0}
      ORDER BY p.index, i.starts_at, i.booking_id`;
  }

  /**
   * REMINDED ONCE PER START: marks the booking reminded for `startsAt`, only while that is still its
   * first item's start and it is tentative or confirmed, and not already reminded for it. One
   * conditional UPDATE: of two workers running the reminder, the second waits on the row and then
   * finds reminded_for set, so it updates nothing. True when this call marked it.
   */
  async markReminded(tx: Tx, bookingId: number, startsAt: Date): Promise<boolean> {
    const rows = await tx.$queryRaw<{ id: number }[]>`
      UPDATE bookings b SET reminded_for = ${startsAt}
      WHERE b.id = ${bookingId} AND b.status IN ('tentative', 'confirmed')
        AND b.reminded_for IS DISTINCT FROM ${startsAt}::timestamptz
        AND (SELECT min(starts_at) FROM booking_items
             WHERE booking_id = b.id AND removed_at IS NULL) = ${startsAt}::timestamptz
      RETURNING b.id`;
    return rows.length === 1;
  }

  record(
    tx: Tx,
    action: BookingAction,
    booking: BookingDto,
    actor: string,
    details: Prisma.InputJsonObject = {},
  ): Promise<void> {
    return this.audit.record(tx, {
      actor,
      action,
      entityType: "booking",
      entityId: booking.id,
      data: booking as unknown as Prisma.InputJsonObject,
      details,
    });
  }
}
