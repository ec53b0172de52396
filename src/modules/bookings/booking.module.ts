import { defineModule, type ModuleContext } from "../module.js";
import { ResourceRepository } from "../resources/resource.repository.js";
import { bookingJobs } from "./booking.jobs.js";
import { BookingRepository } from "./booking.repository.js";
import { bookingRoutes } from "./booking.routes.js";
import { BookingService } from "./booking.service.js";
import { BookingReadRepository } from "./booking-read.repository.js";
import { BookingReminderService } from "./booking-reminder.service.js";
import { calendarRoutes } from "./calendar.routes.js";
import { CalendarService } from "./calendar.service.js";

/** What the bookings read of createDeps' options (TIMEZONE, BOOKING_REMINDER_BEFORE_MINUTES). */
export type BookingOptions = { timeZone?: string; bookingReminderBeforeMinutes?: number };

export const DEFAULT_TIME_ZONE = "UTC";
export const DEFAULT_REMINDER_BEFORE_MINUTES = 1440;

export const bookingsModule = defineModule({
  name: "bookings",
  tag: { name: "bookings", description: "Bookings of resources, without double booking, and the calendar" },
  services: ({ database, auditRepository, clock, jobs, options }: ModuleContext<BookingOptions>) => {
    const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
    const writes = new BookingRepository(database.prisma, auditRepository);
    const reads = new BookingReadRepository(database.prisma);
    return {
      bookings: new BookingService(writes, reads, jobs, clock, {
        timeZone,
        reminderBeforeMinutes: options.bookingReminderBeforeMinutes ?? DEFAULT_REMINDER_BEFORE_MINUTES,
      }),
      bookingReminders: new BookingReminderService(writes, reads, clock),
      calendar: new CalendarService(
        reads,
        new ResourceRepository(database.prisma, auditRepository),
        timeZone,
      ),
    };
  },
  routes: async (app, deps: { bookings: BookingService; calendar: CalendarService }) => {
    await app.register(bookingRoutes, { bookings: deps.bookings });
    await app.register(calendarRoutes, { calendar: deps.calendar });
  },
  eventTypes: ["booking.created", "booking.updated", "booking.cancelled", "booking.reminder"],
  jobs: bookingJobs,
});
