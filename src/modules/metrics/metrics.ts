// The service's Prometheus metrics, in a registry of their own per app (tests
// build many apps in one process; the global registry would mix them). Counters
// are bumped in memory on the hot path; the two gauges that need the database or
// the pool are read only when /metrics is scraped.
import type pg from "pg";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type {
  DistributionMetrics,
  LoadDriftMetrics,
  StreamMetrics,
  WebhookMetrics,
} from "../../core/ports.js";
import { withTimeout } from "../../core/with-timeout.js";

/** Reads the pending queue's depth; a scrape gives it this long before reporting NaN. */
const PENDING_COUNT_TIMEOUT_MS = 2_000;

export type MetricsSources = {
  pool: Pick<pg.Pool, "totalCount" | "idleCount" | "waitingCount" | "options">;
  countPending(): Promise<number>;
  /** The declared job queues: lds_jobs_failed_total has a series for each from the start. */
  jobQueues?: readonly string[];
  /** Jobs per queue and state in the database (every instance's), read at scrape time. */
  countJobs?(): Promise<{ queue: string; state: string; count: number }[]>;
  /** Also collect prom-client's process metrics (CPU, memory, event loop lag): for the server only. */
  processMetrics?: boolean;
};

export type Metrics = DistributionMetrics &
  LoadDriftMetrics &
  StreamMetrics &
  WebhookMetrics & {
    readonly registry: Registry;
    /** One answered request: `route` is the route's pattern (never the raw URL), or "unmatched". */
    requestServed(method: string, route: string, status: number, seconds: number): void;
    /** A job this instance ran ended `failed`: its retries are spent. */
    jobFailed(queue: string): void;
  };

/** The job states the lds_jobs gauge reports (completed ones are history, not work). */
const JOB_STATES = ["created", "retry", "active", "failed"] as const;

export function createMetrics({
  pool,
  countPending,
  jobQueues = [],
  countJobs,
  processMetrics = false,
}: MetricsSources): Metrics {
  const registry = new Registry();
  const registers = [registry];
  if (processMetrics) collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: "http_requests_total",
    help: "HTTP requests answered, by method, route pattern and status code.",
    labelNames: ["method", "route", "status"] as const,
    registers,
  });
  const duration = new Histogram({
    name: "http_request_duration_seconds",
    help: "Time from receiving a request to sending its answer, by method, route pattern and status code.",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const created = new Counter({
    name: "appeals_created_total",
    help: "Appeals stored by POST /appeals (idempotent replays excluded), by the status they were answered with.",
    labelNames: ["status"] as const,
    registers,
  });
  const assignments = new Counter({
    name: "appeal_assignments_total",
    help: "Appeals given to an operator, at intake or from the pending queue, by source id.",
    labelNames: ["source_id"] as const,
    registers,
  });
  const drift = new Counter({
    name: "lds_load_drift_total",
    help:
      "Counters found disagreeing with the appeals by the drift check, by kind: operators whose " +
      "active_load is not their number of active appeals, appeal_counts rows that are not count(*).",
    labelNames: ["kind"] as const,
    registers,
  });
  const webhookAttempts = new Counter({
    name: "lds_webhook_deliveries_total",
    help: "Webhook delivery attempts made by this instance, by outcome (succeeded: a 2xx; failed: anything else).",
    labelNames: ["outcome"] as const,
    registers,
  });
  for (const outcome of ["succeeded", "failed"]) webhookAttempts.inc({ outcome }, 0);
  const webhookGaveUp = new Counter({
    name: "lds_webhook_delivery_failures_final_total",
    help: "Webhook deliveries given up after their last attempt (the endpoint moved on to its next event).",
    registers,
  });
  // Both series exist from the start, so increase() over them works from the first drift on.
  for (const kind of ["active_load", "appeal_counts"]) drift.inc({ kind }, 0);
  const streams = new Gauge({
    name: "lds_stream_clients",
    help: "Clients of GET /events/stream connected to this instance now.",
    registers,
  });
  const dropped = new Counter({
    name: "lds_stream_clients_dropped_total",
    help:
      "Clients of GET /events/stream this instance disconnected because they did not take what was sent: " +
      "their buffer stayed full longer than the drain timeout. They resume with Last-Event-ID and lose nothing.",
    registers,
  });
  new Gauge({
    name: "appeals_pending",
    help: "Appeals waiting for an operator (the pending queue's depth), counted at scrape time; NaN when the database does not answer.",
    registers,
    async collect() {
      try {
        this.set(await withTimeout(countPending(), PENDING_COUNT_TIMEOUT_MS));
      } catch {
        this.set(Number.NaN);
      }
    },
  });
  const jobsFailed = new Counter({
    name: "lds_jobs_failed_total",
    help: "Background jobs this instance ran that ended failed (their retries spent), by queue.",
    labelNames: ["queue"] as const,
    registers,
  });
  for (const queue of jobQueues) jobsFailed.inc({ queue }, 0);
  new Gauge({
    name: "lds_jobs",
    help:
      "Background jobs in the database by queue and state (created, retry, active, failed), counted at " +
      "scrape time over every instance's jobs; failed ones are kept 7 days. Absent when the database does not answer.",
    labelNames: ["queue", "state"] as const,
    registers,
    async collect() {
      this.reset();
      if (!countJobs) return;
      try {
        const counts = await withTimeout(countJobs(), PENDING_COUNT_TIMEOUT_MS);
        for (const queue of jobQueues) for (const state of JOB_STATES) this.set({ queue, state }, 0);
        for (const { queue, state, count } of counts) {
          // pg-boss's internal queue (its cron's) is left out, like completed jobs.
          if (jobQueues.includes(queue) && (JOB_STATES as readonly string[]).includes(state)) {
            this.set({ queue, state }, count);
          }
        }
      } catch {
        // Like appeals_pending's NaN, but per series: no sample rather than a made-up zero.
      }
    },
  });
  new Gauge({
    name: "db_pool_connections",
    help: "Open database connections of this instance's pool, by state (in_use, idle).",
    labelNames: ["state"] as const,
    registers,
    collect() {
      this.set({ state: "idle" }, pool.idleCount);
      this.set({ state: "in_use" }, pool.totalCount - pool.idleCount);
    },
  });
  new Gauge({
    name: "db_pool_max_connections",
    help: "The pool's maximum number of connections (DATABASE_POOL_SIZE).",
    registers,
    collect() {
      this.set(pool.options.max ?? 10);
    },
  });
  new Gauge({
    name: "db_pool_waiting_requests",
    help: "Queries waiting for a free connection of the pool.",
    registers,
    collect() {
      this.set(pool.waitingCount);
    },
  });

  return {
    registry,
    requestServed(method, route, status, seconds) {
      const labels = { method, route, status: String(status) };
      requests.inc(labels);
      duration.observe(labels, seconds);
    },
    appealCreated(status) {
      created.inc({ status });
    },
    appealAssigned(sourceId) {
      assignments.inc({ source_id: String(sourceId) });
    },
    loadDriftFound(kind, rows) {
      drift.inc({ kind }, rows);
    },
    streamOpened() {
      streams.inc();
    },
    streamClosed() {
      streams.dec();
    },
    streamClientDropped() {
      dropped.inc();
    },
    webhookAttempt(outcome, count = 1) {
      webhookAttempts.inc({ outcome }, count);
    },
    webhookFinalFailure(count = 1) {
      webhookGaveUp.inc(count);
    },
    jobFailed(queue) {
      jobsFailed.inc({ queue });
    },
  };
}
