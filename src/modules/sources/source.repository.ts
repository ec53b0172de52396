import { isUniqueViolation } from "../../db/prisma-errors.js";
import type { Prisma, PrismaClient, Source, Strategy } from "../../generated/prisma/client.js";
import { ConflictError, NotFoundError } from "../../http/errors.js";
import type { AuditRepository } from "../audit/audit.repository.js";

export type SourceRecord = Source;
export type WeightRecord = { operatorId: number; operatorName: string; weight: number };
export type SourceChanges = Partial<{ name: string; description: string | null; strategy: Strategy }>;

function nameTaken(name: string): ConflictError {
  return new ConflictError(
    `A source named "${name}" already exists (names are compared case-insensitively).`,
    [{ path: "name", message: "already taken" }],
  );
}

export class SourceRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly audit: AuditRepository,
  ) {}

  /** Creates the source and records source.created in the same transaction. */
  async create(
    data: { name: string; description: string | null; strategy: Strategy },
    actor: string,
  ): Promise<SourceRecord> {
    try {
      return await this.prisma.$transaction(async (tx) => {
        const source = await tx.source.create({ data });
        await this.audit.record(tx, {
          actor,
          action: "source.created",
          entityType: "source",
          entityId: source.id,
          details: { name: source.name, description: source.description, strategy: source.strategy },
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

  list(): Promise<SourceRecord[]> {
    return this.prisma.source.findMany({ orderBy: { id: "asc" } });
  }

  /**
   * Applies the changes and records source.updated with the fields sent, before and
   * after, in one transaction; the row is locked first so `before` is the state this
   * update replaced. Returns null when no source has this id.
   */
  async update(id: number, changes: SourceChanges, actor: string): Promise<SourceRecord | null> {
    try {
      return await this.prisma.$transaction(async (tx) => {
        const [before] = await tx.$queryRaw<Required<SourceChanges>[]>`
          SELECT name, description, strategy::text AS strategy FROM sources WHERE id = ${id} FOR NO KEY UPDATE`;
        if (!before) return null;
        const after = await tx.source.update({ where: { id }, data: changes });
        const sent = (["name", "description", "strategy"] as const).filter(
          (key) => changes[key] !== undefined,
        );
        await this.audit.record(tx, {
          actor,
          action: "source.updated",
          entityType: "source",
          entityId: id,
          details: {
            before: Object.fromEntries(sent.map((key) => [key, before[key]])),
            after: Object.fromEntries(sent.map((key) => [key, after[key]])),
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
      const locked = await tx.$queryRaw<{ id: number }[]>`
        SELECT id FROM sources WHERE id = ${sourceId} FOR NO KEY UPDATE`;
      if (locked.length === 0) return null;
      const ids = weights.map((w) => w.operatorId);
      const found = await tx.operator.findMany({ where: { id: { in: ids } }, select: { id: true } });
      const known = new Set(found.map((operator) => operator.id));
      const missing = ids.filter((id) => !known.has(id));
      if (missing.length > 0) {
        throw new NotFoundError(
          `Operator${missing.length > 1 ? "s" : ""} ${missing.join(", ")} do${missing.length > 1 ? "" : "es"} not exist; the weights were not changed.`,
          weights.flatMap((w, index) =>
            known.has(w.operatorId)
              ? []
              : [{ path: `${index}.operator_id`, message: `operator ${w.operatorId} does not exist` }],
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
        details: {
          before: old.sort((a, b) => a.operator_id - b.operator_id),
          after: stored.map((w) => ({ operator_id: w.operatorId, weight: w.weight })),
        },
      });
      return stored;
    });
  }
}
