import type { Operator, PrismaClient } from "../../generated/prisma/client.js";
import type { AuditRepository } from "../audit/audit.repository.js";
import { toOperatorDto } from "./operator.dto.js";

export type OperatorRecord = Operator;
export type OperatorSettings = Pick<Operator, "name" | "isActive" | "maxLoad">;
export type OperatorChanges = Partial<OperatorSettings>;

/** The API's names of the settings, as the audit trail records them. */
const FIELD = { name: "name", isActive: "is_active", maxLoad: "max_load" } as const;

export class OperatorRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly audit: AuditRepository,
  ) {}

  /** Creates the operator and records operator.created in the same transaction. */
  create(data: OperatorSettings, actor: string): Promise<OperatorRecord> {
    return this.prisma.$transaction(async (tx) => {
      const operator = await tx.operator.create({ data });
      await this.audit.record(tx, {
        actor,
        action: "operator.created",
        entityType: "operator",
        entityId: operator.id,
        operatorId: operator.id,
        data: toOperatorDto(operator),
        details: { name: operator.name, is_active: operator.isActive, max_load: operator.maxLoad },
      });
      return operator;
    });
  }

  findById(id: number): Promise<OperatorRecord | null> {
    return this.prisma.operator.findUnique({ where: { id } });
  }

  list(filter: { isActive?: boolean | undefined; includeArchived: boolean }): Promise<OperatorRecord[]> {
    return this.prisma.operator.findMany({
      where: { isActive: filter.isActive, ...(!filter.includeArchived && { archivedAt: null }) },
      orderBy: { id: "asc" },
    });
  }

  /**
   * Applies the changes and records operator.updated with the fields sent, before
   * and after, in one transaction. The row is locked first, so `before` is the
   * state this update replaced even under concurrent changes. Null when no operator has this id.
   */
  update(
    id: number,
    changes: OperatorChanges,
    actor: string,
  ): Promise<{ before: OperatorSettings; after: OperatorRecord } | null> {
    return this.prisma.$transaction(async (tx) => {
      const [before] = await tx.$queryRaw<OperatorSettings[]>`
        SELECT name, is_active AS "isActive", max_load AS "maxLoad"
        FROM operators WHERE id = ${id} FOR NO KEY UPDATE`;
      if (!before) return null;
      const after = await tx.operator.update({ where: { id }, data: changes });
      const sent = (Object.keys(FIELD) as (keyof OperatorSettings)[]).filter(
        (key) => changes[key] !== undefined,
      );
      await this.audit.record(tx, {
        actor,
        action: "operator.updated",
        entityType: "operator",
        entityId: id,
        operatorId: id,
        data: toOperatorDto(after),
        details: {
          before: Object.fromEntries(sent.map((key) => [FIELD[key], before[key]])),
          after: Object.fromEntries(sent.map((key) => [FIELD[key], after[key]])),
        },
      });
      return { before, after };
    });
  }
}
