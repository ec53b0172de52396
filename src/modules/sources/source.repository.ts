import { isRecordNotFound, isUniqueViolation } from "../../db/prisma-errors.js";
import type { Prisma, PrismaClient, Source, Strategy } from "../../generated/prisma/client.js";
import { ConflictError, NotFoundError } from "../../http/errors.js";

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
  constructor(private readonly prisma: PrismaClient) {}

  async create(data: {
    name: string;
    description: string | null;
    strategy: Strategy;
  }): Promise<SourceRecord> {
    try {
      return await this.prisma.source.create({ data });
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

  /** Returns null when no source has this id. */
  async update(id: number, changes: SourceChanges): Promise<SourceRecord | null> {
    try {
      return await this.prisma.source.update({ where: { id }, data: changes });
    } catch (error) {
      if (isRecordNotFound(error)) return null;
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
   * Returns the stored set, or null when the source does not exist.
   */
  async replaceWeights(
    sourceId: number,
    weights: { operatorId: number; weight: number }[],
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
      await tx.operatorWeight.deleteMany({ where: { sourceId } });
      await tx.operatorWeight.createMany({
        data: weights.map((w) => ({ sourceId, operatorId: w.operatorId, weight: w.weight })),
      });
      return this.listWeights(sourceId, tx);
    });
  }
}
