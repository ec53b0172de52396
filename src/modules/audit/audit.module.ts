import { defineModule } from "../module.js";
import { auditRoutes } from "./audit.routes.js";
import { AuditService } from "./audit.service.js";

export const auditModule = defineModule({
  name: "audit",
  tag: { name: "audit", description: "Who changed what, and every assignment event" },
  // Reads the repository every writer records through (the context's, built by the composition root).
  services: ({ auditRepository }) => ({ audit: new AuditService(auditRepository) }),
  routes: async (app, { audit }: { audit: AuditService }) => {
    await app.register(auditRoutes, { audit });
  },
});
