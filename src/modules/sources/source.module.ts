import type { DistributionService } from "../appeals/distribution.service.js";
import { defineModule } from "../module.js";
import { SourceRepository } from "./source.repository.js";
import { sourceRoutes } from "./source.routes.js";
import { SourceService } from "./source.service.js";

export const sourcesModule = defineModule({
  name: "sources",
  tag: { name: "sources", description: "Channels appeals come in through, and operator weights per channel" },
  // A change of weights or of the strategy drains the source through the distribution engine.
  services: ({ database, auditRepository }, { distribution }: { distribution: DistributionService }) => ({
    sources: new SourceService(new SourceRepository(database.prisma, auditRepository), distribution),
  }),
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
