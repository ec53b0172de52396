import { isUniqueViolation } from "../../db/prisma-errors.js";
import type { ApiKey, PrismaClient } from "../../generated/prisma/client.js";
import type { AuditRepository } from "../audit/audit.repository.js";
import { toApiKeyDto } from "./api-key.dto.js";
import { displayPrefix } from "./api-key.js";
import type { Role } from "./principal.js";

/** A key as stored; `sourceIds` null for an unscoped key (every source). */
export type ApiKeyRecord = Omit<ApiKey, "sourceIds"> & { sourceIds: number[] | null };

/**
 * Prisma reads a NULL int[] as []; the table's CHECK forbids an empty scope, so [] can
 * only be NULL: an unscoped key.
 */
function toRecord(row: ApiKey): ApiKeyRecord {
  return { ...row, sourceIds: row.sourceIds.length === 0 ? null : row.sourceIds };
}

export class ApiKeyRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly audit: AuditRepository,
  ) {}

  /**
   * Creates the key and records api_key.created (never the hash) in the same transaction.
   * Returns null when a key with this hash (or public id) exists already.
   */
  async create(
    data: {
      label: string;
      role: Role;
      publicId: string | null;
      keyHash: string;
      sourceIds?: number[] | null | undefined;
      operatorId?: number | null | undefined;
    },
    actor: string,
  ): Promise<ApiKeyRecord | null> {
    const { sourceIds, ...columns } = data;
    try {
      return await this.prisma.$transaction(async (tx) => {
        const key = toRecord(
          await tx.apiKey.create({ data: { ...columns, ...(sourceIds && { sourceIds }) } }),
        );
        await this.audit.record(tx, {
          actor,
          action: "api_key.created",
          entityType: "api_key",
          entityId: key.id,
          operatorId: key.operatorId,
          data: toApiKeyDto(key),
          details: {
            label: key.label,
            role: key.role,
            prefix: displayPrefix(key.publicId),
            source_ids: key.sourceIds,
            operator_id: key.operatorId,
          },
        });
        return key;
      });
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  /**
   * The rows a presented key may be: the one with its public id (lds_ keys) or the one
   * with its hash (keys of another shape, such as BOOTSTRAP_ADMIN_KEY). One indexed
   * statement; the caller compares the hash in constant time. Looking a row up by the
   * hash leaks nothing useful through timing: the caller cannot choose the digest.
   */
  async findCandidates(publicId: string | null, keyHash: string): Promise<ApiKeyRecord[]> {
    const rows = await this.prisma.apiKey.findMany({
      where: publicId === null ? { keyHash } : { OR: [{ publicId }, { keyHash }] },
      take: 2,
    });
    return rows.map(toRecord);
  }

  async findByHash(keyHash: string): Promise<ApiKeyRecord | null> {
    const row = await this.prisma.apiKey.findUnique({ where: { keyHash } });
    return row && toRecord(row);
  }

  async list(): Promise<ApiKeyRecord[]> {
    return (await this.prisma.apiKey.findMany({ orderBy: { id: "asc" } })).map(toRecord);
  }

  /** Which of these source ids name no source, ascending: a key cannot be scoped to them. */
  async unknownSourceIds(ids: readonly number[]): Promise<number[]> {
    const found = await this.prisma.source.findMany({
      where: { id: { in: [...ids] } },
      select: { id: true },
    });
    const known = new Set(found.map((source) => source.id));
    return ids.filter((id) => !known.has(id)).sort((a, b) => a - b);
  }

  async operatorExists(id: number): Promise<boolean> {
    return (await this.prisma.operator.findUnique({ where: { id }, select: { id: true } })) !== null;
  }

  /**
   * Revokes the key if it is active, recording api_key.revoked in the same transaction;
   * revoking twice keeps the first time and records nothing. Null when no such key.
   */
  revoke(id: number, actor: string): Promise<ApiKeyRecord | null> {
    return this.prisma.$transaction(async (tx) => {
      const { count } = await tx.apiKey.updateMany({
        where: { id, revokedAt: null },
        data: { revokedAt: new Date() },
      });
      const row = await tx.apiKey.findUnique({ where: { id } });
      const key = row && toRecord(row);
      if (count > 0 && key) {
        await this.audit.record(tx, {
          actor,
          action: "api_key.revoked",
          entityType: "api_key",
          entityId: id,
          operatorId: key.operatorId,
          data: toApiKeyDto(key),
          details: { label: key.label, role: key.role },
        });
      }
      return key;
    });
  }

  async markUsed(id: number): Promise<void> {
    await this.prisma.apiKey.updateMany({ where: { id }, data: { lastUsedAt: new Date() } });
  }

  async hasActiveKeys(): Promise<boolean> {
    const key = await this.prisma.apiKey.findFirst({ where: { revokedAt: null }, select: { id: true } });
    return key !== null;
  }
}
