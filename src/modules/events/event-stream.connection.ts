// One client's live stream: a cursor into the event log, moved by reading (cursor,
// horizon] in pages whenever the feed's horizon moves, each event written as SSE.
//
// Bounded: the log is the buffer, not memory. Events are read only while the client
// takes them; once `maxBufferedBytes` wait unsent and the socket wants a drain, the
// pump stops and waits for it, and a client that does not drain within
// `drainTimeoutMs` is dropped (its connection destroyed, which frees what it held).
// It reconnects with Last-Event-ID, the last event it received whole, and loses nothing.
import type { Writable } from "node:stream";
import type { StreamMetrics } from "../../core/ports.js";
import type { EventFeed } from "./event-feed.js";
import type { EventFilter, EventLogRepository, LoggedEvent } from "./event-log.repository.js";

export type EventStreamOptions = {
  /** Between two heartbeat comments (API.md: at least every 15 s). */
  heartbeatMs: number;
  /** Unsent bytes a client may have before the stream waits for it to drain. */
  maxBufferedBytes: number;
  /** How long a full buffer may stay undrained before the client is dropped. */
  drainTimeoutMs: number;
  /** Events read per statement. */
  pageSize: number;
};

export type StreamLog = { warn(details: object, message: string): void };

export type ConnectionContext = {
  eventLog: Pick<EventLogRepository, "read">;
  feed: Pick<EventFeed, "current" | "subscribe">;
  metrics: StreamMetrics;
  log: StreamLog;
  options: EventStreamOptions;
};

/** How a stream ends: the client left, the server ends it (shutdown, a failed read), or drops it. */
type Ending = "gone" | "end" | "drop";

/** The event as the `data:` line carries it (API.md "Events"). */
export type StreamEvent = { id: number; type: string; occurred_at: string; actor: string; data: unknown };

export function toStreamEvent(event: LoggedEvent): StreamEvent {
  return {
    id: Number(event.id),
    type: event.type,
    occurred_at: event.occurredAt.toISOString(),
    actor: event.actor,
    data: JSON.parse(event.dataJson) as unknown,
  };
}

/** One SSE message; JSON.stringify escapes line breaks, so the data is a single `data:` line. */
export function formatEvent(event: LoggedEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(toStreamEvent(event))}\n\n`;
}

const HEARTBEAT = ": heartbeat\n\n";

export class EventStreamConnection {
  private closed = false;
  private again = false;
  private pumping: Promise<void> | undefined;
  /** Set while the pump waits for the client to drain: ends the wait (false: not drained). */
  private stopWaiting: ((drained: boolean) => void) | undefined;
  private readonly unsubscribe: () => void;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly ended: Promise<void>;
  private resolveEnded: () => void = () => {};

  constructor(
    private readonly out: Writable,
    private cursor: bigint,
    private readonly filter: EventFilter,
    private readonly context: ConnectionContext,
  ) {
    this.ended = new Promise((resolve) => {
      this.resolveEnded = resolve;
    });
    context.metrics.streamOpened();
    out.once("close", () => void this.close("gone"));
    // A write to a connection that broke meanwhile; its close follows.
    out.on("error", () => this.end("gone"));
    // A first write before the handler returns: without one, some clients saw no content type.
    out.write(": connected\n\n");
    this.unsubscribe = context.feed.subscribe(() => this.wake());
    this.heartbeat = setInterval(() => this.beat(), context.options.heartbeatMs);
    this.wake();
  }

  /** Resolves once the stream has ended, however it ended. */
  get done(): Promise<void> {
    return this.ended;
  }

  /**
   * Ends the stream and resolves once no read of it runs any more. "end" finishes the
   * response (a client reconnects, to another instance at shutdown); "drop" destroys the
   * connection, so the bytes it held are freed at once.
   */
  close(how: Ending): Promise<void> {
    this.end(how);
    return this.ended;
  }

  private end(how: Ending): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.unsubscribe();
    this.stopWaiting?.(false);
    if (how === "drop") {
      this.context.metrics.streamClientDropped();
      this.out.destroy();
    } else if (how === "end") {
      this.out.end();
    }
    this.context.metrics.streamClosed();
    // Called from the pump too (a drop): it returns right after, so this never waits on itself.
    void Promise.resolve(this.pumping).then(() => this.resolveEnded());
  }

  private wake(): void {
    if (this.closed) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.pump()
      .catch((error: unknown) => {
        this.context.log.warn({ err: error }, "event stream: reading the log failed; ending the stream");
        this.end("end");
      })
      .finally(() => {
        this.pumping = undefined;
        // A horizon move between the pump's last look and here must not be lost.
        if (this.again) this.wake();
      });
  }

  private async pump(): Promise<void> {
    do {
      this.again = false;
      await this.catchUp(this.context.feed.current);
    } while (this.again && !this.closed);
  }

  /** Writes every event of (cursor, horizon] the filter lets through, in id order. */
  private async catchUp(horizon: bigint): Promise<void> {
    const { pageSize } = this.context.options;
    while (!this.closed && this.cursor < horizon) {
      const events = await this.context.eventLog.read(this.cursor, horizon, this.filter, pageSize);
      for (const event of events) {
        if (!(await this.roomToWrite())) return;
        this.out.write(formatEvent(event));
        this.cursor = event.id;
      }
      // A short page: nothing else up to the horizon passes the filter.
      if (events.length < pageSize && !this.closed) this.cursor = horizon;
    }
  }

  /** False when the stream ended meanwhile, or the client did not drain in time (then it is dropped). */
  private async roomToWrite(): Promise<boolean> {
    if (this.closed || this.out.destroyed) return false;
    const { maxBufferedBytes } = this.context.options;
    if (!this.out.writableNeedDrain || this.out.writableLength < maxBufferedBytes) return true;
    if (await this.drained()) return !this.closed;
    this.end("drop");
    return false;
  }

  private drained(): Promise<boolean> {
    return new Promise((resolve) => {
      const finish = (drained: boolean) => {
        clearTimeout(timer);
        this.out.off("drain", onDrain);
        this.stopWaiting = undefined;
        resolve(drained);
      };
      const onDrain = () => finish(true);
      const timer = setTimeout(() => finish(false), this.context.options.drainTimeoutMs);
      this.out.once("drain", onDrain);
      this.stopWaiting = finish;
    });
  }

  /** A comment, so proxies and clients see the connection alive; not while the client is behind anyway. */
  private beat(): void {
    if (this.closed || this.stopWaiting || this.out.destroyed) return;
    this.out.write(HEARTBEAT);
  }
}
