import { defineModule } from "../module.js";
import { MaterialRepository } from "./material.repository.js";
import { materialRoutes } from "./material.routes.js";
import { MaterialService } from "./material.service.js";

export const materialsModule = defineModule({
  name: "materials",
  tag: { name: "materials", description: "What the bots publish and show: articles, products, events" },
  services: ({ database, auditRepository, clock }) => ({
    materials: new MaterialService(new MaterialRepository(database.prisma, auditRepository), clock),
  }),
  routes: async (app, { materials }: { materials: MaterialService }) => {
    await app.register(materialRoutes, { materials });
  },
  eventTypes: ["material.created", "material.updated", "material.archived"],
});
