import { AppealRepository } from "../appeals/appeal.repository.js";
import { defineModule, type ModuleContext } from "../module.js";
import { LeadRepository } from "./lead.repository.js";
import { leadRoutes } from "./lead.routes.js";
import { LeadService } from "./lead.service.js";
import { DEFAULT_PHONE_REGION, type PhoneOptions } from "./phone.js";

export const leadsModule = defineModule({
  name: "leads",
  tag: { name: "leads", description: "Customers, one per external id across all sources" },
  // A lead's appeals are read through the appeals module's repository (it holds no state).
  services: ({ database, auditRepository, clock, options }: ModuleContext<PhoneOptions>) => ({
    leads: new LeadService(
      new LeadRepository(database.prisma, auditRepository, database.heavy),
      new AppealRepository(database.prisma),
      clock,
      options.phoneRegion ?? DEFAULT_PHONE_REGION,
    ),
  }),
  routes: async (app, { leads }: { leads: LeadService }) => {
    await app.register(leadRoutes, { leads });
  },
  // Written by the intake statement (a new lead, a changed profile) and by PATCH /leads/{id} and consent.
  eventTypes: ["lead.created", "lead.updated", "lead.erased"],
});
