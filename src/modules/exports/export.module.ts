import { DEFAULT_PHONE_REGION, type PhoneOptions } from "../leads/phone.js";
import { defineModule, type ModuleContext } from "../module.js";
import { segmentLookup } from "../segments/segment.repository.js";
import { ExportRepository } from "./export.repository.js";
import { exportRoutes } from "./export.routes.js";
import { type ExportModuleOptions, ExportService } from "./export.service.js";

export const exportsModule = defineModule({
  name: "exports",
  tag: { name: "exports", description: "Leads and appeals as CSV or Excel files, streamed" },
  // On the heavy reads' pool, a connection held for each export's whole stream.
  services: ({ database, clock, options }: ModuleContext<PhoneOptions & ExportModuleOptions>) => ({
    exports: new ExportService(
      new ExportRepository(database.heavyCursor),
      clock,
      options.phoneRegion ?? DEFAULT_PHONE_REGION,
      segmentLookup(database.prisma),
      options.exports,
    ),
  }),
  routes: async (app, { exports }: { exports: ExportService }) => {
    await app.register(exportRoutes, { exports });
  },
});
