import { AppealRepository } from "../appeals/appeal.repository.js";
import { defineModule, type ModuleContext } from "../module.js";
import { segmentLookup } from "../segments/segment.repository.js";
import { LeadRepository } from "./lead.repository.js";
import { leadRoutes } from "./lead.routes.js";
import { LeadService } from "./lead.service.js";
import { DEFAULT_PHONE_REGION, type PhoneOptions } from "./phone.js";

export const leadsModule = defineModule({
  name: "leads",
  tag: { name: "leads", description: "Customers, one per external id across all sources" },
  // A lead's appeals are read through the appeals module's repository, a segment_id filter's
  // segment through the segments' lookup (neither holds state).
  services: ({ database, auditRepository, clock, options }: ModuleContext<PhoneOptions>) => ({
    leads: new LeadService(
      new LeadRepository(database.prisma, auditRepository, database.heavy),
      new AppealRepository(database.prisma),
      clock,
      options.phoneRegion ?? DEFAULT_PHONE_REGION,
      segmentLookup(database.prisma),
    ),
  }),
  routes: async (app, { leads }: { leads: LeadService }) => {
    await app.register(leadRoutes, { leads });
  },
  // Written by the intake statement (a new lead, a changed profile) and by PATCH /leads/{id} and consent.
  eventTypes: ["lead.created", "lead.updated", "lead.erased"],
});
