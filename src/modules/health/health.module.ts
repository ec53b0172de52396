// GET /health and /ready: the probes, under the service's own tag (src/http/swagger.ts).
import type { Database } from "../../db/prisma.js";
import { defineModule } from "../module.js";
import { healthRoutes } from "./health.routes.js";

export const healthModule = defineModule({
  name: "health",
  routes: async (app, { database }: { database: Database }) => {
    await app.register(healthRoutes, { database });
  },
});
