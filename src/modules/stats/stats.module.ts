import { defineModule } from "../module.js";
import { StatsRepository } from "./stats.repository.js";
import { statsRoutes } from "./stats.routes.js";
import { StatsService } from "./stats.service.js";

export const statsModule = defineModule({
  name: "stats",
  tag: { name: "stats", description: "Distribution statistics" },
  services: ({ database }) => ({ stats: new StatsService(new StatsRepository(database.prisma)) }),
  routes: async (app, { stats }: { stats: StatsService }) => {
    await app.register(statsRoutes, { stats });
  },
});
