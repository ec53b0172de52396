import type { LeadService } from "../leads/lead.service.js";
import { defineModule } from "../module.js";
import { SegmentRepository } from "./segment.repository.js";
import { segmentRoutes } from "./segment.routes.js";
import { SegmentService } from "./segment.service.js";

export const segmentsModule = defineModule({
  name: "segments",
  tag: { name: "segments", description: "Groups of leads: filters evaluated when read, or fixed lists" },
  // A segment's leads are the leads service's list with the segment as a filter.
  services: ({ database, auditRepository, clock }, { leads }: { leads: LeadService }) => ({
    segments: new SegmentService(
      new SegmentRepository(database.prisma, auditRepository, database.heavy),
      leads,
      clock,
    ),
  }),
  routes: async (app, { segments }: { segments: SegmentService }) => {
    await app.register(segmentRoutes, { segments });
  },
  eventTypes: ["segment.created", "segment.updated", "segment.archived"],
});
