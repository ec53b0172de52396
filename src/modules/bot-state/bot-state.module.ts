import { defineModule, type ModuleContext } from "../module.js";
import { botStateJobs } from "./bot-state.jobs.js";
import { BotStateRepository } from "./bot-state.repository.js";
import { botStateRoutes } from "./bot-state.routes.js";
import { BotStateService } from "./bot-state.service.js";

/** BOT_STATE_TTL_DAYS (config.ts), as createDeps' options carry it. */
export type BotStateOptions = { botStateTtlDays?: number };
export const DEFAULT_BOT_STATE_TTL_DAYS = 30;

export const botStateModule = defineModule({
  name: "bot-state",
  tag: { name: "bot-state", description: "The bots' dialog state per chat, versioned (ETag, If-Match)" },
  services: ({ database, clock, options }: ModuleContext<BotStateOptions>) => ({
    botStates: new BotStateService(
      new BotStateRepository(database.prisma),
      clock,
      options.botStateTtlDays ?? DEFAULT_BOT_STATE_TTL_DAYS,
    ),
  }),
  routes: async (app, { botStates }: { botStates: BotStateService }) => {
    await app.register(botStateRoutes, { botStates });
  },
  // None: states are the bots' own memory, written at every turn of a dialog and forgotten when
  // idle; the event log keeps what it records for good (docs/API.md "Bot dialog state").
  eventTypes: [],
  jobs: botStateJobs,
});
