// Bot states' storage: the writes of bot-state.sql.ts (each one statement), the read of a chat's
// state with its source, and the idle purge. No event is recorded (docs/API.md "Bot dialog state").
import type { PrismaClient } from "../../generated/prisma/client.js";
import {
  type BotStateContent,
  type BotStateKey,
  conditionalUpdateStatement,
  deleteStatement,
  upsertStatement,
} from "./bot-state.sql.js";
import type { Precondition } from "./precondition.js";

export type { BotStateContent, BotStateKey };

export type BotStateRow = {
  source_id: number;
  chat_id: string;
  state: string;
  data: Record<string, unknown>;
  version: number;
  updated_at: Date;
};

/** A chat's state and its source, as one read finds them: why a write was refused, or a GET. */
export type BotStateLookup =
  | { source: "missing" }
  | { source: "archived" | "live"; state: BotStateRow | null };

export class BotStateRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** The live state with its source's status, in one statement; a deleted state reads as none. */
  async lookup(key: BotStateKey): Promise<BotStateLookup> {
    const rows = await this.prisma.$queryRaw<(Partial<BotStateRow> & { archived: boolean })[]>`
      SELECT s.archived_at IS NOT NULL AS archived,
             b.source_id, b.chat_id, b.state, b.data, b.version, b.updated_at
      FROM sources s
      LEFT JOIN bot_states b ON b.source_id = s.id AND b.chat_id = ${key.chatId} AND b.state IS NOT NULL
      WHERE s.id = ${key.sourceId}`;
    const row = rows[0];
    if (!row) return { source: "missing" };
    const { archived, ...state } = row;
    return {
      source: archived ? "archived" : "live",
      state: state.version === null || state.version === undefined ? null : (state as BotStateRow),
    };
  }

  /**
   * Writes the state if the precondition holds, in one statement (bot-state.sql.ts: ONE WRITER
   * PER VERSION); null when it did not, or when the source is missing or archived: nothing written.
   */
  async write(
    key: BotStateKey,
    content: BotStateContent,
    precondition: Precondition,
    now: Date,
  ): Promise<{ state: BotStateRow; created: boolean } | null> {
    const statement =
      precondition.kind === "none" || precondition.kind === "absent"
        ? upsertStatement(key, content, now, precondition.kind === "absent")
        : conditionalUpdateStatement(
            key,
            content,
            now,
            precondition.kind === "version" ? precondition.version : null,
          );
    const [row] = await this.prisma.$queryRaw<(BotStateRow & { created: boolean })[]>(statement);
    if (!row) return null;
    const { created, ...state } = row;
    return { state, created };
  }

  /**
   * Deletes the live state (leaving its tombstone) if it is at `expected` (any version when null),
   * in one statement; false when there was none to delete.
   */
  async delete(key: BotStateKey, expected: number | null, now: Date): Promise<boolean> {
    const rows = await this.prisma.$queryRaw<{ version: number }[]>(deleteStatement(key, now, expected));
    return rows.length > 0;
  }

  /**
   * Forgets at most `limit` states (tombstones too) last written before `before`, oldest first,
   * through the updated_at index; returns how many. SKIP LOCKED: a state being written right now
   * is not idle, and two purges at once take different rows instead of queueing. A row written
   * and committed meanwhile is read again under its lock and, no longer idle, left alone.
   */
  async deleteIdle(before: Date, limit: number): Promise<number> {
    return this.prisma.$executeRaw`
      DELETE FROM bot_states b USING (
        SELECT source_id, chat_id FROM bot_states
        WHERE updated_at < ${before.toISOString()}::timestamptz
        ORDER BY updated_at
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      ) idle
      WHERE b.source_id = idle.source_id AND b.chat_id = idle.chat_id`;
  }
}
