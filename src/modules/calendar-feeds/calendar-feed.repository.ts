// Calendar feeds' storage: each change and its calendar_feed.* event in one transaction, the
// event's data the feed as GET /calendar/feeds shows it (never the token, which is not stored,
// nor its hash).
import type { CalendarFeed, Prisma, PrismaClient } from "../../generated/prisma/client.js";
import type { AuditRepository } from "../audit/audit.repository.js";
import { toCalendarFeedDto } from "./calendar-feed.dto.js";

/** A feed as its token finds it: with the name of the resource it shows alone, if any. */
export type FeedRecord = CalendarFeed & { resourceName: string | null };

export type FeedCreation =
  | { outcome: "created"; feed: CalendarFeed }
  | { outcome: "resource_not_found" }
  | { outcome: "resource_archived" };

export class CalendarFeedRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly audit: AuditRepository,
  ) {}

  /**
   * Creates the feed and records calendar_feed.created in one transaction. Its resource, when it
   * names one, is read FOR SHARE first, so an archive of it commits before (and the feed is
   * refused) or waits until the feed is stored.
   */
  create(
    data: { label: string | null; resourceId: number | null; tokenHash: string; now: Date },
    actor: string,
  ): Promise<FeedCreation> {
    return this.prisma.$transaction(async (tx) => {
      if (data.resourceId !== null) {
        const [resource] = await tx.$queryRaw<{ archived: boolean }[]>`
          SELECT archived_at IS NOT NULL AS archived FROM resources WHERE id = ${data.resourceId} FOR SHARE`;
        if (!resource) return { outcome: "resource_not_found" };
        if (resource.archived) return { outcome: "resource_archived" };
      }
      const feed = await tx.calendarFeed.create({
        data: {
          label: data.label,
          resourceId: data.resourceId,
          tokenHash: data.tokenHash,
          createdAt: data.now,
        },
      });
      await this.record(tx, "calendar_feed.created", feed, actor);
      return { outcome: "created", feed };
    });
  }

  /** Every feed, oldest first, revoked ones included. */
  list(): Promise<CalendarFeed[]> {
    return this.prisma.calendarFeed.findMany({ orderBy: { id: "asc" } });
  }

  /**
   * The feed whose token has this hash, revoked or not; the caller compares the hash in constant
   * time. Looking the row up by the hash leaks nothing useful through timing: the caller cannot
   * choose the digest (as API keys, api-key.repository.ts).
   */
  async findByHash(tokenHash: string): Promise<FeedRecord | null> {
    const feed = await this.prisma.calendarFeed.findUnique({
      where: { tokenHash },
      include: { resource: { select: { name: true } } },
    });
    if (!feed) return null;
    const { resource, ...row } = feed;
    return { ...row, resourceName: resource?.name ?? null };
  }

  /**
   * Revokes the feed if it is active, recording calendar_feed.revoked in the same transaction;
   * revoking twice keeps the first time and records nothing. Null when no such feed.
   */
  revoke(id: number, actor: string, now: Date): Promise<CalendarFeed | null> {
    return this.prisma.$transaction(async (tx) => {
      const { count } = await tx.calendarFeed.updateMany({
        where: { id, revokedAt: null },
        data: { revokedAt: now },
      });
      const feed = await tx.calendarFeed.findUnique({ where: { id } });
      if (count > 0 && feed) await this.record(tx, "calendar_feed.revoked", feed, actor);
      return feed;
    });
  }

  private record(
    tx: Prisma.TransactionClient,
    action: "calendar_feed.created" | "calendar_feed.revoked",
    feed: CalendarFeed,
    actor: string,
  ): Promise<void> {
    return this.audit.record(tx, {
      actor,
      action,
      entityType: "calendar_feed",
      entityId: feed.id,
      data: toCalendarFeedDto(feed),
      details: { label: feed.label, resource_id: feed.resourceId },
    });
  }
}
