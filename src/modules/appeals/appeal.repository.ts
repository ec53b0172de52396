// Reads of appeals and idempotency keys. Writes that move an appeal's status live
// in distribution.repository.ts, next to the invariant they keep.
import type { AppealStatus, PrismaClient } from "../../generated/prisma/client.js";

export type AppealView = {
  id: number;
  leadId: number;
  leadExternalId: string;
  sourceId: number;
  sourceName: string;
  operator: { id: number; name: string } | null;
  status: AppealStatus;
  message: string | null;
  createdAt: Date;
  assignedAt: Date | null;
  closedAt: Date | null;
  /** The first operator message's created_at; null until an operator wrote. */
  firstResponseAt: Date | null;
  /** The script (and its version) the source's bot followed at intake; null when none. */
  botScriptId: number | null;
  botScriptVersion: number | null;
};

/**
 * The sources a caller may see (a scoped intake key's source_ids); null for every source.
 * Applied in the query itself, so an appeal outside it is indistinguishable from a missing one.
 */
export type SourceScope = readonly number[] | null;

/**
 * The one operator whose appeals a caller may see (an operator key's); null for every
 * operator. Like SourceScope, applied in the query: another operator's appeal is missing.
 */
export type OperatorScope = number | null;

export type AppealFilter = {
  status?: AppealStatus | undefined;
  operatorId?: number | undefined;
  sourceId?: number | undefined;
  leadId?: number | undefined;
  scope?: SourceScope | undefined;
  operatorScope?: OperatorScope | undefined;
  /** created_at at or after (inclusive). */
  from?: Date | undefined;
  /** created_at before (exclusive). */
  to?: Date | undefined;
};

const appealInclude = {
  lead: { select: { externalId: true } },
  source: { select: { name: true } },
  operator: { select: { id: true, name: true } },
  // first_response_at: the first operator message, joined in the same statement (relationJoins).
  messages: {
    where: { sender: "operator" },
    orderBy: { createdAt: "asc" },
    take: 1,
    select: { createdAt: true },
  },
} as const;

type AppealWithRelations = {
  id: number;
  leadId: number;
  sourceId: number;
  status: AppealStatus;
  message: string | null;
  createdAt: Date;
  assignedAt: Date | null;
  closedAt: Date | null;
  botScriptId: number | null;
  botScriptVersion: number | null;
  lead: { externalId: string };
  source: { name: string };
  operator: { id: number; name: string } | null;
  messages: { createdAt: Date }[];
};

function toView(row: AppealWithRelations): AppealView {
  return {
    id: row.id,
    leadId: row.leadId,
    leadExternalId: row.lead.externalId,
    sourceId: row.sourceId,
    sourceName: row.source.name,
    operator: row.operator,
    status: row.status,
    message: row.message,
    createdAt: row.createdAt,
    assignedAt: row.assignedAt,
    closedAt: row.closedAt,
    firstResponseAt: row.messages[0]?.createdAt ?? null,
    botScriptId: row.botScriptId,
    botScriptVersion: row.botScriptVersion,
  };
}

export class AppealRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async findById(
    id: number,
    scope: SourceScope = null,
    operator: OperatorScope = null,
  ): Promise<AppealView | null> {
    // WHERE id = $1 [AND source_id IN (...)] [AND operator_id = $2]
    const row = await this.prisma.appeal.findUnique({
      where: {
        id,
        ...(scope && { sourceId: { in: [...scope] } }),
        ...(operator !== null && { operatorId: operator }),
      },
      include: appealInclude,
    });
    return row ? toView(row) : null;
  }

  /** Newest first, keyset-paginated: `afterId` is the last id of the previous page. */
  async list(
    filter: AppealFilter,
    page: { limit: number; beforeId?: number | undefined },
  ): Promise<AppealView[]> {
    const own = filter.operatorScope ?? null;
    const rows = await this.prisma.appeal.findMany({
      where: {
        status: filter.status,
        // An operator scope and an operator_id filter must both hold: another id matches nothing.
        operatorId:
          own === null
            ? filter.operatorId
            : { equals: own, in: filter.operatorId === undefined ? undefined : [filter.operatorId] },
        sourceId: filter.scope ? { in: [...filter.scope], equals: filter.sourceId } : filter.sourceId,
        leadId: filter.leadId,
        ...((filter.from !== undefined || filter.to !== undefined) && {
          createdAt: { gte: filter.from, lt: filter.to },
        }),
        ...(page.beforeId !== undefined && { id: { lt: page.beforeId } }),
      },
      include: appealInclude,
      orderBy: { id: "desc" },
      take: page.limit,
    });
    return rows.map(toView);
  }

  /**
   * One lead's appeals, oldest first, keyset-paginated: `afterId` is the last id of the previous
   * page. On the (lead_id, id) index, so a lead with 100k appeals costs one page, not all of them.
   */
  async listForLead(
    leadId: number,
    page: { limit: number; afterId?: number | undefined },
  ): Promise<AppealView[]> {
    const rows = await this.prisma.appeal.findMany({
      where: { leadId, ...(page.afterId !== undefined && { id: { gt: page.afterId } }) },
      include: appealInclude,
      orderBy: { id: "asc" },
      take: page.limit,
    });
    return rows.map(toView);
  }

  /** One lead's `limit` newest appeals, answered oldest first (the original design's order). */
  async listNewestForLead(leadId: number, limit: number): Promise<AppealView[]> {
    const rows = await this.prisma.appeal.findMany({
      where: { leadId },
      include: appealInclude,
      orderBy: { id: "desc" },
      take: limit,
    });
    return rows.reverse().map(toView);
  }

  /** Whether the source exists and is archived (why an intake found no source to store into). */
  async isSourceArchived(id: number): Promise<boolean> {
    return (await this.prisma.source.count({ where: { id, archivedAt: { not: null } } })) > 0;
  }

  /** The appeal first stored under this idempotency key of this caller, with the hash of its request. */
  findIdempotencyKey(scope: number, key: string): Promise<{ requestHash: string; appealId: number } | null> {
    return this.prisma.idempotencyKey.findUnique({
      where: { scope_key: { scope, key } },
      select: { requestHash: true, appealId: true },
    });
  }

  /**
   * Forgets at most `limit` keys stored more than 24 hours ago by the database's clock
   * (the processes' clocks may disagree with it and with each other); returns how many.
   * SKIP LOCKED: two purges at once take different keys instead of queueing.
   */
  async deleteExpiredIdempotencyKeys(limit: number): Promise<number> {
    return this.prisma.$executeRaw`
      DELETE FROM idempotency_keys k USING (
        SELECT scope, key FROM idempotency_keys
        WHERE created_at < now() - interval '24 hours'
        ORDER BY created_at
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      ) expired
      WHERE k.scope = expired.scope AND k.key = expired.key`;
  }
}
