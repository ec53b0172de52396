// The composition root: repositories over the Prisma client, services over them, and
// the services modules build in their manifests (src/modules/module.ts) from a context
// given here. Services never see Fastify, so a job or a CLI can build and use them too.
import { type Clock, type ServiceLog, SYSTEM_CLOCK } from "./core/ports.js";
import { advisoryLocks } from "./db/advisory-lock.js";
import type { Database } from "./db/prisma.js";
import { JobQueue } from "./jobs/job-queue.js";
import { JOBS } from "./jobs/registry.js";
import { AuditRepository } from "./modules/audit/audit.repository.js";
import type { EventStreamOptions } from "./modules/events/event-stream.connection.js";
import { EventStreamService } from "./modules/events/event-stream.service.js";
import { MODULES } from "./modules/index.js";
import { createMetrics, type Metrics } from "./modules/metrics/metrics.js";
import { MetricsRepository } from "./modules/metrics/metrics.repository.js";
import { buildModuleServices, type OptionsOf, type ServicesOf } from "./modules/module.js";
import { WebhookDispatcher, type WebhookDispatcherOptions } from "./modules/webhooks/webhook.dispatcher.js";
import { WebhookRepository } from "./modules/webhooks/webhook.repository.js";
import { WebhookService } from "./modules/webhooks/webhook.service.js";
import { WebhookDispatchRepository } from "./modules/webhooks/webhook-dispatch.repository.js";
import {
  type ThreadSettings,
  type WebhookDelivery,
  WebhookThread,
} from "./modules/webhooks/webhook-thread.js";

/** The services built here, and those the modules' manifests build (src/modules/index.ts). */
export type Deps = ServicesOf<typeof MODULES> & {
  database: Database;
  /** This app's Prometheus registry and the counters services report to. */
  metrics: Metrics;
  /** GET /events/stream's streams over the log and the feed. */
  eventStreams: EventStreamService;
  webhooks: WebhookService;
  /** Delivers the event log to the webhook endpoints in this thread: runOnce() in tests, `npm run worker`. */
  webhookDispatcher: WebhookDispatcher;
  /**
   * What the server and the worker start and stop: that dispatcher, or (webhookThread) one in
   * a worker thread of its own, off the requests' event loop. Queued attempts wake it.
   */
  webhookDelivery: WebhookDelivery;
  /**
   * Background jobs on pg-boss (src/jobs/registry.ts lists them): started by the server
   * and the worker, which create the queues; services send through it, in their transactions.
   */
  jobs: JobQueue<JobContext>;
};

/** What job handlers receive: the services. */
export type JobContext = Omit<Deps, "jobs">;

/** What the composition root reads, and what the modules' manifests read (their `ModuleContext` options). */
export type DepsOptions = OptionsOf<typeof MODULES> & {
  /** The time modules' services and jobs go by; tests inject one they set. */
  clock?: Clock;
  /** Also collect process metrics (CPU, memory, event loop): the server turns this on. */
  processMetrics?: boolean;
  /** Where services report what they recover from without failing the request (the server's logger). */
  log?: ServiceLog;
  /** The live stream's heartbeat and bounds (tests shorten them). */
  eventStream?: Partial<EventStreamOptions>;
  /**
   * The webhook dispatcher's settings; allowPrivateUrls (WEBHOOK_ALLOW_PRIVATE_URLS) also
   * applies to registration. By default private URLs are refused and the timer is off.
   */
  webhooks?: Partial<WebhookDispatcherOptions>;
  /** Deliver webhooks from a worker thread with these settings (the API on a PostgreSQL server). */
  webhookThread?: ThreadSettings;
  /**
   * Whether this process takes jobs once jobs.start() ran (WORKERS; the default here is
   * false, which leaves them to runDue(): tests), and how often an idle worker polls.
   */
  jobs?: { workers?: boolean; pollIntervalMs?: number; migrate?: boolean };
};

/** pg-boss's default: an idle queue is asked again every 2 s. */
const DEFAULT_JOB_POLL_INTERVAL_MS = 2_000;

export function createDeps(database: Database, options: DepsOptions = {}): Deps {
  const { prisma } = database;
  // Writers record their audit events through it, in their own transactions.
  const auditRepository = new AuditRepository(prisma);
  const metricsRepository = new MetricsRepository(prisma);
  const log = options.log ?? { warn() {} };
  // Handlers get the services, built below: the context is read when a job runs.
  let context: JobContext | undefined;
  const jobs = new JobQueue<JobContext>({
    pool: database.pool,
    declarations: JOBS,
    context: () => context as JobContext,
    workers: options.jobs?.workers ?? false,
    pollIntervalMs: options.jobs?.pollIntervalMs ?? DEFAULT_JOB_POLL_INTERVAL_MS,
    migrate: options.jobs?.migrate ?? true,
    log,
    onFailed: (queue) => metrics.jobFailed(queue),
  });
  const metrics = createMetrics({
    pool: database.pool,
    countPending: () => metricsRepository.countPending(),
    jobQueues: jobs.declarations.map((declaration) => declaration.name),
    countJobs: () => jobs.countByState(),
    processMetrics: options.processMetrics ?? false,
  });
  const modules = buildModuleServices(MODULES, {
    database,
    log,
    metrics,
    clock: options.clock ?? SYSTEM_CLOCK,
    auditRepository,
    tryLock: advisoryLocks(database.pool),
    jobs,
    options,
  });
  const { eventLog, eventFeed } = modules;
  const webhookOptions = { allowPrivateUrls: false, ...options.webhooks };
  const webhookDispatcher = new WebhookDispatcher(
    new WebhookDispatchRepository(database.background),
    eventLog,
    eventFeed,
    metrics,
    log,
    webhookOptions,
  );
  const webhookDelivery: WebhookDelivery = options.webhookThread
    ? new WebhookThread(options.webhookThread, metrics, log)
    : webhookDispatcher;
  const webhooks = new WebhookService(new WebhookRepository(prisma, auditRepository), {
    allowPrivateUrls: webhookOptions.allowPrivateUrls,
    ...(webhookOptions.resolve && { resolve: webhookOptions.resolve }),
    ...(webhookOptions.now && { now: webhookOptions.now }),
    wake: () => webhookDelivery.wake(),
  });
  context = {
    ...modules,
    database,
    metrics,
    eventStreams: new EventStreamService(eventLog, eventFeed, log, metrics, options.eventStream),
    webhooks,
    webhookDispatcher,
    webhookDelivery,
  };
  return { ...context, jobs };
}
