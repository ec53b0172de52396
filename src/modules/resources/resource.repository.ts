// Resources' storage: each change and its resource.* event in one transaction, the event's data
// the Resource as the route answers it.
import { ConflictError } from "../../core/errors.js";
import { isUniqueViolation } from "../../db/prisma-errors.js";
import { Prisma, type PrismaClient, type Resource } from "../../generated/prisma/client.js";
import type { AuditRepository } from "../audit/audit.repository.js";
import { toResourceDto } from "./resource.dto.js";
import type { OpeningHoursDto } from "./resource.schemas.js";

export type ResourceContent = {
  name: string;
  kind: string | null;
  capacity: number | null;
  openingHours: OpeningHoursDto | null;
  isActive: boolean;
};
export type ResourceChanges = Partial<ResourceContent>;

export type ResourceUpdate =
  | { outcome: "not_found" }
  | { outcome: "archived" }
  | { outcome: "updated"; resource: Resource };

/** The API's names of the fields an update may change, as the event's details record them. */
const FIELDS = ["name", "kind", "capacity", "opening_hours", "is_active"] as const;

export class ResourceRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly audit: AuditRepository,
  ) {}

  async create(content: ResourceContent, actor: string, now: Date): Promise<Resource> {
    try {
      return await this.prisma.$transaction(async (tx) => {
        const resource = await tx.resource.create({
          data: { ...toColumns(content), createdAt: now, updatedAt: now },
        });
        await this.record(tx, "resource.created", resource, actor);
        return resource;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw nameTaken(content.name);
      throw error;
    }
  }

  findById(id: number): Promise<Resource | null> {
    return this.prisma.resource.findUnique({ where: { id } });
  }

  list(filter: { kind?: string | undefined; includeArchived: boolean }): Promise<Resource[]> {
    return this.prisma.resource.findMany({
      where: { kind: filter.kind, ...(!filter.includeArchived && { archivedAt: null }) },
      orderBy: { id: "asc" },
    });
  }

  /**
   * Applies the changes and records resource.updated with the fields sent, before and after, in
   * one transaction, the row locked first so `before` is what this update replaced.
   */
  async update(id: number, changes: ResourceChanges, actor: string, now: Date): Promise<ResourceUpdate> {
    try {
      return await this.prisma.$transaction(async (tx) => {
        const before = await lock(tx, id);
        if (!before) return { outcome: "not_found" };
        if (before.archivedAt !== null) return { outcome: "archived" };
        const after = await tx.resource.update({
          where: { id },
          data: { ...toColumns(changes), updatedAt: now },
        });
        const sent = FIELDS.filter((field) => changes[fieldOf(field)] !== undefined);
        const shownBefore = toResourceDto(before);
        const shownAfter = toResourceDto(after);
        await this.record(tx, "resource.updated", after, actor, {
          before: Object.fromEntries(sent.map((field) => [field, shownBefore[field]])),
          after: Object.fromEntries(sent.map((field) => [field, shownAfter[field]])),
        });
        return { outcome: "updated", resource: after };
      });
    } catch (error) {
      if (isUniqueViolation(error) && changes.name !== undefined) throw nameTaken(changes.name);
      throw error;
    }
  }

  /**
   * Sets archived_at and records resource.archived, once. False when no resource has this id. The
   * update takes the row's lock: a booking naming the resource locks it too
   * (booking.repository.ts), so it is stored wholly before the archive or refused after it.
   */
  archive(id: number, actor: string, now: Date): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const before = await lock(tx, id);
      if (!before) return false;
      if (before.archivedAt !== null) return true;
      const archived = await tx.resource.update({ where: { id }, data: { archivedAt: now, updatedAt: now } });
      await this.record(tx, "resource.archived", archived, actor);
      return true;
    });
  }

  private record(
    tx: Prisma.TransactionClient,
    action: "resource.created" | "resource.updated" | "resource.archived",
    resource: Resource,
    actor: string,
    details: Prisma.InputJsonObject = {},
  ): Promise<void> {
    return this.audit.record(tx, {
      actor,
      action,
      entityType: "resource",
      entityId: resource.id,
      data: toResourceDto(resource),
      details,
    });
  }
}

function fieldOf(field: (typeof FIELDS)[number]): keyof ResourceChanges {
  return field === "opening_hours" ? "openingHours" : field === "is_active" ? "isActive" : field;
}

/** The columns of the fields given; opening hours null is SQL NULL (always open), not JSON null. */
function toColumns<T extends ResourceChanges>(content: T) {
  const { openingHours, ...rest } = content;
  return {
    ...rest,
    ...(openingHours !== undefined && {
      openingHours: openingHours === null ? Prisma.DbNull : (openingHours as Prisma.InputJsonObject),
    }),
  };
}

function nameTaken(name: string): ConflictError {
  return new ConflictError(
    `A resource named "${name}" already exists (names are compared case-insensitively).`,
    [{ path: "name", message: "already taken" }],
  );
}

/** The row, locked against other changes (and against bookings naming it) until the transaction ends. */
async function lock(tx: Prisma.TransactionClient, id: number): Promise<Resource | null> {
  const [row] = await tx.$queryRaw<Resource[]>`
    SELECT id, name, kind, capacity, opening_hours AS "openingHours", is_active AS "isActive",
           archived_at AS "archivedAt", created_at AS "createdAt", updated_at AS "updatedAt"
    FROM resources WHERE id = ${id} FOR NO KEY UPDATE`;
  return row ?? null;
}
