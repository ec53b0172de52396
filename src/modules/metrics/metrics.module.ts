// GET /metrics; the hook that counts every answer is installed by app.ts (it must see every route).
import { defineModule } from "../module.js";
import type { Metrics } from "./metrics.js";
import { metricsRoutes } from "./metrics.routes.js";

export const metricsModule = defineModule({
  name: "metrics",
  // Under the service's own tag (src/http/swagger.ts), with /health and /ready.
  routes: async (app, { metrics }: { metrics: Metrics }) => {
    await app.register(metricsRoutes, { metrics });
  },
});
