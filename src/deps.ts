// The composition root: repositories over the Prisma client, services over them.
// Services never see Fastify, so a job or a CLI can build and use them too.
import type { Database } from "./db/prisma.js";
import { AppealRepository } from "./modules/appeals/appeal.repository.js";
import { AppealService } from "./modules/appeals/appeal.service.js";
import { DistributionRepository } from "./modules/appeals/distribution.repository.js";
import { DistributionService } from "./modules/appeals/distribution.service.js";
import { LoadReconcileRepository } from "./modules/appeals/load-reconcile.repository.js";
import { LoadReconcileService } from "./modules/appeals/load-reconcile.service.js";
import { AuditRepository } from "./modules/audit/audit.repository.js";
import { AuditService } from "./modules/audit/audit.service.js";
import { ApiKeyRepository } from "./modules/auth/api-key.repository.js";
import { ApiKeyService, type ApiKeyServiceOptions } from "./modules/auth/api-key.service.js";
import { LeadRepository } from "./modules/leads/lead.repository.js";
import { LeadService } from "./modules/leads/lead.service.js";
import { createMetrics, type Metrics } from "./modules/metrics/metrics.js";
import { MetricsRepository } from "./modules/metrics/metrics.repository.js";
import { OperatorRepository } from "./modules/operators/operator.repository.js";
import { OperatorService } from "./modules/operators/operator.service.js";
import { SourceRepository } from "./modules/sources/source.repository.js";
import { SourceService } from "./modules/sources/source.service.js";
import { StatsRepository } from "./modules/stats/stats.repository.js";
import { StatsService } from "./modules/stats/stats.service.js";

export type Deps = {
  database: Database;
  operators: OperatorService;
  sources: SourceService;
  distribution: DistributionService;
  appeals: AppealService;
  leads: LeadService;
  stats: StatsService;
  audit: AuditService;
  apiKeys: ApiKeyService;
  /** Drift of active_load and appeal_counts: checkDrift() for the sweep, reconcile() for the CLI. */
  loadReconcile: LoadReconcileService;
  /** This app's Prometheus registry and the counters services report to. */
  metrics: Metrics;
};

export type ServiceLog = { warn(details: object, message: string): void };

export type DepsOptions = {
  /** The random source of the weighted choice; tests inject a seeded one. */
  random?: () => number;
  /** Also collect process metrics (CPU, memory, event loop): the server turns this on. */
  processMetrics?: boolean;
  /** The authentication cache (tests shorten or lengthen it). */
  apiKeys?: ApiKeyServiceOptions;
  /** Where services report what they recover from without failing the request (the server's logger). */
  log?: ServiceLog;
};

export function createDeps(database: Database, options: DepsOptions = {}): Deps {
  const { prisma } = database;
  // Writers record their audit events through it, in their own transactions.
  const auditRepository = new AuditRepository(prisma);
  const metricsRepository = new MetricsRepository(prisma);
  const metrics = createMetrics({
    pool: database.pool,
    countPending: () => metricsRepository.countPending(),
    processMetrics: options.processMetrics ?? false,
  });
  const distribution = new DistributionService(
    new DistributionRepository(database.sql),
    options.random ?? Math.random,
    metrics,
    options.log,
  );
  const appealRepository = new AppealRepository(prisma);
  return {
    database,
    distribution,
    operators: new OperatorService(new OperatorRepository(prisma, auditRepository), distribution),
    sources: new SourceService(new SourceRepository(prisma, auditRepository), distribution),
    appeals: new AppealService(appealRepository, distribution, metrics),
    leads: new LeadService(new LeadRepository(prisma), appealRepository),
    stats: new StatsService(new StatsRepository(prisma)),
    audit: new AuditService(auditRepository),
    apiKeys: new ApiKeyService(new ApiKeyRepository(prisma, auditRepository), options.apiKeys),
    loadReconcile: new LoadReconcileService(new LoadReconcileRepository(prisma), metrics, options.log),
    metrics,
  };
}
