import { DEFAULT_PHONE_REGION, type PhoneOptions } from "../leads/phone.js";
import { defineModule, type ModuleContext } from "../module.js";
import { appealJobs } from "./appeal.jobs.js";
import { AppealRepository } from "./appeal.repository.js";
import { appealRoutes } from "./appeal.routes.js";
import { AppealService } from "./appeal.service.js";
import type { DistributionService } from "./distribution.service.js";

export const appealsModule = defineModule({
  name: "appeals",
  tag: { name: "appeals", description: "Contacts from leads, and their assignment" },
  // The engine is a module of its own (distribution.module.ts), built before operators and sources.
  services: (
    { database, metrics, options }: ModuleContext<PhoneOptions>,
    { distribution }: { distribution: DistributionService },
  ) => ({
    appeals: new AppealService(
      new AppealRepository(database.prisma),
      distribution,
      metrics,
      options.phoneRegion ?? DEFAULT_PHONE_REGION,
    ),
  }),
  routes: async (app, { appeals }: { appeals: AppealService }) => {
    await app.register(appealRoutes, { appeals });
  },
  eventTypes: [
    "appeal.created",
    "appeal.queued",
    "appeal.assigned",
    "appeal.drained",
    "appeal.closed",
    "appeal.reopened",
  ],
  jobs: appealJobs,
});
