import { AppealRepository } from "../appeals/appeal.repository.js";
import { defineModule } from "../module.js";
import { LeadRepository } from "./lead.repository.js";
import { leadRoutes } from "./lead.routes.js";
import { LeadService } from "./lead.service.js";

export const leadsModule = defineModule({
  name: "leads",
  tag: { name: "leads", description: "Customers, one per external id across all sources" },
  // A lead's appeals are read through the appeals module's repository (it holds no state).
  services: ({ database }) => ({
    leads: new LeadService(new LeadRepository(database.prisma), new AppealRepository(database.prisma)),
  }),
  routes: async (app, { leads }: { leads: LeadService }) => {
    await app.register(leadRoutes, { leads });
  },
  // Written by the intake statement when it changes a lead's profile.
  eventTypes: ["lead.created", "lead.updated"],
});
