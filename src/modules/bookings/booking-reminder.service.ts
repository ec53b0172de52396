// booking.reminder: once per booking and start, BOOKING_REMINDER_BEFORE_MINUTES before its first
// item starts. The job (booking.jobs.ts) carries the start it was sent for; here the booking is
// read again, so a moved, cancelled or completed booking is not reminded by an old job, and the
// mark and the event commit together, so a retry, a restart or a second worker never doubles it.
import type { Clock } from "../../core/ports.js";
import type { BookingRepository } from "./booking.repository.js";
import type { BookingReadRepository } from "./booking-read.repository.js";

/** The actor of events the service records itself. */
const SYSTEM_ACTOR = "system";

export class BookingReminderService {
  constructor(
    private readonly bookings: BookingRepository,
    private readonly reads: BookingReadRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * Records booking.reminder when `startsAt` is still the booking's first start, still ahead, the
   * booking tentative or confirmed and not reminded for it yet. True when this call recorded it.
   */
  async remind(bookingId: number, startsAt: Date): Promise<boolean> {
    // A reminder that comes after the start (its workers were down) would only confuse.
    if (this.clock.now() >= startsAt) return false;
    return this.bookings.transaction(async (tx) => {
      if (!(await this.bookings.markReminded(tx, bookingId, startsAt))) return false;
      const booking = await this.reads.findById(bookingId, tx);
      if (!booking) return false; // the row was just updated in this transaction: never
      await this.bookings.record(tx, "booking.reminder", booking, SYSTEM_ACTOR, {
        starts_at: startsAt.toISOString(),
      });
      return true;
    });
  }
}
