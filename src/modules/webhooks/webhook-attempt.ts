// What one delivery attempt's answer means, and the message an event becomes: pure, so the
// dispatcher (webhook.dispatcher.ts) only sends, records and counts.
import type { LoggedEvent } from "../events/event-log.repository.js";
import { parseRetryAfter, retryDelayMs } from "./webhook-backoff.js";
import type { AttemptRecord, PendingDelivery } from "./webhook-dispatch.repository.js";
import { TEST_EVENT_TYPE } from "./webhook-events.js";
import type { SendResult, WebhookMessage } from "./webhook-sender.js";

export type RetryPolicy = {
  now: Date;
  /** Delays before each retry (webhook-backoff.ts); past the last, the attempt is final. */
  schedule: readonly number[];
  random?: () => number;
};

/** `final`: failed for good (no retry left); its record says so in `error`. */
export type AttemptOutcome = { record: AttemptRecord; final: boolean };

/**
 * The attempt's record: success, a retry at a time (backoff with jitter, Retry-After when
 * later), failed for good, or gone (410 disables). `attempt` is Infinity for a queued
 * attempt (manual retry, test event), which is never retried automatically.
 */
export function classifyAttempt(result: SendResult, attempt: number, policy: RetryPolicy): AttemptOutcome {
  const base = { responseStatus: result.status, durationMs: result.durationMs, error: result.error };
  if (result.status !== null && result.status >= 200 && result.status < 300) {
    return { record: { ...base, status: "succeeded", nextAttemptAt: null, disable: null }, final: false };
  }
  if (result.status === 410) {
    const disable = "the receiver answered 410 Gone";
    return { record: { ...base, status: "failed", nextAttemptAt: null, disable }, final: false };
  }
  const delay = Number.isFinite(attempt)
    ? retryDelayMs(attempt, parseRetryAfter(result.retryAfter, policy.now), policy.schedule, policy.random)
    : null;
  if (delay === null) {
    const error = Number.isFinite(attempt)
      ? `${base.error ?? "failed"} (gave up after ${attempt} attempts)`
      : base.error;
    return { record: { ...base, error, status: "failed", nextAttemptAt: null, disable: null }, final: true };
  }
  const nextAttemptAt = new Date(policy.now.getTime() + delay);
  return { record: { ...base, status: "failed", nextAttemptAt, disable: null }, final: false };
}

/** Standard Webhooks: `{ type, timestamp, data }` with the resource as `data`; the event id is the webhook-id. */
export function eventMessage(event: LoggedEvent): WebhookMessage {
  return {
    id: String(event.id),
    // The stored JSON spliced in as it is: a webhook body per event without parsing it again.
    body: `{"type":${JSON.stringify(event.type)},"timestamp":"${event.occurredAt.toISOString()}","data":${event.dataJson}}`,
  };
}

/** POST /webhooks/{id}/test's message: not an event of the log, so its webhook-id is the delivery's. */
export function testMessage(
  webhookId: number,
  delivery: Pick<PendingDelivery, "id" | "createdAt">,
): WebhookMessage {
  return {
    id: `test_${delivery.id}`,
    body: JSON.stringify({
      type: TEST_EVENT_TYPE,
      timestamp: delivery.createdAt.toISOString(),
      data: { webhook_id: webhookId, delivery_id: delivery.id },
    }),
  };
}
