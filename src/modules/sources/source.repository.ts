import { ConflictError, NotFoundError } from "../../core/errors.js";
import { isUniqueViolation } from "../../db/prisma-errors.js";
import type { Prisma, PrismaClient, Source, Strategy } from "../../generated/prisma/client.js";
import type { AuditRepository } from "../audit/audit.repository.js";
import { sourceData } from "../events/event-data.sql.js";
import { toSourceDto, toWeightDto, type WeightRecord } from "./source.dto.js";
import { missingScript, scriptColumns } from "./source-script.js";

export type SourceRecord = Source;
export type { WeightRecord };
export type SourceChanges = Partial<{
  name: string;
  description: string | null;
  strategy: Strategy;
  /** The script the source's bot follows; null for none. */
  botScriptId: number | null;
}>;

/** The API's names of the fields an update may change, as source.updated's details record them. */
const FIELD = {
  name: "name",
  description: "description",
  strategy: "strategy",
  botScriptId: "bot_script_id",
} as const;

function nameTaken(name: string): ConflictError {
  return new ConflictError(
    `A source named "${name}" already exists (names are compared case-insensitively).`,
    [{ path: "name", message: "already taken" }],
  );
}

/** The operator is named in the path, so the problem lists no body field. */
function missingOperator(id: number, archived: boolean): NotFoundError {
  return new NotFoundError(
    `Operator ${id} ${archived ? "is archived" : "does not exist"}; the weight was not set.`,
  );
}

/** Locks the source's row as a weight change does; NotFoundError when missing (or archived, unless `archivedToo`). */
async function lockLiveSource(
  tx: Prisma.TransactionClient,
  sourceId: number,
  { archivedToo = false }: { archivedToo?: boolean } = {},
): Promise<void> {
  const [source] = await tx.$queryRaw<{ archived: boolean }[]>`
    SELECT archived_at IS NOT NULL AS archived FROM sources WHERE id = ${sourceId} FOR NO KEY UPDATE`;
  if (!source) throw new NotFoundError(`Source ${sourceId} does not exist.`);
  if (source.archived && !archivedToo) throw new NotFoundError(`Source ${sourceId} is archived.`);
}

export class SourceRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly audit: AuditRepository,
  ) {}

  /** Creates the source and records source.created in the same transaction. */
  async create(
    data: { name: string; description: string | null; strategy: Strategy; botScriptId: number | null },
    actor: string,
  ): Promise<SourceRecord> {
    try {
      return await this.prisma.$transaction(async (tx) => {
        const script = await scriptColumns(tx, data.botScriptId);
        if (script === "missing") throw missingScript(data.botScriptId as number);
        const source = await tx.source.create({ data: { ...data, ...script } });
        await this.audit.record(tx, {
          actor,
          action: "source.created",
          entityType: "source",
          entityId: source.id,
          data: toSourceDto(source),
          details: {
            name: source.name,
            description: source.description,
            strategy: source.strategy,
            bot_script_id: source.botScriptId,
          },
        });
        return source;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw nameTaken(data.name);
      throw error;
    }
  }

  findById(id: number): Promise<SourceRecord | null> {
    return this.prisma.source.findUnique({ where: { id } });
  }

  list(filter: { includeArchived: boolean }): Promise<SourceRecord[]> {
    return this.prisma.source.findMany({
      where: filter.includeArchived ? {} : { archivedAt: null },
      orderBy: { id: "asc" },
    });
  }

  /**
   * Archives the source in one statement, recording source.archived, unless it has pending
   * appeals (checked in the same statement). Its weights stay: an appeal of it that an
   * intake in flight stored after this committed, or one reopened later, still has its
   * operators. Null when the source does not exist.
   */
  async archive(id: number, actor: string): Promise<{ archived: boolean; pending: number } | null> {
    const [row] = await this.prisma.$queryRaw<{ archived: boolean; pending: number }[]>`
      WITH waiting AS (
        SELECT count(*)::int AS n FROM appeals WHERE source_id = ${id} AND status = 'pending'
      ),
      archived AS (
        UPDATE sources s SET archived_at = now(), updated_at = now()
        FROM waiting
        WHERE s.id = ${id} AND s.archived_at IS NULL AND waiting.n = 0
        RETURNING s.*
      ),
      audit AS (
        INSERT INTO events (actor, type, entity_type, entity_id, source_id, data, details)
        SELECT ${actor}, 'source.archived', 'source', archived.id, archived.id, ${sourceData("archived")}, '{}'::jsonb
        FROM archived
      )
      SELECT s.archived_at IS NOT NULL OR EXISTS (SELECT 1 FROM archived) AS archived, waiting.n AS pending
      FROM sources s CROSS JOIN waiting WHERE s.id = ${id}`;
    return row ?? null;
  }

  /**
   * Sets one weight, the others stay, recording weight.set with the weight before (null when
   * new) and after. The source's row is locked as for a replacement (one change of its set at
   * a time); the operator's row FOR SHARE, so an archive of it (which removes its weights)
   * runs wholly before or after. Throws NotFoundError for a missing or archived source or operator.
   */
  setWeight(sourceId: number, operatorId: number, weight: number, actor: string): Promise<WeightRecord> {
    return this.prisma.$transaction(async (tx) => {
      await lockLiveSource(tx, sourceId);
      const [operator] = await tx.$queryRaw<{ name: string; archived: boolean }[]>`
        SELECT name, archived_at IS NOT NULL AS archived FROM operators WHERE id = ${operatorId} FOR SHARE`;
      if (!operator || operator.archived) throw missingOperator(operatorId, operator?.archived ?? false);
      const [row] = await tx.$queryRaw<{ before: number | null }[]>`
        WITH old AS (SELECT weight FROM operator_weights WHERE source_id = ${sourceId} AND operator_id = ${operatorId}),
        stored AS (
          INSERT INTO operator_weights (source_id, operator_id, weight) VALUES (${sourceId}, ${operatorId}, ${weight})
          ON CONFLICT (source_id, operator_id) DO UPDATE SET weight = EXCLUDED.weight
        )
        SELECT (SELECT weight FROM old) AS before`;
      await this.audit.record(tx, {
        actor,
        action: "weight.set",
        entityType: "source",
        entityId: sourceId,
        operatorId,
        data: { source_id: sourceId, ...toWeightDto({ operatorId, operatorName: operator.name, weight }) },
        details: { operator_id: operatorId, before: row?.before ?? null, after: weight },
      });
      return { operatorId, operatorName: operator.name, weight };
    });
  }

  /** Removes one weight, recording weight.removed. Throws NotFoundError when the source or the weight is missing. */
  removeWeight(sourceId: number, operatorId: number, actor: string): Promise<void> {
    return this.prisma.$transaction(async (tx) => {
      await lockLiveSource(tx, sourceId, { archivedToo: true });
      const [removed] = await tx.$queryRaw<{ weight: number }[]>`
        DELETE FROM operator_weights WHERE source_id = ${sourceId} AND operator_id = ${operatorId} RETURNING weight`;
      if (!removed) {
        throw new NotFoundError(`Operator ${operatorId} has no weight for source ${sourceId}.`);
      }
      await this.audit.record(tx, {
        actor,
        action: "weight.removed",
        entityType: "source",
        entityId: sourceId,
        operatorId,
        data: { source_id: sourceId, operator_id: operatorId },
        details: { operator_id: operatorId, before: removed.weight },
      });
    });
  }

  /**
   * Applies the changes and records source.updated with the fields sent, before and
   * after, in one transaction; the row is locked first so `before` is the state this
   * update replaced (a new script's row before it: lockScriptVersion). Returns null when no
   * source has this id; throws NotFoundError naming bot_script_id for an unknown script.
   */
  async update(id: number, changes: SourceChanges, actor: string): Promise<SourceRecord | null> {
    try {
      return await this.prisma.$transaction(async (tx) => {
        const script = await scriptColumns(tx, changes.botScriptId);
        const [before] = await tx.$queryRaw<Required<SourceChanges>[]>`
          SELECT name, description, strategy::text AS strategy, bot_script_id AS "botScriptId"
          FROM sources WHERE id = ${id} FOR NO KEY UPDATE`;
        if (!before) return null;
        if (script === "missing") throw missingScript(changes.botScriptId as number);
        const after = await tx.source.update({ where: { id }, data: { ...changes, ...script } });
        const sent = (Object.keys(FIELD) as (keyof SourceChanges)[]).filter(
          (key) => changes[key] !== undefined,
        );
        await this.audit.record(tx, {
          actor,
          action: "source.updated",
          entityType: "source",
          entityId: id,
          data: toSourceDto(after),
          details: {
            before: Object.fromEntries(sent.map((key) => [FIELD[key], before[key]])),
            after: Object.fromEntries(sent.map((key) => [FIELD[key], after[key]])),
          },
        });
        return after;
      });
    } catch (error) {
      if (isUniqueViolation(error) && changes.name !== undefined) throw nameTaken(changes.name);
      throw error;
    }
  }

  async listWeights(sourceId: number, db: Prisma.TransactionClient = this.prisma): Promise<WeightRecord[]> {
    const rows = await db.operatorWeight.findMany({
      where: { sourceId },
      select: { operatorId: true, weight: true, operator: { select: { name: true } } },
      orderBy: { operatorId: "asc" },
    });
    return rows.map((row) => ({
      operatorId: row.operatorId,
      operatorName: row.operator.name,
      weight: row.weight,
    }));
  }

  /**
   * Replaces the source's whole set of weights in one transaction: either every
   * new weight is stored or, when an operator is unknown, the old set stays.
   * Records weights.replaced, with the old and the new set, in the same transaction.
   * Returns the stored set, or null when the source does not exist.
   */
  async replaceWeights(
    sourceId: number,
    weights: { operatorId: number; weight: number }[],
    actor: string,
  ): Promise<WeightRecord[] | null> {
    return this.prisma.$transaction(async (tx) => {
      // Keeps "the set is exactly one request's set" under concurrent replacements:
      // without this lock two transactions each delete the old rows, then both
      // insert, and the second fails on the primary key or leaves a mix of both sets.
      // NO KEY UPDATE serialises replacements of one source without blocking the
      // appeal inserts that reference it (they take KEY SHARE).
      const locked = await tx.$queryRaw<{ archived: boolean }[]>`
        SELECT archived_at IS NOT NULL AS archived FROM sources WHERE id = ${sourceId} FOR NO KEY UPDATE`;
      if (locked.length === 0) return null;
      if (locked[0]?.archived)
        throw new NotFoundError(`Source ${sourceId} is archived; the weights were not changed.`);
      const ids = weights.map((w) => w.operatorId);
      // An archived operator is no candidate anywhere: refused like a missing one.
      const found = await tx.operator.findMany({
        where: { id: { in: ids } },
        select: { id: true, archivedAt: true },
      });
      const known = new Set(found.filter((o) => o.archivedAt === null).map((o) => o.id));
      const archived = new Set(found.filter((o) => o.archivedAt !== null).map((o) => o.id));
      const what = (id: number) => (archived.has(id) ? "is archived" : "does not exist");
      const missing = ids.filter((id) => !known.has(id));
      if (missing.length > 0) {
        const detail =
          archived.size === 0
            ? `Operator${missing.length > 1 ? "s" : ""} ${missing.join(", ")} do${missing.length > 1 ? "" : "es"} not exist`
            : `Operator${missing.length > 1 ? "s" : ""} ${missing.join(", ")} do${missing.length > 1 ? "" : "es"} not exist or ${missing.length > 1 ? "are" : "is"} archived`;
        throw new NotFoundError(
          `${detail}; the weights were not changed.`,
          weights.flatMap((w, index) =>
            known.has(w.operatorId)
              ? []
              : [{ path: `${index}.operator_id`, message: `operator ${w.operatorId} ${what(w.operatorId)}` }],
          ),
        );
      }
      const old = await tx.$queryRaw<{ operator_id: number; weight: number }[]>`
        DELETE FROM operator_weights WHERE source_id = ${sourceId} RETURNING operator_id, weight`;
      await tx.operatorWeight.createMany({
        data: weights.map((w) => ({ sourceId, operatorId: w.operatorId, weight: w.weight })),
      });
      const stored = await this.listWeights(sourceId, tx);
      await this.audit.record(tx, {
        actor,
        action: "weights.replaced",
        entityType: "source",
        entityId: sourceId,
        data: { source_id: sourceId, weights: stored.map(toWeightDto) },
        details: {
          before: old.sort((a, b) => a.operator_id - b.operator_id),
          after: stored.map((w) => ({ operator_id: w.operatorId, weight: w.weight })),
        },
      });
      return stored;
    });
  }
}
