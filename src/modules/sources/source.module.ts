import { defineModule } from "../module.js";
import { sourceRoutes } from "./source.routes.js";
import type { SourceService } from "./source.service.js";

export const sourcesModule = defineModule({
  name: "sources",
  tag: { name: "sources", description: "Channels appeals come in through, and operator weights per channel" },
  routes: async (app, { sources }: { sources: SourceService }) => {
    await app.register(sourceRoutes, { sources });
  },
  eventTypes: [
    "source.created",
    "source.updated",
    "source.archived",
    "weights.replaced",
    "weight.set",
    "weight.removed",
  ],
});
