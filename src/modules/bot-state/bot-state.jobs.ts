// The bot-state module's background job: forgetting idle states.
import { defineJob } from "../../jobs/job.js";
import type { BotStateService } from "./bot-state.service.js";

/**
 * Every hour (at minute 15, apart from the idempotency-key purge on the hour), the states and
 * tombstones not written for BOT_STATE_TTL_DAYS are forgotten, in batches (forgetIdle).
 * "stately": at most one waiting and one running across every instance, so ticks missed while
 * no worker ran never pile up, and two purges never run at once. Safe to repeat: a second run
 * finds nothing idle left.
 */
export const botStatePurge = defineJob({
  name: "bot-state.idle-purge",
  policy: "stately",
  retry: { limit: 3, delaySeconds: 60, backoff: true },
  expireInSeconds: 15 * 60,
  schedule: { cron: "15 * * * *", data: {} },
  run: async (_job, { botStates }: { botStates: Pick<BotStateService, "forgetIdle"> }) => ({
    forgotten: await botStates.forgetIdle(),
  }),
});

/** Declared by the bot-state manifest (bot-state.module.ts). */
export const botStateJobs = [botStatePurge];
