import { isUniqueViolation } from "../../db/prisma-errors.js";
import type { ApiKey, PrismaClient } from "../../generated/prisma/client.js";
import type { AuditRepository } from "../audit/audit.repository.js";
import { displayPrefix } from "./api-key.js";
import type { Role } from "./principal.js";

export type ApiKeyRecord = ApiKey;

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
    data: { label: string; role: Role; publicId: string | null; keyHash: string },
    actor: string,
  ): Promise<ApiKeyRecord | null> {
    try {
      return await this.prisma.$transaction(async (tx) => {
        const key = await tx.apiKey.create({ data });
        await this.audit.record(tx, {
          actor,
          action: "api_key.created",
          entityType: "api_key",
          entityId: key.id,
          details: { label: key.label, role: key.role, prefix: displayPrefix(key.publicId) },
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
  findCandidates(publicId: string | null, keyHash: string): Promise<ApiKeyRecord[]> {
    return this.prisma.apiKey.findMany({
      where: publicId === null ? { keyHash } : { OR: [{ publicId }, { keyHash }] },
      take: 2,
    });
  }

  findByHash(keyHash: string): Promise<ApiKeyRecord | null> {
    return this.prisma.apiKey.findUnique({ where: { keyHash } });
  }

  list(): Promise<ApiKeyRecord[]> {
    return this.prisma.apiKey.findMany({ orderBy: { id: "asc" } });
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
      const key = await tx.apiKey.findUnique({ where: { id } });
      if (count > 0 && key) {
        await this.audit.record(tx, {
          actor,
          action: "api_key.revoked",
          entityType: "api_key",
          entityId: id,
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
