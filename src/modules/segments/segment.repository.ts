// Segments' storage: each change and its segment.* event in one transaction (the event's data
// the Segment as the routes answer it), a fixed list's leads in segment_leads, and the count of
// a segment's leads on the heavy reads' pool.
import { createHash } from "node:crypto";
import { ConflictError, NotFoundError } from "../../core/errors.js";
import { isUniqueViolation } from "../../db/prisma-errors.js";
import type { SqlClient } from "../../db/sql.js";
import type { PrismaClient, Segment } from "../../generated/prisma/client.js";
import { Prisma } from "../../generated/prisma/client.js";
import type { AuditRepository } from "../audit/audit.repository.js";
import { toSegmentDto } from "./segment.dto.js";
import type { SegmentConditions } from "./segment.schemas.js";
import { membershipConditions, type SegmentMembership } from "./segment-membership.sql.js";

/** What a segment holds: its conditions, or (a fixed list) its leads' ids. */
export type SegmentContent = { conditions: SegmentConditions } | { leadIds: number[] };

export type UpdateResult =
  | { outcome: "not_found" }
  | { outcome: "archived" }
  | { outcome: "updated"; segment: Segment };

export type SegmentChanges = {
  name?: string | undefined;
  description?: string | null | undefined;
  content?: SegmentContent | undefined;
};

/** How many unknown lead ids a 400 names (a list of 10,000 could name them all). */
const NAMED_UNKNOWN_IDS = 10;

function nameTaken(name: string | undefined): ConflictError {
  return new ConflictError(
    `A segment named "${name}" already exists (names are compared case-insensitively, archived segments aside).`,
    [{ path: "name", message: "already taken" }],
  );
}

export class SegmentRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly audit: AuditRepository,
    /** The heavy reads' pool (Database.heavy): a count reads every member, beside the intake. */
    private readonly heavy: SqlClient,
  ) {}

  /** A name another segment has (any case) is a 409 naming name. */
  async create(
    input: { name: string; description: string | null; content: SegmentContent },
    actor: string,
  ): Promise<Segment> {
    return this.named(input.name, () =>
      this.prisma.$transaction(async (tx) => {
        const segment = await tx.segment.create({
          data: { name: input.name, description: input.description, filter: filterOf(input.content) },
        });
        await storeList(tx, segment.id, input.content);
        await this.record(tx, "segment.created", segment, actor);
        return segment;
      }),
    );
  }

  findById(id: number): Promise<Segment | null> {
    return this.prisma.segment.findUnique({ where: { id } });
  }

  /** Newest first, keyset-paginated: `beforeId` is the last id of the previous page. */
  list(includeArchived: boolean, page: { limit: number; beforeId?: number | undefined }): Promise<Segment[]> {
    return this.prisma.segment.findMany({
      where: {
        ...(!includeArchived && { archivedAt: null }),
        ...(page.beforeId !== undefined && { id: { lt: page.beforeId } }),
      },
      orderBy: { id: "desc" },
      take: page.limit,
    });
  }

  membership(id: number): Promise<SegmentMembership | null> {
    return segmentLookup(this.prisma)(id);
  }

  /** The segment's leads now: one statement, whatever the filter. */
  async countLeads(membership: SegmentMembership): Promise<number> {
    const statement = Prisma.sql`
      SELECT count(*)::int AS count FROM leads l WHERE ${Prisma.join(membershipConditions(membership), " AND ")}`;
    const name = `segment_count_${createHash("sha1").update(statement.text).digest("hex").slice(0, 16)}`;
    const [row] = await this.heavy.rows<{ count: number }>(name, statement);
    return row?.count ?? 0;
  }

  /**
   * Applies the changes and records segment.updated (the fields sent, before and after), in one
   * transaction, the row locked first so concurrent changes apply one after the other. A new
   * content replaces the old one whole (a list's leads too). An archived segment takes no change.
   */
  async update(id: number, changes: SegmentChanges, actor: string): Promise<UpdateResult> {
    return this.named(changes.name, () =>
      this.prisma.$transaction(async (tx): Promise<UpdateResult> => {
        const [locked] = await tx.$queryRaw<
          { id: number }[]
        >`SELECT id FROM segments WHERE id = ${id} FOR UPDATE`;
        if (!locked) return { outcome: "not_found" };
        const before = await tx.segment.findUniqueOrThrow({ where: { id } });
        if (before.archivedAt !== null) return { outcome: "archived" };
        const after = await tx.segment.update({
          where: { id },
          data: {
            ...(changes.name !== undefined && { name: changes.name }),
            ...(changes.description !== undefined && { description: changes.description }),
            ...(changes.content !== undefined && { filter: filterOf(changes.content) }),
          },
        });
        if (changes.content !== undefined) {
          await tx.segmentLead.deleteMany({ where: { segmentId: id } });
          await storeList(tx, id, changes.content);
        }
        const sent = (["name", "description", "filter"] as const).filter(
          (field) => changes[field === "filter" ? "content" : field] !== undefined,
        );
        const shownBefore = toSegmentDto(before);
        const shownAfter = toSegmentDto(after);
        await this.record(tx, "segment.updated", after, actor, {
          before: Object.fromEntries(sent.map((field) => [field, shownBefore[field]])),
          after: Object.fromEntries(sent.map((field) => [field, shownAfter[field]])),
        });
        return { outcome: "updated" as const, segment: after };
      }),
    );
  }

  /**
   * Sets archived_at and records segment.archived, once: archiving an archived segment changes
   * nothing. False when no segment has this id. Its list stays: what it was is still readable.
   */
  archive(id: number, actor: string, now: Date): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const [locked] = await tx.$queryRaw<{ archived_at: Date | null }[]>`
        SELECT archived_at FROM segments WHERE id = ${id} FOR UPDATE`;
      if (!locked) return false;
      if (locked.archived_at !== null) return true;
      const archived = await tx.segment.update({ where: { id }, data: { archivedAt: now, updatedAt: now } });
      await this.record(tx, "segment.archived", archived, actor);
      return true;
    });
  }

  /** The only unique key a segment's change can break is its name's. */
  private async named<T>(name: string | undefined, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (isUniqueViolation(error)) throw nameTaken(name);
      throw error;
    }
  }

  private record(
    tx: Prisma.TransactionClient,
    action: "segment.created" | "segment.updated" | "segment.archived",
    segment: Segment,
    actor: string,
    details: Prisma.InputJsonObject = {},
  ): Promise<void> {
    return this.audit.record(tx, {
      actor,
      action,
      entityType: "segment",
      entityId: segment.id,
      data: toSegmentDto(segment) as Prisma.InputJsonObject,
      details,
    });
  }
}

/** Who is in a segment, for the statements that read its leads; null when it does not exist. */
export type SegmentLookup = (id: number) => Promise<SegmentMembership | null>;

/** The lookup the modules that filter by segment_id use (leads, exports): one read by primary key. */
export function segmentLookup(prisma: PrismaClient): SegmentLookup {
  return async (id) => {
    const segment = await prisma.segment.findUnique({ where: { id }, select: { id: true, filter: true } });
    return segment ? membershipOf(segment) : null;
  };
}

export function membershipOf(segment: Pick<Segment, "id" | "filter">): SegmentMembership {
  return segment.filter === null
    ? { kind: "list", segmentId: segment.id }
    : { kind: "filter", conditions: segment.filter as SegmentConditions };
}

function filterOf(content: SegmentContent): Prisma.InputJsonObject | typeof Prisma.DbNull {
  return "conditions" in content ? (content.conditions as Prisma.InputJsonObject) : Prisma.DbNull;
}

/**
 * A fixed list's leads, each once. Every id must be a lead's: the unknown ones are a 404 naming
 * filter.lead_ids (leads are never deleted, so one that exists now stays; the foreign key holds anyway).
 */
async function storeList(
  tx: Prisma.TransactionClient,
  segmentId: number,
  content: SegmentContent,
): Promise<void> {
  if (!("leadIds" in content)) return;
  const unknown = await tx.$queryRaw<{ id: number }[]>`
    SELECT wanted.id FROM unnest(${content.leadIds}::int[]) AS wanted(id)
    WHERE NOT EXISTS (SELECT 1 FROM leads l WHERE l.id = wanted.id)
    ORDER BY wanted.id LIMIT ${NAMED_UNKNOWN_IDS}`;
  if (unknown.length > 0) {
    const ids = unknown.map((row) => row.id).join(", ");
    const more = unknown.length === NAMED_UNKNOWN_IDS ? ", ..." : "";
    throw new NotFoundError(`Unknown leads in lead_ids: ${ids}${more}.`, [
      { path: "filter.lead_ids", message: `no lead has id ${ids}${more}` },
    ]);
  }
  await tx.$executeRaw`
    INSERT INTO segment_leads (segment_id, lead_id)
    SELECT ${segmentId}, id FROM unnest(${content.leadIds}::int[]) AS wanted(id)
    ON CONFLICT DO NOTHING`;
}
