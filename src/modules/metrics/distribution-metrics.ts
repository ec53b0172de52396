// What the appeal services report to the metrics: a small interface with a no-op
// default, so services stay free of prom-client and Fastify and a job or a CLI
// can build them without a registry.

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
