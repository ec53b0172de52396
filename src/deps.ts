// The composition root: the metrics, the job queue and the context every module builds its
// services from, in its manifest (src/modules/module.ts), in the order of src/modules/index.ts.
// Services never see Fastify, so a job or a CLI can build and use them too.
import { type Clock, type ServiceLog, SYSTEM_CLOCK } from "./core/ports.js";
import { advisoryLocks } from "./db/advisory-lock.js";
import type { Database } from "./db/prisma.js";
import { JobQueue } from "./jobs/job-queue.js";
import { AuditRepository } from "./modules/audit/audit.repository.js";
import { MODULES } from "./modules/index.js";
import { createMetrics, type Metrics } from "./modules/metrics/metrics.js";
import { MetricsRepository } from "./modules/metrics/metrics.repository.js";
import {
  buildModuleServices,
  jobsOf,
  type ModuleContext,
  type OptionsOf,
  type ServicesOf,
} from "./modules/module.js";

/** The services the modules' manifests build (src/modules/index.ts), and those built here. */
export type Deps = ServicesOf<typeof MODULES> & {
  database: Database;
  /** This app's Prometheus registry and the counters services report to. */
  metrics: Metrics;
  /**
   * Background jobs on pg-boss (the modules' manifests declare them): started by the server
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
  /**
   * Whether this process takes jobs once jobs.start() ran (WORKERS; the default here is
   * false, which leaves them to runDue(): tests), and how often an idle worker polls.
   */
  jobs?: { workers?: boolean; pollIntervalMs?: number; migrate?: boolean };
};

/** pg-boss's default: an idle queue is asked again every 2 s. */
const DEFAULT_JOB_POLL_INTERVAL_MS = 2_000;

export function createDeps(database: Database, options: DepsOptions = {}): Deps {
  const log = options.log ?? { warn() {} };
  // Handlers get the services, built below: they are read when a job runs.
  let services: JobContext | undefined;
  const jobs = new JobQueue<JobContext>({
    pool: database.pool,
    declarations: jobsOf(MODULES),
    context: () => services as JobContext,
    workers: options.jobs?.workers ?? false,
    pollIntervalMs: options.jobs?.pollIntervalMs ?? DEFAULT_JOB_POLL_INTERVAL_MS,
    migrate: options.jobs?.migrate ?? true,
    log,
    onFailed: (queue) => metrics.jobFailed(queue),
  });
  const metricsRepository = new MetricsRepository(database.prisma);
  const metrics = createMetrics({
    pool: database.pool,
    countPending: () => metricsRepository.countPending(),
    jobQueues: jobs.declarations.map((declaration) => declaration.name),
    countJobs: () => jobs.countByState(),
    processMetrics: options.processMetrics ?? false,
  });
  const context: ModuleContext<DepsOptions> = {
    database,
    log,
    metrics,
    clock: options.clock ?? SYSTEM_CLOCK,
    // One for every writer: each records its events through it, in its own transaction.
    auditRepository: new AuditRepository(database.prisma),
    tryLock: advisoryLocks(database.pool),
    jobs,
    options,
  };
  services = { ...buildModuleServices(MODULES, context), database, metrics };
  return { ...services, jobs };
}
