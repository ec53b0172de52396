import type { DistributionService } from "../appeals/distribution.service.js";
import { defineModule } from "../module.js";
import { OperatorRepository } from "./operator.repository.js";
import { operatorRoutes } from "./operator.routes.js";
import { OperatorService } from "./operator.service.js";

export const operatorsModule = defineModule({
  name: "operators",
  tag: { name: "operators", description: "People who handle appeals" },
  // A change that frees capacity drains through the distribution engine.
  services: ({ database, auditRepository }, { distribution }: { distribution: DistributionService }) => ({
    operators: new OperatorService(new OperatorRepository(database.prisma, auditRepository), distribution),
  }),
  routes: async (app, { operators }: { operators: OperatorService }) => {
    await app.register(operatorRoutes, { operators });
  },
  // operator.load_reconciled and operator.archived are written by the appeals engine's statements.
  eventTypes: ["operator.created", "operator.updated", "operator.load_reconciled", "operator.archived"],
});
