// Bot scripts' storage: a script row (name, current version) and its versions, each change and
// its bot_script.* event in one transaction. A script's row lock orders its changes: each change
// of content makes exactly the next version, and the sources naming the script follow it.
import { ConflictError } from "../../core/errors.js";
import { isUniqueViolation } from "../../db/prisma-errors.js";
import type { BotScript, BotScriptVersion, Prisma, PrismaClient } from "../../generated/prisma/client.js";
import type { AuditRepository } from "../audit/audit.repository.js";
import { type BotScriptRecord, toBotScriptDto } from "./bot-script.dto.js";

/**
 * The sources whose scripts a caller may read (a scoped intake key's source_ids): it sees the
 * scripts those sources name now, and no other; null for every script.
 */
export type ScriptScope = readonly number[] | null;

export type ScriptChanges = { name?: string | undefined; content?: string | undefined };

/** The current version is the newest: versions only ever grow (update() below). */
const currentContent = {
  versions: { orderBy: { version: "desc" }, take: 1, select: { content: true } },
} as const;

type ScriptWithContent = BotScript & { versions: { content: string }[] };

function withContent({ versions, ...script }: ScriptWithContent): BotScriptRecord {
  return { ...script, content: versions[0]?.content ?? "" };
}

function visibleTo(scope: ScriptScope): Prisma.BotScriptWhereInput {
  return scope ? { sources: { some: { id: { in: [...scope] } } } } : {};
}

function nameTaken(name: string): ConflictError {
  return new ConflictError(
    `A bot script named "${name}" already exists (names are compared case-insensitively).`,
    [{ path: "name", message: "already taken" }],
  );
}

export class BotScriptRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly audit: AuditRepository,
  ) {}

  /** The script and its version 1, and bot_script.created, in one transaction. */
  async create(name: string, content: string, actor: string): Promise<BotScriptRecord> {
    try {
      return await this.prisma.$transaction(async (tx) => {
        // Both timestamps are the transaction's now(): version 1 is as old as its script.
        const script = await tx.botScript.create({ data: { name } });
        await tx.botScriptVersion.create({
          data: { scriptId: script.id, version: 1, content, createdAt: script.createdAt },
          select: { version: true },
        });
        const record = { ...script, content };
        await this.audit.record(tx, {
          actor,
          action: "bot_script.created",
          entityType: "bot_script",
          entityId: script.id,
          data: toBotScriptDto(record),
          details: { name, version: 1 },
        });
        return record;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw nameTaken(name);
      throw error;
    }
  }

  /** The script with its current content, when it exists and (for a scoped key) its sources name it. */
  async findById(id: number, scope: ScriptScope): Promise<BotScriptRecord | null> {
    const row = await this.prisma.botScript.findFirst({
      where: { id, ...visibleTo(scope) },
      include: currentContent,
    });
    return row ? withContent(row) : null;
  }

  /** Oldest first, keyset-paginated: `afterId` is the last id of the previous page. */
  async list(page: { limit: number; afterId?: number | undefined }): Promise<BotScriptRecord[]> {
    const rows = await this.prisma.botScript.findMany({
      where: page.afterId === undefined ? {} : { id: { gt: page.afterId } },
      include: currentContent,
      orderBy: { id: "asc" },
      take: page.limit,
    });
    return rows.map(withContent);
  }

  /**
   * The script's versions, oldest first, after `afterVersion`; null when the script does not
   * exist (or is outside the scope). Every script has a version 1, so the existence check runs
   * only for an empty page: one statement otherwise.
   */
  async listVersions(
    scriptId: number,
    scope: ScriptScope,
    page: { limit: number; afterVersion?: number | undefined },
  ): Promise<BotScriptVersion[] | null> {
    const rows = await this.prisma.botScriptVersion.findMany({
      where: {
        scriptId,
        ...(page.afterVersion !== undefined && { version: { gt: page.afterVersion } }),
        ...(scope && { script: visibleTo(scope) }),
      },
      orderBy: { version: "asc" },
      take: page.limit,
    });
    if (rows.length > 0) return rows;
    const script = await this.prisma.botScript.findFirst({
      where: { id: scriptId, ...visibleTo(scope) },
      select: { id: true },
    });
    return script ? [] : null;
  }

  /**
   * Applies the changes and records bot_script.updated, in one transaction. A content other
   * than the current one is stored as the next version and becomes the current one; the
   * sources naming the script follow it (their foreign key cascades the new version, so their
   * next appeals record it). The same content again makes no version. Null when no script has
   * this id.
   */
  async update(id: number, changes: ScriptChanges, actor: string): Promise<BotScriptRecord | null> {
    try {
      return await this.prisma.$transaction(async (tx) => {
        // VERSIONS IN ORDER: the row lock serialises the changes of one script, so two concurrent
        // changes of content make versions n+1 and n+2, never two n+1. FOR UPDATE (not NO KEY
        // UPDATE): the version is a key the sources refer to, and a source being linked holds the
        // script FOR KEY SHARE until it commits with the version it read (source.repository.ts).
        // The lock alone, on the one table: after waiting for a concurrent change, PostgreSQL
        // re-checks a locking query on the newest script row but with the other rows of its old
        // snapshot, so a join to the current version would find none and the change would 404.
        const [before] = await tx.$queryRaw<{ name: string; version: number }[]>`
          SELECT name, version FROM bot_scripts WHERE id = ${id} FOR UPDATE`;
        if (!before) return null;
        const content = changes.content ?? null;
        // A statement of its own, so its snapshot holds the version the lock's holder just made.
        const [after] = await tx.$queryRaw<(BotScript & { content: string })[]>`
          WITH current AS (
            SELECT content FROM bot_script_versions WHERE bot_script_id = ${id} AND version = ${before.version}::int
          ),
          bumped AS (
            INSERT INTO bot_script_versions (bot_script_id, version, content)
            SELECT ${id}::int, ${before.version + 1}::int, ${content}::text
            WHERE ${content}::text IS NOT NULL AND ${content}::text IS DISTINCT FROM (SELECT content FROM current)
            RETURNING version, content
          )
          UPDATE bot_scripts
          SET name = COALESCE(${changes.name ?? null}::text, name),
              version = COALESCE((SELECT version FROM bumped), version),
              updated_at = now()
          WHERE id = ${id}
          RETURNING id, name, version, created_at AS "createdAt", updated_at AS "updatedAt",
                    COALESCE((SELECT content FROM bumped), (SELECT content FROM current)) AS content`;
        if (!after) throw new Error(`bot script ${id} vanished while locked`);
        const sent = {
          ...(changes.name !== undefined && { name: [before.name, after.name] }),
          ...(changes.content !== undefined && { version: [before.version, after.version] }),
        };
        await this.audit.record(tx, {
          actor,
          action: "bot_script.updated",
          entityType: "bot_script",
          entityId: id,
          data: toBotScriptDto(after),
          // A content change is recorded by its versions: the texts are in GET .../versions.
          details: {
            before: Object.fromEntries(Object.entries(sent).map(([key, [was]]) => [key, was])),
            after: Object.fromEntries(Object.entries(sent).map(([key, [, now]]) => [key, now])),
          },
        });
        return after;
      });
    } catch (error) {
      if (isUniqueViolation(error) && changes.name !== undefined) throw nameTaken(changes.name);
      throw error;
    }
  }
}
