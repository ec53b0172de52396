import { defineModule } from "../module.js";
import { auditRoutes } from "./audit.routes.js";
import type { AuditService } from "./audit.service.js";

export const auditModule = defineModule({
  name: "audit",
  tag: { name: "audit", description: "Who changed what, and every assignment event" },
  routes: async (app, { audit }: { audit: AuditService }) => {
    await app.register(auditRoutes, { audit });
  },
});
