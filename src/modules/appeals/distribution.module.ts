// The appeals module's distribution engine, as a module of its own without routes: the
// operators and sources modules drain through it, and their routes come before the appeals
// routes in the document, so the engine is listed before all three (src/modules/index.ts).
// The appeal.* event types are the appeals manifest's.
import { defineModule, type ModuleContext } from "../module.js";
import { AppealMovesRepository } from "./appeal-moves.repository.js";
import { DistributionRepository } from "./distribution.repository.js";
import { DistributionService } from "./distribution.service.js";
import { DrainRepository } from "./drain.repository.js";
import { LoadReconcileRepository } from "./load-reconcile.repository.js";
import { LoadReconcileService } from "./load-reconcile.service.js";
import { DistributionSweeper } from "./sweep.js";

export type DistributionOptions = {
  /** The random source of the weighted choice; tests inject a seeded one. */
  random?: () => number;
  /** How often the sweep runs once started; 0 (the default) leaves it to runOnce() (tests). */
  sweepIntervalMs?: number;
};

export const distributionModule = defineModule({
  name: "distribution",
  services: ({ database, metrics, log, tryLock, options }: ModuleContext<DistributionOptions>) => {
    // The sweep drains through the service, and the service wakes the sweep when a
    // request's drain stopped at its bound: bound late, so each can name the other.
    let sweeper: DistributionSweeper | undefined;
    const distribution = new DistributionService(
      new DistributionRepository(database.sql),
      new AppealMovesRepository(database.sql),
      new DrainRepository(database.sql),
      options.random ?? Math.random,
      metrics,
      log,
      () => sweeper?.wake(),
    );
    const loadReconcile = new LoadReconcileService(
      new LoadReconcileRepository(database.prisma),
      metrics,
      log,
    );
    sweeper = new DistributionSweeper(distribution, {
      intervalMs: options.sweepIntervalMs ?? 0,
      tryLock,
      log,
      checkDrift: (full) => loadReconcile.checkDrift({ appealCounts: full }),
    });
    return {
      distribution,
      /** Drift of active_load and appeal_counts: checkDrift() for the sweep, reconcile() for the CLI. */
      loadReconcile,
      /** Assigns what the drains left (faults, bounded drains); started by the server. */
      sweeper,
    };
  },
});
