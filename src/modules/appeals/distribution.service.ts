// Who gets an appeal. The choice and the counting happen in the database, in one
// statement each (distribution.repository.ts); this service supplies the random
// draw, retries when a chosen operator filled up meanwhile, and drains pending
// appeals whenever capacity may have appeared.
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
  ) {}

  /**
   * Stores the appeal, assigned to an operator when one can take it, pending
   * otherwise. `drained` tells that pending appeals of the source were assigned
   * right after, this one perhaps among them.
   */
  async intake(
    input: IntakeInput,
  ): Promise<Exclude<IntakeResult, { outcome: "lost_race" }> & { drained?: boolean }> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const result = await this.repository.intake(input, this.random());
      if (result.outcome === "lost_race") continue;
      // A pending appeal committed after a concurrent close looked for waiting
      // appeals would wait forever: look once more now that it is visible.
      if (result.outcome === "stored" && result.status === "pending") {
        return { ...result, drained: (await this.drainSource(input.sourceId)) > 0 };
      }
      return result;
    }
    throw new Error(`appeal intake for source ${input.sourceId} lost the race ${MAX_ATTEMPTS} times`);
  }

  /** Assigns the source's pending appeals, oldest first, while an operator can take them. */
  async drainSource(sourceId: number): Promise<number> {
    let assigned = 0;
    let retries = 0;
    for (;;) {
      const step = await this.repository.assignOldestPending(sourceId, this.random());
      if (step === "assigned") assigned++;
      else if (step === "retry") {
        if (++retries > MAX_ATTEMPTS * 10) throw new Error(`draining source ${sourceId} made no progress`);
      } else return assigned;
    }
  }

  /** After an operator freed a slot, was activated or got a higher limit. */
  async drainForOperator(operatorId: number): Promise<void> {
    for (const sourceId of await this.repository.sourcesWithPendingFor(operatorId)) {
      await this.drainSource(sourceId);
    }
  }

  /** Closes the appeal; a freed slot goes to the oldest pending appeal that operator can take. */
  async close(appealId: number): Promise<"closed" | "already_closed" | "not_found"> {
    const result = await this.repository.close(appealId);
    if (!result) return "not_found";
    if (result.previousStatus === "closed") return "already_closed";
    if (result.previousStatus === "active" && result.operatorId !== null) {
      await this.drainForOperator(result.operatorId);
    }
    return "closed";
  }
}
