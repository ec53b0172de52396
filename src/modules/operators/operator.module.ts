import { defineModule } from "../module.js";
import { operatorRoutes } from "./operator.routes.js";
import type { OperatorService } from "./operator.service.js";

export const operatorsModule = defineModule({
  name: "operators",
  tag: { name: "operators", description: "People who handle appeals" },
  routes: async (app, { operators }: { operators: OperatorService }) => {
    await app.register(operatorRoutes, { operators });
  },
  // operator.load_reconciled and operator.archived are written by the appeals engine's statements.
  eventTypes: ["operator.created", "operator.updated", "operator.load_reconciled", "operator.archived"],
});
