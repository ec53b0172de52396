import { defineModule } from "../module.js";
import { ResourceRepository } from "./resource.repository.js";
import { resourceRoutes } from "./resource.routes.js";
import { ResourceService } from "./resource.service.js";

export const resourcesModule = defineModule({
  name: "resources",
  tag: {
    name: "resources",
    description: "What gets booked: playing fields, rest rooms, tables, with opening hours",
  },
  services: ({ database, auditRepository, clock }) => ({
    resources: new ResourceService(new ResourceRepository(database.prisma, auditRepository), clock),
  }),
  routes: async (app, { resources }: { resources: ResourceService }) => {
    await app.register(resourceRoutes, { resources });
  },
  eventTypes: ["resource.created", "resource.updated", "resource.archived"],
});
