// What a WebhookDispatcher is configured with, and the settings a running process (the API
// with WORKERS, or `npm run worker`) gives it from the configuration.
import type { Config } from "../../config.js";
import type { Resolver } from "./webhook-url-guard.js";

export type WebhookDispatcherOptions = {
  allowPrivateUrls: boolean;
  /** This instance's name in lease_owner; unique per dispatcher by default. */
  owner?: string;
  /** Endpoints worked at once by this process. */
  concurrency?: number;
  /** Events read per claim (attempts per lease) before the endpoint goes back to the others. */
  batch?: number;
  /** Requests in flight at once per endpoint (HTTP/1.1 pipelining; 1: one at a time). */
  pipelining?: number;
  leaseMs?: number;
  /** Deadline of one attempt (connect, send, answer). */
  timeoutMs?: number;
  /** How often the timer wakes the dispatcher once started; 0 leaves it to the feed and runOnce(). */
  intervalMs?: number;
  retrySchedule?: readonly number[];
  random?: () => number;
  /** The clock of next_attempt_at (tests move it instead of sleeping). */
  now?: () => Date;
  resolve?: Resolver;
};

/** WEBHOOK_PIPELINING's default (src/config.ts). */
export const DEFAULT_WEBHOOK_PIPELINING = 16;

/** Besides the event feed's wake-ups: retries that came due, leases of stopped instances that expired. */
const TICK_MS = 1_000;

/** The settings of a running process (the API with WORKERS, or `npm run worker`). */
export function dispatcherSettings(
  config: Pick<Config, "webhookAllowPrivateUrls" | "webhookPipelining">,
): Pick<WebhookDispatcherOptions, "allowPrivateUrls" | "pipelining" | "intervalMs"> {
  return {
    allowPrivateUrls: config.webhookAllowPrivateUrls,
    pipelining: config.webhookPipelining,
    intervalMs: TICK_MS,
  };
}
