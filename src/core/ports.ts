// The ports services are given from outside: where they log what they recover from,
// the metrics they report to, the clock. Small interfaces, the metrics with no-op
// defaults, so services stay free of pino, prom-client and Fastify, and a job, a CLI or
// a test can build them with nothing behind these. A leaf: it imports nothing.

/** Where a service reports what it recovers from without failing the request (the server's pino logger fits). */
export type ServiceLog = { warn(details: object, message: string): void };

/** The time, for code that decides by it: a test sets it instead of sleeping. */
export type Clock = { now(): Date };

export const SYSTEM_CLOCK: Clock = Object.freeze({ now: () => new Date() });

/** What the appeal services report (src/modules/metrics/metrics.ts counts it for Prometheus). */
export interface DistributionMetrics {
  /** A new appeal was stored (not an idempotent replay), with the status it was answered with. */
  appealCreated(status: "pending" | "active" | "closed"): void;
  /** An operator was given an appeal of the source: at intake or from the pending queue. */
  appealAssigned(sourceId: number): void;
}

export const NO_METRICS: DistributionMetrics = Object.freeze({
  appealCreated() {},
  appealAssigned() {},
});

/** What the drift check (LoadReconcileService.checkDrift) reports. */
export interface LoadDriftMetrics {
  /** `rows` counters found disagreeing with the appeals: operators (active_load) or appeal_counts rows. */
  loadDriftFound(kind: "active_load" | "appeal_counts", rows: number): void;
}

export const NO_DRIFT_METRICS: LoadDriftMetrics = Object.freeze({ loadDriftFound() {} });

/** What the live event stream reports (lds_stream_clients, lds_stream_clients_dropped_total). */
export interface StreamMetrics {
  /** A client's stream opened (the lds_stream_clients gauge goes up). */
  streamOpened(): void;
  /** A client's stream ended, however it ended (the gauge goes down). */
  streamClosed(): void;
  /** A client was dropped because it did not take what was sent to it. */
  streamClientDropped(): void;
}

export const NO_STREAM_METRICS: StreamMetrics = Object.freeze({
  streamOpened() {},
  streamClosed() {},
  streamClientDropped() {},
});

/** What the webhook dispatcher reports (lds_webhook_deliveries_total, lds_webhook_delivery_failures_final_total). */
export interface WebhookMetrics {
  /** `count` attempts with this outcome (1 unless reported in batches: the delivery thread). */
  webhookAttempt(outcome: "succeeded" | "failed", count?: number): void;
  webhookFinalFailure(count?: number): void;
}
