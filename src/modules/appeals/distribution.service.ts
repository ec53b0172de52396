// Who gets an appeal. The choice and the counting happen in the database, in one
// statement each (distribution.repository.ts); this service supplies the random
// draw, retries when a chosen operator filled up meanwhile, and drains pending
// appeals whenever capacity may have appeared.
import type { ServiceLog } from "../../deps.js";
import { type DistributionMetrics, NO_METRICS } from "../metrics/distribution-metrics.js";
import type { DistributionRepository, IntakeInput, IntakeResult } from "./distribution.repository.js";

/**
 * Draws again when the chosen operator filled up between choice and count. Each
 * new statement sees the newest counters, so candidates only disappear; the bound
 * is a safety net, far above what contention produces.
 */
const MAX_ATTEMPTS = 50;

export class DistributionService {
  constructor(
    private readonly repository: DistributionRepository,
    private readonly random: () => number,
    private readonly metrics: DistributionMetrics = NO_METRICS,
    private readonly log: ServiceLog = { warn() {} },
  ) {}

  /**
   * Stores the appeal, assigned to an operator when one can take it, pending
   * otherwise. `drained` tells that pending appeals of the source were assigned
   * right after, this one perhaps among them. `actor` (the caller's key label) is
   * recorded with the intake's audit event and with those of the drain.
   */
  async intake(
    input: IntakeInput,
    actor: string,
  ): Promise<Exclude<IntakeResult, { outcome: "lost_race" }> & { drained?: boolean }> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const result = await this.repository.intake(input, this.random(), actor);
      if (result.outcome === "lost_race") continue;
      if (result.outcome === "stored" && result.status === "active") {
        this.metrics.appealAssigned(input.sourceId);
      }
      // A pending appeal committed after a concurrent close looked for waiting
      // appeals would wait forever: look once more now that it is visible.
      if (result.outcome === "stored" && result.status === "pending") {
        try {
          return { ...result, drained: (await this.drainSource(input.sourceId, actor)) > 0 };
        } catch (error) {
          // The appeal is stored: failing the request now would make a client without an
          // Idempotency-Key store it twice. It waits as pending for the next capacity event.
          this.log.warn({ err: error, sourceId: input.sourceId }, "drain after a pending intake failed");
          return { ...result, drained: false };
        }
      }
      return result;
    }
    throw new Error(`appeal intake for source ${input.sourceId} lost the race ${MAX_ATTEMPTS} times`);
  }

  /**
   * Assigns the source's pending appeals, oldest first, while an operator can take
   * them; each assignment is recorded as appeal.drained by `actor`, whose request
   * made the capacity appear.
   */
  async drainSource(sourceId: number, actor: string): Promise<number> {
    let assigned = 0;
    while ((await this.assignOldestPending(sourceId, actor)) === "assigned") assigned++;
    return assigned;
  }

  /**
   * After an operator freed a slot, was activated or got a higher limit: the
   * oldest pending appeal across the sources it serves goes first, one at a time,
   * until none of those sources can place its oldest appeal.
   */
  async drainForOperator(operatorId: number, actor: string): Promise<void> {
    for (;;) {
      let progressed = false;
      for (const sourceId of await this.repository.sourcesWithPendingFor(operatorId)) {
        if ((await this.assignOldestPending(sourceId, actor)) === "assigned") {
          progressed = true;
          break;
        }
      }
      if (!progressed) return;
    }
  }

  /** One appeal: the source's oldest pending one, drawing again while a race is lost. */
  private async assignOldestPending(
    sourceId: number,
    actor: string,
  ): Promise<"assigned" | "no_capacity" | "queue_empty"> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS * 10; attempt++) {
      const step = await this.repository.assignOldestPending(sourceId, this.random(), actor);
      if (step === "retry") continue;
      if (step === "assigned") this.metrics.appealAssigned(sourceId);
      return step;
    }
    throw new Error(`draining source ${sourceId} made no progress`);
  }

  /** Closes the appeal; a freed slot goes to the oldest pending appeal that operator can take. */
  async close(appealId: number, actor: string): Promise<"closed" | "already_closed" | "not_found"> {
    const result = await this.repository.close(appealId, actor);
    if (!result) return "not_found";
    if (result.previousStatus === "closed") return "already_closed";
    if (result.previousStatus === "active" && result.operatorId !== null) {
      await this.drainForOperator(result.operatorId, actor);
    }
    return "closed";
  }
}
