import { defineModule } from "../module.js";
import { eventStreamRoutes } from "./event-stream.routes.js";
import type { EventStreamService } from "./event-stream.service.js";

export const eventsModule = defineModule({
  name: "events",
  tag: { name: "events", description: "The live event stream, resumable across reconnects and instances" },
  routes: async (app, { eventStreams }: { eventStreams: EventStreamService }) => {
    await app.register(eventStreamRoutes, { streams: eventStreams });
  },
});
