// The composition root: repositories over the Prisma client, services over them.
// Services never see Fastify, so a job or a CLI can build and use them too.
import type { Database } from "./db/prisma.js";
import { AppealRepository } from "./modules/appeals/appeal.repository.js";
import { AppealService } from "./modules/appeals/appeal.service.js";
import { DistributionRepository } from "./modules/appeals/distribution.repository.js";
import { DistributionService } from "./modules/appeals/distribution.service.js";
import { LeadRepository } from "./modules/leads/lead.repository.js";
import { LeadService } from "./modules/leads/lead.service.js";
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
};

export type DepsOptions = {
  /** The random source of the weighted choice; tests inject a seeded one. */
  random?: () => number;
};

export function createDeps(database: Database, options: DepsOptions = {}): Deps {
  const { prisma } = database;
  const distribution = new DistributionService(
    new DistributionRepository(prisma),
    options.random ?? Math.random,
  );
  const appealRepository = new AppealRepository(prisma);
  return {
    database,
    distribution,
    operators: new OperatorService(new OperatorRepository(prisma), distribution),
    sources: new SourceService(new SourceRepository(prisma), distribution),
    appeals: new AppealService(appealRepository, distribution),
    leads: new LeadService(new LeadRepository(prisma), appealRepository),
    stats: new StatsService(new StatsRepository(prisma)),
  };
}
