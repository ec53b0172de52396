// One poller of the event log per process, shared by every subscriber in it (live
// streams, the webhook dispatcher): it moves the EventHorizon and tells subscribers
// how far they may read. Polling, not LISTEN/NOTIFY: it works across instances on any
// PostgreSQL, and on the embedded database, where NOTIFY does not cross connections.
// It polls only while someone listens.
import type { EventHorizon } from "./event-horizon.js";

export type FeedLog = { warn(details: object, message: string): void };

export type EventFeedOptions = {
  /** Between two looks at the log while someone listens. */
  pollIntervalMs: number;
  log: FeedLog;
};

export type HorizonListener = (horizon: bigint) => void;

export class EventFeed {
  private readonly listeners = new Set<HorizonListener>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<bigint> | undefined;
  private stopped = false;

  constructor(
    private readonly horizon: EventHorizon,
    private readonly options: EventFeedOptions,
  ) {}

  /** How far the log may be read now. */
  get current(): bigint {
    return this.horizon.horizon;
  }

  /** Calls `listener` whenever the horizon moves; returns the unsubscribe. */
  subscribe(listener: HorizonListener): () => void {
    this.listeners.add(listener);
    this.schedule();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.cancel();
    };
  }

  /** Looks at the log now (and tells the listeners when the horizon moved); one look at a time. */
  poll(): Promise<bigint> {
    this.polling ??= this.look().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  /** Stops polling; a look in flight finishes. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancel();
    await this.polling?.catch(() => {});
  }

  private async look(): Promise<bigint> {
    const before = this.horizon.horizon;
    const after = await this.horizon.advance();
    if (after !== before) for (const listener of this.listeners) listener(after);
    return after;
  }

  private schedule(): void {
    if (this.timer || this.stopped || this.listeners.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.poll()
        .catch((error: unknown) => this.options.log.warn({ err: error }, "event log poll failed"))
        .finally(() => this.schedule());
    }, this.options.pollIntervalMs);
  }

  private cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
