// Bookings: made, moved, cancelled and completed atomically, each change with its event and, when
// the first start changes, its reminder job, in one transaction. The only concurrency rule is the
// exclusion constraint (NO DOUBLE BOOKING): nothing here reads availability before writing.
import type { Clock } from "../../core/ports.js";
import { isDeadlock, isExclusionViolation } from "../../db/prisma-errors.js";
import type { JobSender } from "../module.js";
import { isWithinOpeningHours } from "../resources/opening-hours.js";
import { bookingReminder } from "./booking.jobs.js";
import type { BookingFields, BookingRepository, LeadRef, PlannedItem, Tx } from "./booking.repository.js";
import type {
  BookingDto,
  CreateBookingInput,
  ListBookingsQuery,
  UpdateBookingInput,
} from "./booking.schemas.js";
import {
  bookingConflict,
  bookingFinal,
  bookingNotFound,
  itemsOverlap,
  leadNotFound,
  outsideOpeningHours,
  resourceNotBookable,
  resourceNotFoundAt,
  unknownItem,
} from "./booking-errors.js";
import { matchItems, planItems, selfOverlap } from "./booking-plan.js";
import type { BookingReadRepository } from "./booking-read.repository.js";

export type BookingSettings = {
  /** TIMEZONE: opening hours are local times there. */
  timeZone: string;
  /** BOOKING_REMINDER_BEFORE_MINUTES. */
  reminderBeforeMinutes: number;
};

/**
 * A write that lost a deadlock to another booking, or whose collision was cancelled before we could
 * name it, is tried again; this many attempts in all.
 */
const DEADLOCK_ATTEMPTS = 5;

/** The API's names of the fields a PATCH may change, as booking.updated's details record them. */
const FIELDS = ["items", "players", "kind", "extras", "notes", "status"] as const;

export class BookingService {
  constructor(
    private readonly bookings: BookingRepository,
    private readonly reads: BookingReadRepository,
    private readonly jobs: JobSender,
    private readonly clock: Clock,
    private readonly settings: BookingSettings,
  ) {}

  /** All items or none; a collision is a 409 booking_conflict naming the booking it collides with. */
  async create(input: CreateBookingInput, actor: string): Promise<BookingDto> {
    const items = planItems(input.items);
    const overlap = selfOverlap(items);
    if (overlap) throw itemsOverlap(...overlap);
    const lead: LeadRef =
      input.lead_id !== undefined ? { id: input.lead_id } : { externalId: input.lead_external_id ?? "" };
    return this.withConflicts(items, null, () =>
      this.bookings.transaction(async (tx) => {
        const now = this.clock.now();
        const leadId = await this.bookings.findLead(tx, lead);
        if (leadId === null) throw leadNotFound(lead);
        await this.checkBookable(
          tx,
          items,
          items.map((_, index) => index),
        );
        const fields: BookingFields = {
          players: input.players ?? null,
          kind: input.kind ?? null,
          extras: input.extras,
          notes: input.notes ?? null,
          status: input.status,
        };
        const id = await this.bookings.insertBooking(tx, { ...fields, leadId, createdBy: actor, now });
        await this.bookings.insertItems(tx, id, fields.status, items, now);
        const booking = await this.mustRead(tx, id);
        await this.bookings.record(tx, "booking.created", booking, actor);
        await this.scheduleReminder(tx, booking);
        return booking;
      }),
    );
  }

  async get(id: number): Promise<BookingDto> {
    const booking = await this.reads.findById(id);
    if (!booking) throw bookingNotFound(id);
    return booking;
  }

  list(query: ListBookingsQuery): Promise<BookingDto[]> {
    return this.reads.list({
      from: new Date(query.from),
      to: new Date(query.to),
      resourceId: query.resource_id,
      leadId: query.lead_id,
      status: query.status,
    });
  }

  async listForLead(leadId: number): Promise<BookingDto[]> {
    const bookings = await this.reads.listForLead(leadId);
    if (bookings === null) throw leadNotFound({ id: leadId });
    return bookings;
  }

  /**
   * Changes the fields sent. items moves the booking (conflicts and opening hours checked again
   * for the items that change); cancelled frees every slot. A cancelled or completed booking is a
   * 409: both are final. Records booking.cancelled when it cancels, else booking.updated.
   */
  async update(id: number, input: UpdateBookingInput, actor: string): Promise<BookingDto> {
    const items = input.items === undefined ? null : planItems(input.items);
    const overlap = items && selfOverlap(items);
    if (overlap) throw itemsOverlap(...overlap);
    return this.withConflicts(items ?? [], id, () =>
      this.bookings.transaction(async (tx) => {
        const now = this.clock.now();
        const before = await this.bookings.lockBooking(tx, id);
        if (!before) throw bookingNotFound(id);
        if (before.status === "cancelled" || before.status === "completed")
          throw bookingFinal(id, before.status);
        const shownBefore = await this.mustRead(tx, id);
        const fields: BookingFields = {
          players: input.players !== undefined ? input.players : before.players,
          kind: input.kind !== undefined ? input.kind : before.kind,
          extras: input.extras ?? before.extras,
          notes: input.notes !== undefined ? input.notes : before.notes,
          status: input.status ?? before.status,
        };
        const moves: { id: number; item: PlannedItem }[] = [];
        if (items && input.items) {
          const matched = matchItems(before.items, input.items);
          if ("unknownAt" in matched) {
            throw unknownItem(matched.unknownAt, input.items[matched.unknownAt]?.id ?? 0, id);
          }
          const { match } = matched;
          const changed = [
            ...match.inserts,
            ...match.moves
              .filter(({ id: itemId, index }) => !samePlace(before.items, itemId, items[index]))
              .map((m) => m.index),
          ];
          // Every resource the booking writes items of is locked (lockResources), kept ones too.
          const kept = before.items.map((item) => item.resourceId);
          if (fields.status !== "cancelled") await this.checkBookable(tx, items, changed, kept);
          await this.bookings.removeItems(tx, match.removes, now);
          for (const move of match.moves) moves.push({ id: move.id, item: items[move.index] as PlannedItem });
          await this.bookings.updateItems(tx, id, fields.status, moves);
          await this.bookings.insertItems(
            tx,
            id,
            fields.status,
            match.inserts.map((index) => items[index] as PlannedItem),
            now,
          );
        } else {
          if (fields.status !== "cancelled") {
            await this.checkBookable(
              tx,
              [],
              [],
              before.items.map((item) => item.resourceId),
            );
          }
          await this.bookings.updateItems(tx, id, fields.status, []);
        }
        await this.bookings.updateBooking(tx, id, fields, now);
        const booking = await this.mustRead(tx, id);
        const sent = FIELDS.filter((field) => input[field] !== undefined);
        const cancelled = fields.status === "cancelled";
        await this.bookings.record(tx, cancelled ? "booking.cancelled" : "booking.updated", booking, actor, {
          before: Object.fromEntries(sent.map((field) => [field, shownBefore[field]])),
          after: Object.fromEntries(sent.map((field) => [field, booking[field]])),
        });
        if (booking.items[0]?.starts_at !== shownBefore.items[0]?.starts_at)
          await this.scheduleReminder(tx, booking);
        return booking;
      }),
    );
  }

  /**
   * Locks the resources of the items at `indexes` and those of `alsoLock` (lockResources: every
   * writer of a resource's items queues there). The items at `indexes` must name resources that
   * exist (404), are neither archived nor inactive (400), and are open for the whole item in
   * TIMEZONE (422).
   */
  private async checkBookable(
    tx: Tx,
    items: PlannedItem[],
    indexes: number[],
    alsoLock: number[] = [],
  ): Promise<void> {
    const ids = new Set([...indexes.map((i) => items[i]?.resourceId ?? 0), ...alsoLock]);
    if (ids.size === 0) return;
    const resources = new Map(
      (await this.bookings.lockResources(tx, [...ids])).map((resource) => [resource.id, resource]),
    );
    for (const index of [...indexes].sort((a, b) => a - b)) {
      const item = items[index] as PlannedItem;
      const resource = resources.get(item.resourceId);
      if (!resource) throw resourceNotFoundAt(index, item.resourceId);
      if (resource.archived) throw resourceNotBookable(index, item.resourceId, "archived");
      if (!resource.is_active) throw resourceNotBookable(index, item.resourceId, "inactive");
      if (!isWithinOpeningHours(resource.opening_hours, item, this.settings.timeZone)) {
        throw outsideOpeningHours(index, resource.name, this.settings.timeZone);
      }
    }
  }

  /**
   * Runs the write; when it breaks NO DOUBLE BOOKING (23P01, the transaction rolled back), names
   * the bookings its items collide with. When none is found (cancelled meanwhile), the slot may be
   * free now: the write is tried again.
   */
  private async withConflicts<T>(
    items: PlannedItem[],
    self: number | null,
    write: () => Promise<T>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write();
      } catch (error) {
        // Two transactions inserting overlapping items each find the other's uncommitted row and wait
        // for it: PostgreSQL ends one with a deadlock. Tried again, it waits for the survivor, and
        // then collides with it as a 23P01 (or finds the slot free, had the survivor rolled back).
        if (isDeadlock(error) && attempt < DEADLOCK_ATTEMPTS) continue;
        if (!isExclusionViolation(error) && !isDeadlock(error)) throw error;
        const conflicts = await this.bookings.conflictingBookings(items, self);
        if (conflicts.length > 0 || attempt >= DEADLOCK_ATTEMPTS) throw bookingConflict(conflicts);
      }
    }
  }

  /** A reminder job for the booking's first start, due BOOKING_REMINDER_BEFORE_MINUTES before it. */
  private async scheduleReminder(tx: Tx, booking: BookingDto): Promise<void> {
    const first = booking.items[0];
    if (!first || booking.status === "cancelled" || booking.status === "completed") return;
    const startsAt = new Date(first.starts_at);
    const now = this.clock.now();
    if (startsAt <= now) return;
    const due = new Date(startsAt.getTime() - this.settings.reminderBeforeMinutes * 60_000);
    await this.jobs.send(
      bookingReminder,
      { bookingId: booking.id, startsAt: first.starts_at },
      { transaction: tx, ...(due > now && { startAfter: due }) },
    );
  }

  private async mustRead(tx: Tx, id: number): Promise<BookingDto> {
    const booking = await this.reads.findById(id, tx);
    if (!booking) throw bookingNotFound(id);
    return booking;
  }
}

function samePlace(
  stored: readonly { id: number; resourceId: number; start: Date; end: Date }[],
  id: number,
  item: PlannedItem | undefined,
): boolean {
  const old = stored.find((candidate) => candidate.id === id);
  return (
    old !== undefined &&
    item !== undefined &&
    old.resourceId === item.resourceId &&
    old.start.getTime() === item.start.getTime() &&
    old.end.getTime() === item.end.getTime()
  );
}
