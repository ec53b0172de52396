import { defineModule } from "../module.js";
import { leadRoutes } from "./lead.routes.js";
import type { LeadService } from "./lead.service.js";

export const leadsModule = defineModule({
  name: "leads",
  tag: { name: "leads", description: "Customers, one per external id across all sources" },
  routes: async (app, { leads }: { leads: LeadService }) => {
    await app.register(leadRoutes, { leads });
  },
  // Written by the intake statement when it changes a lead's profile.
  eventTypes: ["lead.created", "lead.updated"],
});
