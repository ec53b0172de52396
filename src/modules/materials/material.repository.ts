// Materials' storage: each change and its material.* event in one transaction, the event's data
// the Material as the route answers it.
import type { Material, Prisma, PrismaClient } from "../../generated/prisma/client.js";
import type { AuditRepository } from "../audit/audit.repository.js";
import { toMaterialDto } from "./material.dto.js";
import type { MediaReferenceDto } from "./material.schemas.js";

export type MaterialContent = {
  title: string;
  category: string;
  body: string | null;
  media: MediaReferenceDto[];
  published: boolean;
};
export type MaterialChanges = Partial<MaterialContent>;

export type MaterialFilter = {
  category?: string | undefined;
  published?: boolean | undefined;
  includeArchived: boolean;
};

/** What a caller may see: bots (intake keys) published, unarchived materials only. */
export type MaterialVisibility = { publishedOnly: boolean };

export type UpdateResult =
  | { outcome: "not_found" }
  | { outcome: "archived" }
  | { outcome: "updated"; material: Material };

/** The API's names of the fields an update may change, as the event's details record them. */
const FIELDS = ["title", "category", "body", "media", "published"] as const;

export class MaterialRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly audit: AuditRepository,
  ) {}

  create(content: MaterialContent, actor: string, now: Date): Promise<Material> {
    return this.prisma.$transaction(async (tx) => {
      const material = await tx.material.create({
        data: {
          ...content,
          media: content.media as Prisma.InputJsonArray,
          publishedAt: content.published ? now : null,
          createdAt: now,
          updatedAt: now,
        },
      });
      await this.record(tx, "material.created", material, actor);
      return material;
    });
  }

  findById(id: number, visibility: MaterialVisibility): Promise<Material | null> {
    return this.prisma.material.findFirst({ where: { id, ...visibleTo(visibility) } });
  }

  /** Newest first, keyset-paginated: `beforeId` is the last id of the previous page. */
  list(
    filter: MaterialFilter,
    visibility: MaterialVisibility,
    page: { limit: number; beforeId?: number | undefined },
  ): Promise<Material[]> {
    return this.prisma.material.findMany({
      where: {
        category: filter.category,
        published: filter.published,
        ...(!filter.includeArchived && { archivedAt: null }),
        // AND, not a spread: a bot's published=false must find nothing, not be overridden.
        AND: [visibleTo(visibility)],
        ...(page.beforeId !== undefined && { id: { lt: page.beforeId } }),
      },
      orderBy: { id: "desc" },
      take: page.limit,
    });
  }

  /**
   * Applies the changes and records material.updated with the fields sent, before and after, in
   * one transaction. The row is locked first, so `before` is the state this update replaced and
   * an archive running meanwhile comes wholly before (then this is "archived") or after.
   */
  update(id: number, changes: MaterialChanges, actor: string, now: Date): Promise<UpdateResult> {
    return this.prisma.$transaction(async (tx) => {
      const before = await lock(tx, id);
      if (!before) return { outcome: "not_found" };
      if (before.archivedAt !== null) return { outcome: "archived" };
      const publishedAt =
        changes.published === undefined || changes.published === before.published
          ? before.publishedAt
          : changes.published
            ? now
            : null;
      const after = await tx.material.update({
        where: { id },
        data: {
          ...changes,
          ...(changes.media !== undefined && { media: changes.media as Prisma.InputJsonArray }),
          publishedAt,
          updatedAt: now,
        },
      });
      const sent = FIELDS.filter((field) => changes[field] !== undefined);
      const shownBefore = toMaterialDto(before);
      const shownAfter = toMaterialDto(after);
      await this.record(tx, "material.updated", after, actor, {
        before: Object.fromEntries(sent.map((field) => [field, shownBefore[field]])),
        after: Object.fromEntries(sent.map((field) => [field, shownAfter[field]])),
      });
      return { outcome: "updated", material: after };
    });
  }

  /**
   * Sets archived_at and records material.archived, once: archiving an archived material changes
   * nothing. False when no material has this id. The update takes the row's lock, so an activity
   * naming the material (which holds it FOR SHARE) is stored wholly before or refused after.
   */
  archive(id: number, actor: string, now: Date): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const before = await lock(tx, id);
      if (!before) return false;
      if (before.archivedAt !== null) return true;
      const archived = await tx.material.update({ where: { id }, data: { archivedAt: now, updatedAt: now } });
      await this.record(tx, "material.archived", archived, actor);
      return true;
    });
  }

  private record(
    tx: Prisma.TransactionClient,
    action: "material.created" | "material.updated" | "material.archived",
    material: Material,
    actor: string,
    details: Prisma.InputJsonObject = {},
  ): Promise<void> {
    return this.audit.record(tx, {
      actor,
      action,
      entityType: "material",
      entityId: material.id,
      data: toMaterialDto(material),
      details,
    });
  }
}

function visibleTo(visibility: MaterialVisibility): Prisma.MaterialWhereInput {
  return visibility.publishedOnly ? { published: true, archivedAt: null } : {};
}

/** The row, locked against other changes (and against activities naming it) until the transaction ends. */
async function lock(tx: Prisma.TransactionClient, id: number): Promise<Material | null> {
  const [row] = await tx.$queryRaw<Material[]>`
    SELECT id, title, category, body, media, published, published_at AS "publishedAt",
           created_at AS "createdAt", updated_at AS "updatedAt", archived_at AS "archivedAt"
    FROM materials WHERE id = ${id} FOR NO KEY UPDATE`;
  return row ?? null;
}
