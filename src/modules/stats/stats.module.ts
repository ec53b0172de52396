import { defineModule } from "../module.js";
import { statsRoutes } from "./stats.routes.js";
import type { StatsService } from "./stats.service.js";

export const statsModule = defineModule({
  name: "stats",
  tag: { name: "stats", description: "Distribution statistics" },
  routes: async (app, { stats }: { stats: StatsService }) => {
    await app.register(statsRoutes, { stats });
  },
});
