import { defineModule, type ModuleContext } from "../module.js";
import type { EventFeed } from "./event-feed.js";
import type { EventLogRepository } from "./event-log.repository.js";
import type { EventStreamOptions } from "./event-stream.connection.js";
import { eventStreamRoutes } from "./event-stream.routes.js";
import { EventStreamService } from "./event-stream.service.js";

export type EventStreamModuleOptions = {
  /** The live stream's heartbeat and bounds (tests shorten them). */
  eventStream?: Partial<EventStreamOptions>;
};

export const eventsModule = defineModule({
  name: "events",
  tag: { name: "events", description: "The live event stream, resumable across reconnects and instances" },
  // The stream reads the log through the event log module's reader and feed (event-log.module.ts).
  services: (
    { log, metrics, options }: ModuleContext<EventStreamModuleOptions>,
    { eventLog, eventFeed }: { eventLog: EventLogRepository; eventFeed: EventFeed },
  ) => ({
    /** GET /events/stream's streams over the log and the feed. */
    eventStreams: new EventStreamService(eventLog, eventFeed, log, metrics, options.eventStream),
  }),
  routes: async (app, { eventStreams }: { eventStreams: EventStreamService }) => {
    await app.register(eventStreamRoutes, { streams: eventStreams });
  },
});
