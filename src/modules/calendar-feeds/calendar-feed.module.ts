// Calendar feeds for phones: feed tokens (admins) and GET /calendar.ics. A module of its own beside
// bookings: it reads booking items in its own statement and builds nothing of theirs.
import { defineModule, type ModuleContext } from "../module.js";
import { CalendarFeedRepository } from "./calendar-feed.repository.js";
import { calendarFeedRoutes } from "./calendar-feed.routes.js";
import { CalendarFeedService } from "./calendar-feed.service.js";
import { CalendarIcsRepository } from "./calendar-ics.repository.js";
import { calendarIcsRoutes } from "./calendar-ics.routes.js";
import { CalendarIcsService } from "./calendar-ics.service.js";

/** What the feeds read of createDeps' options (PUBLIC_URL). */
export type CalendarFeedOptions = { publicUrl?: string | undefined };

export const calendarFeedsModule = defineModule({
  name: "calendar-feeds",
  tag: {
    name: "calendar-feeds",
    description: "The bookings as an iCalendar feed for phones, and the feed tokens that open it",
  },
  services: ({ database, auditRepository, clock, options }: ModuleContext<CalendarFeedOptions>) => {
    const calendarFeeds = new CalendarFeedService(
      new CalendarFeedRepository(database.prisma, auditRepository),
      clock,
      { publicUrl: options.publicUrl ?? null },
    );
    return {
      calendarFeeds,
      calendarIcs: new CalendarIcsService(calendarFeeds, new CalendarIcsRepository(database.prisma), clock),
    };
  },
  routes: async (app, deps: { calendarFeeds: CalendarFeedService; calendarIcs: CalendarIcsService }) => {
    await app.register(calendarFeedRoutes, { calendarFeeds: deps.calendarFeeds });
    await app.register(calendarIcsRoutes, { calendarIcs: deps.calendarIcs });
  },
  eventTypes: ["calendar_feed.created", "calendar_feed.revoked"],
});
