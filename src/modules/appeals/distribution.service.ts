// Who gets an appeal. The choice and the counting happen in the database, in one
// statement each (distribution.repository.ts, drain.repository.ts, appeal-moves.repository.ts); this service supplies the random
// draw, retries when a chosen operator filled up meanwhile, and drains pending
// appeals whenever capacity may have appeared. A drain inside a request is
// bounded; what it leaves, and whatever a fault left, the sweep assigns (sweep.ts).
import { type DistributionMetrics, NO_METRICS, type ServiceLog } from "../../core/ports.js";
import type { SqlClient } from "../../db/sql.js";
import type {
  AppealMovesRepository,
  ArchiveOperatorResult,
  ReopenResult,
  TransferResult,
} from "./appeal-moves.repository.js";
import type { DistributionRepository, IntakeInput, IntakeResult } from "./distribution.repository.js";
import type { DrainRepository, DrainScope } from "./drain.repository.js";

/**
 * Draws again when the chosen operator filled up between choice and count. Each
 * new statement sees the newest counters, so candidates only disappear; the bound
 * is a safety net, far above what contention produces.
 */
const MAX_ATTEMPTS = 50;

/**
 * How many appeals one request assigns at most from the pending queue. An intake
 * arriving during a large drain would otherwise keep assigning other appeals past
 * its deadline, and a client without an Idempotency-Key would retry into a duplicate.
 */
export const REQUEST_DRAIN_STEPS = 16;

type DrainOptions = {
  /** Stop once this appeal is assigned (a pending intake waits for its own appeal only). */
  until?: number;
  /** At most this many assignments; unbounded for the sweep. */
  maxSteps?: number;
};

export class DistributionService {
  constructor(
    private readonly repository: DistributionRepository,
    private readonly moves: AppealMovesRepository,
    private readonly drains: DrainRepository,
    private readonly random: () => number,
    private readonly metrics: DistributionMetrics = NO_METRICS,
    private readonly log: ServiceLog = { warn() {} },
    /** Called when a request's drain stopped at its bound with appeals perhaps still assignable. */
    private readonly onBacklog: () => void = () => {},
  ) {}

  /**
   * Stores the appeal, assigned to an operator when one can take it, pending
   * otherwise. `drained` tells that pending appeals were assigned right after, this
   * one perhaps among them. `actor` (the caller's key label) is recorded with the
   * intake's audit event and with those of the drain.
   */
  async intake(
    input: IntakeInput,
    actor: string,
  ): Promise<Exclude<IntakeResult, { outcome: "lost_race" }> & { drained?: boolean }> {
    const result = await this.store(input, actor);
    if (result.outcome !== "stored" || result.status !== "pending") return result;
    return { ...result, drained: await this.drainAfterPendingIntake(result.sourceId, result.id, actor) };
  }

  /**
   * The intake as a statement of the caller's transaction `tx` (the sticky conversation's, under
   * its lock), drawing again when the chosen operator filled up. No drain follows: one could not
   * see the appeal before `tx` commits. Once it has, a pending appeal's caller calls
   * drainAfterPendingIntake, as intake() does.
   */
  intakeWithin(
    tx: SqlClient,
    input: IntakeInput,
    actor: string,
  ): Promise<Exclude<IntakeResult, { outcome: "lost_race" }>> {
    return this.store(input, actor, tx);
  }

  /**
   * After a pending intake committed: a pending appeal committed after a concurrent close looked
   * for waiting appeals would wait for the sweep; and an operator it could not take may have been
   * kept for an older appeal of another source, which goes first now. Bounded; true when it
   * assigned anything (this appeal perhaps among them). Never fails: the appeal is stored, and
   * failing the request now would make a client without an Idempotency-Key store it twice; the
   * sweep assigns it if it can be.
   */
  async drainAfterPendingIntake(sourceId: number, appealId: number, actor: string): Promise<boolean> {
    try {
      const drained = await this.drain({ sourceId }, actor, {
        until: appealId,
        maxSteps: REQUEST_DRAIN_STEPS,
      });
      return drained > 0;
    } catch (error) {
      this.log.warn({ err: error, sourceId }, "drain after a pending intake failed");
      return false;
    }
  }

  /** The intake statement, drawn again while the chosen operator filled up meanwhile. */
  private async store(
    input: IntakeInput,
    actor: string,
    tx?: SqlClient,
  ): Promise<Exclude<IntakeResult, { outcome: "lost_race" }>> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const result = await this.repository.intake(input, this.random(), actor, tx);
      if (result.outcome === "lost_race") continue;
      if (result.outcome === "stored" && result.status === "active") {
        this.metrics.appealAssigned(input.sourceId);
      }
      return result;
    }
    throw new Error(`appeal intake for source ${input.sourceId} lost the race ${MAX_ATTEMPTS} times`);
  }

  /** After new weights: the source's pending appeals (and those of sources sharing its operators), bounded. */
  drainSource(sourceId: number, actor: string): Promise<number> {
    return this.drain({ sourceId }, actor, { maxSteps: REQUEST_DRAIN_STEPS });
  }

  /**
   * After an operator freed a slot, was activated or got a higher limit: the oldest
   * pending appeal across the sources it serves goes first, one at a time, bounded.
   */
  drainForOperator(operatorId: number, actor: string): Promise<number> {
    return this.drain({ operatorId }, actor, { maxSteps: REQUEST_DRAIN_STEPS });
  }

  /** Every source, until nothing more can be assigned: the sweep. */
  drainAll(actor: string): Promise<number> {
    return this.drain("all", actor);
  }

  /**
   * Closes the appeal; the freed slot goes to the oldest pending appeal its operator
   * can take. A retried close (already closed) drains too: the first one may have
   * committed and died before its drain. With `owner` (an operator key's operator) another
   * operator's appeal is not_found (OWN APPEALS, in the statement).
   */
  async close(
    appealId: number,
    actor: string,
    owner: number | null = null,
  ): Promise<"closed" | "already_closed" | "not_found"> {
    const result = await this.repository.close(appealId, actor, owner);
    if (!result) return "not_found";
    if (result.operatorId !== null && result.previousStatus !== "pending") {
      await this.drainForOperator(result.operatorId, actor);
    }
    return result.previousStatus === "closed" ? "already_closed" : "closed";
  }

  /**
   * Moves the appeal to the operator (see AppealMovesRepository.transfer); a transfer is a
   * capacity event for the old operator: its freed slot goes to the oldest appeal it can take.
   * With `owner`, only that operator's appeal moves (as for close).
   */
  async transfer(
    appealId: number,
    operatorId: number,
    force: boolean,
    actor: string,
    owner: number | null = null,
  ): Promise<TransferResult> {
    const result = await this.moves.transfer(appealId, operatorId, force, actor, owner);
    if (
      result.outcome === "moved" &&
      result.previousStatus === "active" &&
      result.previousOperatorId !== null
    ) {
      await this.drainForOperator(result.previousOperatorId, actor);
    }
    return result;
  }

  /**
   * A closed appeal goes back through distribution like an intake, drawing again when the
   * chosen operator filled up; when it waits, the queue it joined is drained as after a
   * pending intake (an operator kept for an older appeal may be free for it once that one goes).
   */
  async reopen(appealId: number, actor: string): Promise<Exclude<ReopenResult, { outcome: "lost_race" }>> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const result = await this.moves.reopen(appealId, this.random(), actor);
      if (result.outcome === "lost_race") continue;
      if (result.outcome === "reopened" && result.status === "active")
        this.metrics.appealAssigned(result.sourceId);
      if (result.outcome === "reopened" && result.status === "pending") {
        await this.drain({ sourceId: result.sourceId }, actor, {
          until: appealId,
          maxSteps: REQUEST_DRAIN_STEPS,
        });
      }
      return result;
    }
    throw new Error(`reopening appeal ${appealId} lost the race ${MAX_ATTEMPTS} times`);
  }

  /**
   * Archives the operator; with `reassign`, its active appeals go back to the queue and are
   * drained at once, source by source (bounded; the sweep takes what is left).
   */
  async archiveOperator(
    operatorId: number,
    reassign: boolean,
    actor: string,
  ): Promise<
    Exclude<ArchiveOperatorResult, { outcome: "archived" }> | { outcome: "archived"; released: number }
  > {
    let released = 0;
    const sources = new Set<number>();
    // At most a few runs: once archived no appeal can be assigned to it (see the repository).
    for (let attempt = 1; attempt <= 5; attempt++) {
      const result = await this.moves.archiveOperator(operatorId, reassign, actor);
      if (result.outcome === "has_active" && result.activeAppeals === 0) continue;
      if (result.outcome !== "archived") return result;
      released += result.released;
      for (const id of result.sourceIds) sources.add(id);
      if (result.remaining > 0 && reassign) continue;
      for (const sourceId of sources) await this.drainSource(sourceId, actor);
      return { outcome: "archived", released };
    }
    throw new Error(`archiving operator ${operatorId} kept meeting new assignments`);
  }

  private async drain(scope: DrainScope, actor: string, options: DrainOptions = {}): Promise<number> {
    const maxSteps = options.maxSteps ?? Number.POSITIVE_INFINITY;
    // Where each source's queue continues (DrainFloors): a step starts above what this
    // drain assigned, instead of walking the entries an old snapshot keeps alive.
    const floors = new Map<number, number>();
    let assigned = 0;
    let retries = 0;
    while (assigned < maxSteps) {
      const step = await this.drains.step(scope, this.random(), actor, {
        sourceIds: [...floors.keys()],
        appealIds: [...floors.values()],
      });
      if (step.outcome === "idle") {
        // An unbounded drain (the sweep) ends with a look from the start of every queue,
        // for an appeal whose intake committed below a floor while this drain ran.
        if (floors.size === 0 || options.maxSteps !== undefined) return assigned;
        floors.clear();
        continue;
      }
      if (step.outcome === "retry") {
        if (++retries > MAX_ATTEMPTS * 10) {
          throw new Error(`draining ${JSON.stringify(scope)} made no progress`);
        }
        continue;
      }
      assigned++;
      floors.set(step.sourceId, step.appealId);
      this.metrics.appealAssigned(step.sourceId);
      if (step.appealId === options.until) return assigned;
    }
    // Cut short with perhaps more to assign: the sweep takes over now rather than at its next tick.
    this.onBacklog();
    return assigned;
  }
}
