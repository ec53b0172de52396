import { defineModule } from "../module.js";
import { ActivityRepository } from "./activity.repository.js";
import { activityRoutes } from "./activity.routes.js";
import { ActivityService } from "./activity.service.js";

export const activitiesModule = defineModule({
  name: "activities",
  tag: {
    name: "activities",
    description: "What leads do, recorded by bots: a lead's timeline, a material's views",
  },
  services: ({ database, clock }) => ({
    activities: new ActivityService(new ActivityRepository(database.prisma), clock),
  }),
  routes: async (app, { activities }: { activities: ActivityService }) => {
    await app.register(activityRoutes, { activities });
  },
  // None: activities are an append-only log of their own, read per lead (docs/API.md).
  eventTypes: [],
});
