// The live stream's use cases: where a client's stream starts, what its key lets it
// see, and opening the stream itself (event-stream.connection.ts).
import type { Writable } from "node:stream";
import { NO_STREAM_METRICS, type StreamMetrics } from "../../core/ports.js";
import type { Principal } from "../auth/principal.js";
import type { EventFeed } from "./event-feed.js";
import type { EventFilter, EventLogRepository } from "./event-log.repository.js";
import { EventStreamConnection, type EventStreamOptions, type StreamLog } from "./event-stream.connection.js";

export const DEFAULT_EVENT_STREAM_OPTIONS: EventStreamOptions = Object.freeze({
  // API.md promises one at least every 15 s: a margin for a busy event loop.
  heartbeatMs: 10_000,
  maxBufferedBytes: 1024 * 1024,
  // A client that cannot take 1 MiB in 30 s is not following the stream.
  drainTimeoutMs: 30_000,
  pageSize: 500,
});

export class EventStreamService {
  private readonly options: EventStreamOptions;

  constructor(
    private readonly eventLog: Pick<EventLogRepository, "read" | "newest">,
    private readonly feed: Pick<EventFeed, "current" | "subscribe">,
    private readonly log: StreamLog,
    private readonly metrics: StreamMetrics = NO_STREAM_METRICS,
    options: Partial<EventStreamOptions> = {},
  ) {
    this.options = { ...DEFAULT_EVENT_STREAM_OPTIONS, ...options };
  }

  /**
   * The id the stream starts after: the client's last event, or the newest event visible
   * now. Not the feed's horizon: it stays where it was while nobody listens, and before
   * the feed's first looks it is 0, so a new client would get history it did not ask for.
   * An event whose transaction was already running with a lower id is missed by a client
   * that gave no Last-Event-ID; one that must miss nothing passes the id it last had (or 0).
   */
  async startAfter(lastEventId: number | undefined): Promise<bigint> {
    return lastEventId === undefined ? await this.eventLog.newest() : BigInt(lastEventId);
  }

  /** Starts writing to `out` every event after `after` that `filter` lets through, then live ones. */
  open(out: Writable, after: bigint, filter: EventFilter): EventStreamConnection {
    return new EventStreamConnection(out, after, filter, {
      eventLog: this.eventLog,
      feed: this.feed,
      metrics: this.metrics,
      log: this.log,
      options: this.options,
    });
  }
}

export type StreamCaller = Pick<Principal, "role" | "sourceIds" | "operatorId"> | null;

/**
 * What a key's stream shows (API.md "Roles"): admin and viewer every event; an operator
 * key the events about its operator's appeals and tasks; an intake key the events of its
 * sources, and an unscoped one those of every source, but no admin changes (operators,
 * weights, API keys), which intake may read nowhere else either. Open mode: everything.
 */
export function streamFilter(caller: StreamCaller, types: readonly string[] | undefined): EventFilter {
  const filter: EventFilter = { types };
  if (caller?.role === "operator") return { ...filter, operatorId: caller.operatorId ?? 0 };
  if (caller?.role === "intake") {
    return caller.sourceIds === null
      ? { ...filter, hasSource: true }
      : { ...filter, sourceIds: caller.sourceIds };
  }
  return filter;
}
