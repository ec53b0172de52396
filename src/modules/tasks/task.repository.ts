// Tasks' storage: each change and its task.created / task.updated event in one transaction,
// the event's operator_id the task's operator (so that operator key's stream shows it).
import type { Prisma, PrismaClient, TaskStatus } from "../../generated/prisma/client.js";
import type { AuditRepository } from "../audit/audit.repository.js";
import { type TaskRecord, toTaskDto } from "./task.dto.js";

const withOperator = { operator: { select: { id: true, name: true } } } as const;

export type NewTask = {
  title: string;
  description: string | null;
  leadId: number | null;
  appealId: number | null;
  operatorId: number | null;
  dueAt: Date | null;
};

export type TaskChanges = {
  title?: string;
  description?: string | null;
  status?: TaskStatus;
  operatorId?: number | null;
  dueAt?: Date | null;
};

export type TaskFilter = {
  operatorId?: number | undefined;
  leadId?: number | undefined;
  status?: TaskStatus | undefined;
  dueBefore?: Date | undefined;
};

/** What a caller may see: an operator key its own tasks and appeals, an intake key its sources. */
export type TaskScope = { operatorId: number | null; sourceIds: number[] | null };

/** The API's names of the fields an update may change, as the event's details record them. */
const FIELD = {
  title: "title",
  description: "description",
  status: "status",
  operatorId: "operator_id",
  dueAt: "due_at",
} as const;

export class TaskRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly audit: AuditRepository,
  ) {}

  /** The lead's id, when it exists and (for a scoped caller) has an appeal the caller may see. */
  async findLeadId(lead: { id: number } | { externalId: string }, scope: TaskScope): Promise<number | null> {
    const found = await this.prisma.lead.findFirst({
      where: {
        ...("id" in lead ? { id: lead.id } : { externalId: lead.externalId }),
        ...(isScoped(scope) && { appeals: { some: appealScope(scope) } }),
      },
      select: { id: true },
    });
    return found?.id ?? null;
  }

  /** The appeal, when it exists within the caller's scope. */
  findAppeal(id: number, scope: TaskScope) {
    return this.prisma.appeal.findFirst({
      where: { id, ...appealScope(scope) },
      select: { id: true, leadId: true, operatorId: true, status: true },
    });
  }

  /** The operator of the lead's newest active appeal (within the caller's sources), if any. */
  async findLeadOperator(leadId: number, scope: TaskScope): Promise<number | null> {
    const appeal = await this.prisma.appeal.findFirst({
      where: { leadId, status: "active", ...(scope.sourceIds && { sourceId: { in: scope.sourceIds } }) },
      orderBy: { id: "desc" },
      select: { operatorId: true },
    });
    return appeal?.operatorId ?? null;
  }

  /** Whether a task may be given to this operator: it exists and is not archived. */
  async operatorAssignable(id: number): Promise<boolean> {
    const found = await this.prisma.operator.findFirst({
      where: { id, archivedAt: null },
      select: { id: true },
    });
    return found !== null;
  }

  create(task: NewTask, actor: string, now: Date): Promise<TaskRecord> {
    return this.prisma.$transaction(async (tx) => {
      // The module's clock stamps the task, so created_at, updated_at, completed_at and overdue agree.
      const created = await tx.task.create({
        data: { ...task, createdAt: now, updatedAt: now },
        include: withOperator,
      });
      await this.audit.record(tx, {
        actor,
        action: "task.created",
        entityType: "task",
        entityId: created.id,
        operatorId: created.operatorId,
        data: toTaskDto(created, now),
      });
      return created;
    });
  }

  /** The task, when it exists and (for an operator key) is that operator's. */
  findById(id: number, operatorScope: number | null): Promise<TaskRecord | null> {
    return this.prisma.task.findFirst({
      where: { id, ...(operatorScope !== null && { operatorId: operatorScope }) },
      include: withOperator,
    });
  }

  /** Newest first, keyset-paginated: `beforeId` is the last id of the previous page. */
  list(filter: TaskFilter, page: { limit: number; beforeId?: number | undefined }): Promise<TaskRecord[]> {
    return this.prisma.task.findMany({
      where: {
        operatorId: filter.operatorId,
        leadId: filter.leadId,
        status: filter.status,
        ...(filter.dueBefore !== undefined && { dueAt: { lt: filter.dueBefore } }),
        ...(page.beforeId !== undefined && { id: { lt: page.beforeId } }),
      },
      include: withOperator,
      orderBy: { id: "desc" },
      take: page.limit,
    });
  }

  /**
   * Applies the changes and records task.updated with the fields sent, before and after, in one
   * transaction. The row is locked first (and, for an operator key, must be that operator's), so
   * `before` is the state this update replaced. Null when the caller has no such task.
   */
  update(
    id: number,
    changes: TaskChanges,
    operatorScope: number | null,
    actor: string,
    now: Date,
  ): Promise<TaskRecord | null> {
    return this.prisma.$transaction(async (tx) => {
      const [before] = await tx.$queryRaw<
        {
          title: string;
          description: string | null;
          status: TaskStatus;
          operatorId: number | null;
          dueAt: Date | null;
        }[]
      >`
        SELECT title, description, status::text AS status, operator_id AS "operatorId", due_at AS "dueAt"
        FROM tasks
        WHERE id = ${id} AND (${operatorScope}::int IS NULL OR operator_id = ${operatorScope}::int)
        FOR NO KEY UPDATE`;
      if (!before) return null;
      const status = changes.status;
      const data: Prisma.TaskUncheckedUpdateInput = {
        ...changes,
        updatedAt: now,
        // done sets completed_at; leaving done (reopened or cancelled) clears it.
        ...(status !== undefined &&
          status !== before.status && { completedAt: status === "done" ? now : null }),
      };
      const after = await tx.task.update({ where: { id }, data, include: withOperator });
      const sent = (Object.keys(FIELD) as (keyof TaskChanges)[]).filter((key) => changes[key] !== undefined);
      await this.audit.record(tx, {
        actor,
        action: "task.updated",
        entityType: "task",
        entityId: id,
        operatorId: after.operatorId,
        data: toTaskDto(after, now),
        details: {
          before: Object.fromEntries(sent.map((key) => [FIELD[key], jsonOf(before[key])])),
          after: Object.fromEntries(sent.map((key) => [FIELD[key], jsonOf(after[key])])),
        },
      });
      return after;
    });
  }
}

function isScoped(scope: TaskScope): boolean {
  return scope.operatorId !== null || scope.sourceIds !== null;
}

function appealScope(scope: TaskScope): Prisma.AppealWhereInput {
  return {
    ...(scope.operatorId !== null && { operatorId: scope.operatorId }),
    ...(scope.sourceIds !== null && { sourceId: { in: scope.sourceIds } }),
  };
}

function jsonOf(value: string | number | Date | null): string | number | null {
  return value instanceof Date ? value.toISOString() : value;
}
