// The event log's reading side, as a module of its own without routes: the webhooks module
// delivers from it and its routes come before the events module's stream in the document, so
// it is listed before both (src/modules/index.ts). Writers record through the context's
// auditRepository.
import { defineModule, type ModuleContext } from "../module.js";
import { EventFeed } from "./event-feed.js";
import { EventHorizon } from "./event-horizon.js";
import { EventLogRepository } from "./event-log.repository.js";

export type EventLogOptions = {
  /** How often the event feed looks at the log while someone listens (default 100 ms). */
  eventPollIntervalMs?: number;
};

/** Commit-to-delivery is at least this plus a statement: small enough for a live feed, one cheap probe each. */
const DEFAULT_EVENT_POLL_INTERVAL_MS = 100;

export const eventLogModule = defineModule({
  name: "event-log",
  services: ({ database, log, options }: ModuleContext<EventLogOptions>) => {
    // The log's subscribers on the background pool: never queued behind requests.
    const eventLog = new EventLogRepository(database.background);
    return {
      /** The event log's reads for subscribers (the live stream, webhooks). */
      eventLog,
      /** This process's one poller of the event log: how far subscribers may read. */
      eventFeed: new EventFeed(new EventHorizon(eventLog), {
        pollIntervalMs: options.eventPollIntervalMs ?? DEFAULT_EVENT_POLL_INTERVAL_MS,
        log,
      }),
    };
  },
});
