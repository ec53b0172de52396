// The bot-state writes, each ONE statement on the chat's one row, so the version check and the
// write are never two steps another writer could come between.
//
// ONE WRITER PER VERSION: of writers holding the same version, exactly one writes the next.
// Two statements on one row serialise on its lock; under READ COMMITTED the second, once the
// first commits, re-evaluates its WHERE against the row as the first left it (PostgreSQL's
// re-check of an updated row), finds the version moved on, and writes nothing: a 412. Nothing
// reads the version first and writes after, so no interleaving lets two writers both succeed.
// A DELETE leaves a tombstone (state and data null) whose version moved on too, so a version
// held from before a delete matches nothing after it (migration 20261204150000_bot_states).
import { Prisma } from "../../generated/prisma/client.js";

export type BotStateKey = { sourceId: number; chatId: string };
export type BotStateContent = { state: string; data: Record<string, unknown> };

/** What every write returns: the row as written, and whether it began the state's life (201). */
const RETURNING = Prisma.raw(
  `RETURNING b.source_id, b.chat_id, b.state, b.data, b.version, b.updated_at,
             b.version = b.first_version AS created`,
);

/**
 * A write without If-Match: inserts the chat's first state, brings a deleted one back, or
 * replaces the live one; the row's lock orders concurrent ones, each +1. `createOnly`
 * (If-None-Match: *) leaves a live state alone: nothing is returned. Nothing either when the
 * source is missing or archived (the SELECT yields no row to insert).
 */
export function upsertStatement(
  key: BotStateKey,
  content: BotStateContent,
  now: Date,
  createOnly: boolean,
): Prisma.Sql {
  return Prisma.sql`
    INSERT INTO bot_states AS b (source_id, chat_id, state, data, version, first_version, updated_at)
    SELECT s.id, ${key.chatId}, ${content.state}, ${JSON.stringify(content.data)}::jsonb, 1, 1,
           ${now.toISOString()}::timestamptz
    FROM sources s
    WHERE s.id = ${key.sourceId} AND s.archived_at IS NULL
    ON CONFLICT (source_id, chat_id) DO UPDATE SET
      state = EXCLUDED.state,
      data = EXCLUDED.data,
      version = b.version + 1,
      first_version = CASE WHEN b.state IS NULL THEN b.version + 1 ELSE b.first_version END,
      updated_at = EXCLUDED.updated_at
    WHERE b.state IS NULL OR NOT ${createOnly}::boolean
    ${RETURNING}`;
}

/**
 * A write with If-Match: replaces the live state only when it is at `expected` (null for
 * If-Match: *, any version). Never creates: a chat without a state has no version to match.
 * Nothing is returned when the version moved on, there is no live state, or the source is
 * missing or archived.
 */
export function conditionalUpdateStatement(
  key: BotStateKey,
  content: BotStateContent,
  now: Date,
  expected: number | null,
): Prisma.Sql {
  return Prisma.sql`
    UPDATE bot_states b SET
      state = ${content.state},
      data = ${JSON.stringify(content.data)}::jsonb,
      version = b.version + 1,
      updated_at = ${now.toISOString()}::timestamptz
    FROM sources s
    WHERE b.source_id = ${key.sourceId} AND b.chat_id = ${key.chatId} AND b.state IS NOT NULL
      AND (${expected}::int IS NULL OR b.version = ${expected}::int)
      AND s.id = b.source_id AND s.archived_at IS NULL
    ${RETURNING}`;
}

/**
 * A DELETE: turns the live state into a tombstone with the next version (when at `expected`,
 * if given). Returns the tombstone's version; nothing when there was no live state to delete
 * (or it was at another version). An archived source's states may still be deleted.
 */
export function deleteStatement(key: BotStateKey, now: Date, expected: number | null): Prisma.Sql {
  return Prisma.sql`
    UPDATE bot_states b SET
      state = NULL,
      data = NULL,
      version = b.version + 1,
      updated_at = ${now.toISOString()}::timestamptz
    WHERE b.source_id = ${key.sourceId} AND b.chat_id = ${key.chatId} AND b.state IS NOT NULL
      AND (${expected}::int IS NULL OR b.version = ${expected}::int)
    RETURNING b.version`;
}
