// A calendar feed as GET /calendar/feeds shows it (never the token or its hash): the routes'
// answers and the data of calendar_feed.* events.
import type { CalendarFeed } from "../../generated/prisma/client.js";
import type { CalendarFeedDto } from "./calendar-feed.schemas.js";

export function toCalendarFeedDto(feed: CalendarFeed): CalendarFeedDto {
  return {
    id: feed.id,
    label: feed.label,
    resource_id: feed.resourceId,
    created_at: feed.createdAt.toISOString(),
    revoked_at: feed.revokedAt?.toISOString() ?? null,
  };
}
