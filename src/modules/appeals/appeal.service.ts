// Appeal intake, closing and queries: the use cases bots and operators' tools call.
import { createHash } from "node:crypto";
import {
  AppError,
  ConflictError,
  ForbiddenError,
  IdempotencyMismatchError,
  NotFoundError,
} from "../../core/errors.js";
import { keysetPage, type Page } from "../../core/page.js";
import { type DistributionMetrics, NO_METRICS } from "../../core/ports.js";
import { DEFAULT_PHONE_REGION, type PhoneRegion, toE164 } from "../leads/phone.js";
import { toPeriod } from "../stats/period.js";
import type { AppealRepository, AppealView, OperatorScope, SourceScope } from "./appeal.repository.js";
import type {
  AppealCreatedDto,
  AppealDto,
  CreateAppealInput,
  ListAppealsQuery,
  TransferAppealInput,
} from "./appeal.schemas.js";
import type { TransferTarget } from "./appeal-moves.repository.js";
import type { DistributionService } from "./distribution.service.js";

/** Idempotency keys are forgotten this many at a time, each batch a short statement of its own. */
const IDEMPOTENCY_PURGE_BATCH = 1000;

export class AppealService {
  constructor(
    private readonly appeals: AppealRepository,
    private readonly distribution: DistributionService,
    private readonly metrics: DistributionMetrics = NO_METRICS,
    /** Where a phone without a country code is read (DEFAULT_PHONE_REGION). */
    private readonly phoneRegion: PhoneRegion = DEFAULT_PHONE_REGION,
  ) {}

  /**
   * Stores the appeal and assigns it. With an idempotency key, a retry gets the
   * same appeal back and writes nothing; the same key with another body is a 422.
   * `actor` (the caller's key label) is recorded in the appeal's audit events. Keys
   * belong to `idempotencyScope` (the caller's API key id, 0 in open mode). A source
   * outside `sources` (a scoped key's) is refused as unknown, before anything is read or written.
   */
  async create(
    input: CreateAppealInput,
    actor: string,
    idempotencyKey?: string,
    { idempotencyScope = 0, sources = null }: { idempotencyScope?: number; sources?: SourceScope } = {},
  ): Promise<{ appeal: AppealCreatedDto; replayed: boolean }> {
    if (sources && !sources.includes(input.source_id)) throw sourceNotFound(input.source_id);
    const requestHash = idempotencyKey === undefined ? null : hashRequest(input);
    const leadPhone = nonEmpty(input.lead_phone);
    // A phone that does not parse is kept as sent (phone_e164 null): never a refused appeal.
    const leadPhoneE164 = toE164(leadPhone, this.phoneRegion);
    // A key is forgotten after 24 hours, possibly between the conflict and the replay's
    // read: the request is then new after all, and is tried again (once is enough).
    for (let attempt = 1; attempt <= 2; attempt++) {
      const result = await this.distribution.intake(
        {
          sourceId: input.source_id,
          leadExternalId: input.lead_external_id,
          leadName: nonEmpty(input.lead_name),
          leadPhone,
          leadPhoneE164,
          leadEmail: nonEmpty(input.lead_email),
          message: input.message ?? null,
          idempotencyKey: idempotencyKey ?? null,
          requestHash,
          idempotencyScope,
        },
        actor,
      );
      if (result.outcome === "unknown_source") {
        throw sourceNotFound(input.source_id, await this.appeals.isSourceArchived(input.source_id));
      }
      if (result.outcome === "key_taken") {
        // The key was stored by an earlier (or concurrent, now committed) request.
        const first = await this.replay(idempotencyScope, idempotencyKey as string, requestHash as string);
        if (first) return { appeal: first, replayed: true };
        continue;
      }
      // Assigned by the drain that followed its own intake: answer what is true now.
      const appeal = toCreatedDto(result.drained ? await this.require(result.id) : result);
      this.metrics.appealCreated(appeal.status);
      return { appeal, replayed: false };
    }
    throw new Error(`idempotency key ${idempotencyKey} kept conflicting with a key that could not be read`);
  }

  /** Outside `scope` or another operator's (`operator`), the same 404 as an appeal that does not exist. */
  async get(id: number, scope: SourceScope = null, operator: OperatorScope = null): Promise<AppealDto> {
    return toAppealDto(await this.require(id, scope, operator));
  }

  /** Within `scope`, and only `operator`'s appeals when it is set. */
  async list(
    query: ListAppealsQuery,
    scope: SourceScope = null,
    operator: OperatorScope = null,
  ): Promise<Page<AppealDto>> {
    const rows = await this.appeals.list(
      {
        status: query.status,
        operatorId: query.operator_id,
        sourceId: query.source_id,
        leadId: query.lead_id,
        scope,
        operatorScope: operator,
        ...toPeriod(query),
      },
      { limit: query.limit + 1, beforeId: query.cursor },
    );
    return keysetPage(rows, query.limit, toAppealDto);
  }

  /**
   * Closing a closed appeal is not an error: it answers the appeal unchanged. With `operator`
   * (an operator key's) another operator's appeal is the 404 of a missing one, nothing written.
   */
  async close(id: number, actor: string, operator: OperatorScope = null): Promise<AppealDto> {
    if ((await this.distribution.close(id, actor, operator)) === "not_found") throw appealNotFound(id);
    return this.get(id);
  }

  /**
   * Moves an active or pending appeal to another operator; without `force` the operator must
   * be able to take it (409 no_capacity naming it and why). Transferring to the operator that
   * has it already is a 200 that changes nothing. With `operator` (an operator key's) only its
   * own appeal moves (another's is the 404 of a missing one), and `force` is refused (403) before
   * the appeal is looked up, so the refusal says nothing about it. The answer is the appeal as
   * moved, read without the scope: the caller sees where it sent it, once, and then no more.
   */
  async transfer(
    id: number,
    input: TransferAppealInput,
    actor: string,
    operator: OperatorScope = null,
  ): Promise<AppealDto> {
    if (operator !== null && input.force) {
      throw new ForbiddenError(
        "force is for admin keys: an operator key transfers only to an operator that can take the appeal.",
        [{ path: "force", message: "not allowed for role operator" }],
      );
    }
    const result = await this.distribution.transfer(id, input.operator_id, input.force, actor, operator);
    switch (result.outcome) {
      case "appeal_not_found":
        throw appealNotFound(id);
      case "operator_not_found":
        throw new NotFoundError(`Operator ${input.operator_id} does not exist; the appeal was not moved.`, [
          { path: "operator_id", message: `operator ${input.operator_id} does not exist` },
        ]);
      case "closed":
        throw new ConflictError(`Appeal ${id} is closed: reopen it before transferring it.`);
      case "refused":
        throw noCapacity(id, input.operator_id, result.target);
      default:
        return this.get(id);
    }
  }

  /** A closed appeal goes back through distribution; reopening one that is not closed changes nothing. */
  async reopen(id: number, actor: string): Promise<AppealDto> {
    if ((await this.distribution.reopen(id, actor)).outcome === "not_found") throw appealNotFound(id);
    return this.get(id);
  }

  /**
   * Forgets the keys older than 24 hours by the database's clock (API.md keeps them at
   * least that long), in batches, so no statement runs long however many have piled up.
   * Returns how many.
   */
  async forgetOldIdempotencyKeys(
    options: { batchSize?: number; onBatch?: (count: number) => void } = {},
  ): Promise<number> {
    const batchSize = options.batchSize ?? IDEMPOTENCY_PURGE_BATCH;
    let total = 0;
    for (;;) {
      const count = await this.appeals.deleteExpiredIdempotencyKeys(batchSize);
      if (count > 0) options.onBatch?.(count);
      total += count;
      if (count < batchSize) return total;
    }
  }

  /** The first answer to this key, or undefined when the key has just been forgotten. */
  private async replay(
    scope: number,
    key: string,
    requestHash: string,
  ): Promise<AppealCreatedDto | undefined> {
    const stored = await this.appeals.findIdempotencyKey(scope, key);
    if (!stored) return undefined;
    if (stored.requestHash !== requestHash) throw new IdempotencyMismatchError(key);
    return toCreatedDto(await this.require(stored.appealId));
  }

  private async require(
    id: number,
    scope: SourceScope = null,
    operator: OperatorScope = null,
  ): Promise<AppealView> {
    const appeal = await this.appeals.findById(id, scope, operator);
    if (!appeal) throw appealNotFound(id);
    return appeal;
  }
}

/** Also what a scoped key gets for a source outside its scope: ids do not leak. */
function sourceNotFound(id: number, archived = false): NotFoundError {
  const what = archived ? "is archived" : "does not exist";
  return new NotFoundError(`Source ${id} ${what}; nothing was stored.`, [
    { path: "source_id", message: `source ${id} ${what}` },
  ]);
}

/** Why the operator cannot take the appeal, most permanent reason first. */
function noCapacity(appealId: number, operatorId: number, target: TransferTarget): AppError {
  const reason = target.archived
    ? "is archived"
    : !target.isActive
      ? "is inactive"
      : !target.hasWeight
        ? "has no weight for the appeal's source"
        : `is at its limit (${target.activeLoad} of ${target.maxLoad} active appeals)`;
  const hint = target.archived ? "" : "; force: true (admin) overrides this";
  return new AppError(
    "no_capacity",
    409,
    "The operator cannot take the appeal",
    `Operator ${operatorId} ("${target.name}") ${reason}: appeal ${appealId} was not moved${hint}.`,
    [{ path: "operator_id", message: `operator ${operatorId} ${reason}` }],
  );
}

function appealNotFound(id: number): NotFoundError {
  return new NotFoundError(`Appeal ${id} does not exist.`);
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value === "" ? null : value;
}

/** The same request, whatever the order of its fields, hashes the same. */
function hashRequest(input: CreateAppealInput): string {
  const canonical = JSON.stringify(Object.entries(input).sort(([a], [b]) => a.localeCompare(b)));
  return createHash("sha256").update(canonical).digest("hex");
}

/** From a stored appeal, as the intake statement returns it or as read back. */
function toCreatedDto(
  appeal: Omit<AppealView, "assignedAt" | "closedAt" | "firstResponseAt">,
): AppealCreatedDto {
  return {
    appeal_id: appeal.id,
    lead_id: appeal.leadId,
    lead_external_id: appeal.leadExternalId,
    source_id: appeal.sourceId,
    source_name: appeal.sourceName,
    operator: appeal.operator,
    status: appeal.status,
    message: appeal.message,
    created_at: appeal.createdAt.toISOString(),
    bot_script_id: appeal.botScriptId,
    bot_script_version: appeal.botScriptVersion,
  };
}

export function toAppealDto(appeal: AppealView): AppealDto {
  return {
    id: appeal.id,
    lead_id: appeal.leadId,
    lead_external_id: appeal.leadExternalId,
    source_id: appeal.sourceId,
    source_name: appeal.sourceName,
    operator: appeal.operator,
    status: appeal.status,
    message: appeal.message,
    created_at: appeal.createdAt.toISOString(),
    assigned_at: appeal.assignedAt?.toISOString() ?? null,
    closed_at: appeal.closedAt?.toISOString() ?? null,
    first_response_at: appeal.firstResponseAt?.toISOString() ?? null,
    bot_script_id: appeal.botScriptId,
    bot_script_version: appeal.botScriptVersion,
  };
}
