// Every module, one line each. Their services are built in this order, each module's from
// those of the modules before it; their routes register in it, which is also the order of
// the OpenAPI document's paths; their tags are listed in it too.
import { activitiesModule } from "./activities/activity.module.js";
import { appealsModule } from "./appeals/appeal.module.js";
import { distributionModule } from "./appeals/distribution.module.js";
import { auditModule } from "./audit/audit.module.js";
import { authModule } from "./auth/auth.module.js";
import { bookingsModule } from "./bookings/booking.module.js";
import { botScriptsModule } from "./bot-scripts/bot-script.module.js";
import { botStateModule } from "./bot-state/bot-state.module.js";
import { calendarFeedsModule } from "./calendar-feeds/calendar-feed.module.js";
import { eventLogModule } from "./events/event-log.module.js";
import { eventsModule } from "./events/events.module.js";
import { exportsModule } from "./exports/export.module.js";
import { healthModule } from "./health/health.module.js";
import { leadsModule } from "./leads/lead.module.js";
import { materialsModule } from "./materials/material.module.js";
import { messagesModule } from "./messages/message.module.js";
import { metricsModule } from "./metrics/metrics.module.js";
import { operatorsModule } from "./operators/operator.module.js";
import { resourcesModule } from "./resources/resource.module.js";
import { segmentsModule } from "./segments/segment.module.js";
import { sourcesModule } from "./sources/source.module.js";
import { statsModule } from "./stats/stats.module.js";
import { tasksModule } from "./tasks/task.module.js";
import { webhooksModule } from "./webhooks/webhooks.module.js";

export const MODULES = [
  metricsModule,
  healthModule,
  distributionModule,
  eventLogModule,
  operatorsModule,
  sourcesModule,
  botScriptsModule,
  appealsModule,
  messagesModule,
  leadsModule,
  segmentsModule,
  tasksModule,
  materialsModule,
  activitiesModule,
  botStateModule,
  resourcesModule,
  bookingsModule,
  calendarFeedsModule,
  exportsModule,
  statsModule,
  auditModule,
  authModule,
  webhooksModule,
  eventsModule,
] as const;
