// GET /calendar.ics: the feed a token opens, as RFC 5545, over a bounded window around now.
import { AppError, ValidationError } from "../../core/errors.js";
import type { Clock } from "../../core/ports.js";
import type { CalendarFeedService } from "./calendar-feed.service.js";
import { FEED_FUTURE_DAYS, FEED_PAST_DAYS, renderCalendar } from "./calendar-ics.js";
import type { CalendarIcsRepository } from "./calendar-ics.repository.js";

const DAY_MS = 86_400_000;

/** The one answer to a missing, unknown or revoked token: it says nothing about any feed. */
export function feedUnauthorized(): AppError {
  return new AppError(
    "unauthorized",
    401,
    "Unauthorized",
    "This calendar feed's token is missing, unknown or revoked: ask an admin for a feed URL.",
  );
}

export class CalendarIcsService {
  constructor(
    private readonly feeds: CalendarFeedService,
    private readonly items: CalendarIcsRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * The .ics of the feed `token` opens (401 otherwise, before anything else is read): its items
   * ending after now minus FEED_PAST_DAYS and starting before now plus FEED_FUTURE_DAYS.
   * `resourceId` narrows a feed of every resource; a feed of one resource shows that one only.
   */
  async render(token: unknown, resourceId: number | undefined): Promise<string> {
    const feed = await this.feeds.authenticate(token);
    if (!feed) throw feedUnauthorized();
    if (feed.resourceId !== null && resourceId !== undefined && resourceId !== feed.resourceId) {
      throw new ValidationError(`This feed shows resource ${feed.resourceId} only.`, [
        { path: "resource_id", message: `must be ${feed.resourceId} (the feed's resource) or left out` },
      ]);
    }
    const now = this.clock.now().getTime();
    const items = await this.items.items({
      from: new Date(now - FEED_PAST_DAYS * DAY_MS),
      to: new Date(now + FEED_FUTURE_DAYS * DAY_MS),
      resourceId: feed.resourceId ?? resourceId ?? null,
    });
    const name = feed.resourceName === null ? "Bookings" : `Bookings: ${feed.resourceName}`;
    return renderCalendar(items, name);
  }
}
