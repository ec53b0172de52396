// Calendar feeds: created by admins (the token, in the feed's URL, is shown once), listed without
// tokens, revoked, and checked on every poll of GET /calendar.ics. No cache: a calendar app polls
// every few minutes at most, and a revoked feed stops at once, on every instance.

import { NotFoundError, ValidationError } from "../../core/errors.js";
import type { Clock } from "../../core/ports.js";
import { toCalendarFeedDto } from "./calendar-feed.dto.js";
import type { CalendarFeedRepository, FeedRecord } from "./calendar-feed.repository.js";
import type {
  CalendarFeedCreatedDto,
  CalendarFeedDto,
  CreateCalendarFeedInput,
} from "./calendar-feed.schemas.js";
import { generateFeedToken, hashFeedToken, MAX_TOKEN_LENGTH, sameTokenHash } from "./feed-token.js";

export type CalendarFeedSettings = {
  /** PUBLIC_URL: the address phones reach the service by; null: the one the admin's request came to. */
  publicUrl: string | null;
};

export class CalendarFeedService {
  constructor(
    private readonly feeds: CalendarFeedRepository,
    private readonly clock: Clock,
    private readonly settings: CalendarFeedSettings,
  ) {}

  /**
   * Creates a feed; the answer's token and url are the only time the token exists in clear.
   * `origin` ("http://127.0.0.1:3000") is where the request came, the url's base without PUBLIC_URL.
   */
  async create(
    input: CreateCalendarFeedInput,
    actor: string,
    origin: string,
  ): Promise<CalendarFeedCreatedDto> {
    const resourceId = input.resource_id ?? null;
    const { token, tokenHash } = generateFeedToken();
    const created = await this.feeds.create(
      { label: input.label ?? null, resourceId, tokenHash, now: this.clock.now() },
      actor,
    );
    if (created.outcome === "resource_not_found") {
      throw new NotFoundError(`Resource ${resourceId} does not exist.`, [
        { path: "resource_id", message: "not found" },
      ]);
    }
    if (created.outcome === "resource_archived") {
      throw new ValidationError(`Resource ${resourceId} is archived: a feed of it would stay empty.`, [
        { path: "resource_id", message: "is archived" },
      ]);
    }
    const { revoked_at: _, ...feed } = toCalendarFeedDto(created.feed);
    const base = this.settings.publicUrl ?? origin;
    return { ...feed, url: `${base}/calendar.ics?token=${token}`, token };
  }

  async list(): Promise<CalendarFeedDto[]> {
    return (await this.feeds.list()).map(toCalendarFeedDto);
  }

  /** Revokes a feed: its URL answers 401 from the next poll on. Revoking twice keeps the first time. */
  async revoke(id: number, actor: string): Promise<CalendarFeedDto> {
    const feed = await this.feeds.revoke(id, actor, this.clock.now());
    if (!feed) throw new NotFoundError(`Calendar feed ${id} does not exist.`);
    return toCalendarFeedDto(feed);
  }

  /** The active feed a token opens; null for a missing, malformed, unknown or revoked one. */
  async authenticate(token: unknown): Promise<FeedRecord | null> {
    if (typeof token !== "string" || token.length === 0 || token.length > MAX_TOKEN_LENGTH) return null;
    const tokenHash = hashFeedToken(token);
    const feed = await this.feeds.findByHash(tokenHash);
    if (!feed || !sameTokenHash(feed.tokenHash, tokenHash) || feed.revokedAt !== null) return null;
    return feed;
  }
}
