// The bookings module's background job: the reminder, sent in the transaction of the change that
// sets a booking's first start (a booking made, an item moved), due BOOKING_REMINDER_BEFORE_MINUTES
// before it. A move sends a new one; the old one then finds nothing to do (booking-reminder.service.ts).
import { defineJob } from "../../jobs/job.js";
import type { BookingReminderService } from "./booking-reminder.service.js";

export type ReminderData = { bookingId: number; startsAt: string };

export const bookingReminder = defineJob({
  name: "bookings.reminder",
  policy: "standard",
  retry: { limit: 5, delaySeconds: 30, backoff: true },
  expireInSeconds: 60,
  run: async (
    { data }: { data: ReminderData },
    { bookingReminders }: { bookingReminders: Pick<BookingReminderService, "remind"> },
  ) => ({ reminded: await bookingReminders.remind(data.bookingId, new Date(data.startsAt)) }),
});

/** Declared by the bookings manifest (booking.module.ts). */
export const bookingJobs = [bookingReminder];
