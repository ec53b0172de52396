// Every module, one line each. Their routes register in this order, which is also the
// order of the OpenAPI document's paths; their tags are listed in it too.
import { appealsModule } from "./appeals/appeal.module.js";
import { auditModule } from "./audit/audit.module.js";
import { authModule } from "./auth/auth.module.js";
import { eventsModule } from "./events/events.module.js";
import { healthModule } from "./health/health.module.js";
import { leadsModule } from "./leads/lead.module.js";
import { metricsModule } from "./metrics/metrics.module.js";
import { operatorsModule } from "./operators/operator.module.js";
import { sourcesModule } from "./sources/source.module.js";
import { statsModule } from "./stats/stats.module.js";
import { webhooksModule } from "./webhooks/webhooks.module.js";

export const MODULES = [
  metricsModule,
  healthModule,
  operatorsModule,
  sourcesModule,
  appealsModule,
  leadsModule,
  statsModule,
  auditModule,
  authModule,
  webhooksModule,
  eventsModule,
] as const;
