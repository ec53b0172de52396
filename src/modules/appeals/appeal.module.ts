import { defineModule } from "../module.js";
import { appealRoutes } from "./appeal.routes.js";
import type { AppealService } from "./appeal.service.js";

export const appealsModule = defineModule({
  name: "appeals",
  tag: { name: "appeals", description: "Contacts from leads, and their assignment" },
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
});
