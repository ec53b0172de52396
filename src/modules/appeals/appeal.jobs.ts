// The appeals module's background jobs. The distribution sweep is not one of them:
// it runs every SWEEP_INTERVAL_MS (5 s), and pg-boss's cron ticks once a minute at
// best, so it stays a timer under its advisory lock (sweep.ts), on every instance.
import { defineJob } from "../../jobs/job.js";
import type { AppealService } from "./appeal.service.js";

/**
 * Idempotency keys are promised for 24 hours (API.md); every hour the older ones are
 * forgotten, in batches (forgetOldIdempotencyKeys). "stately": at most one waiting and
 * one running across every instance, so ticks missed while no worker ran never pile up,
 * and two purges never run at once.
 */
export const idempotencyKeyPurge = defineJob({
  name: "appeals.idempotency-key-purge",
  policy: "stately",
  retry: { limit: 3, delaySeconds: 60, backoff: true },
  expireInSeconds: 15 * 60,
  schedule: { cron: "0 * * * *", data: {} },
  run: async (_job, { appeals }: { appeals: Pick<AppealService, "forgetOldIdempotencyKeys"> }) => ({
    forgotten: await appeals.forgetOldIdempotencyKeys(),
  }),
});

/** Declared by the appeals manifest (appeal.module.ts). */
export const appealJobs = [idempotencyKeyPurge];
