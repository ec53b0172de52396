// Messages: the insert that keeps its rules in one statement (the appeal open, its
// operator named, the external id unique per appeal, the event with it) and the reads.
import type { PrismaClient } from "../../generated/prisma/client.js";
import { Prisma } from "../../generated/prisma/client.js";
import type { OperatorScope, SourceScope } from "../appeals/appeal.repository.js";
import { messageData } from "../events/event-data.sql.js";
import type { AttachmentDto, MessageSender } from "./message.schemas.js";

export type MessageRow = {
  id: number;
  appeal_id: number;
  sender: MessageSender;
  operator_id: number | null;
  text: string;
  is_ai_generated: boolean;
  external_id: string | null;
  attachments: AttachmentDto[];
  created_at: Date;
};

export type NewMessage = {
  appealId: number;
  sender: MessageSender;
  text: string;
  isAiGenerated: boolean;
  externalId: string | null;
  attachments: AttachmentDto[];
};

/** Which appeals a caller may write to or read: a scoped intake key's sources, an operator key's operator. */
export type AppealScope = { sources: SourceScope; operator: OperatorScope };

export type InsertResult =
  | { outcome: "appeal_not_found" }
  | { outcome: "stored"; message: MessageRow }
  /** Nothing written: the appeal is closed, it has no operator for an operator message, or the external id is taken. */
  | { outcome: "not_stored"; appealStatus: string; appealOperatorId: number | null };

const MESSAGE_COLUMNS = Prisma.raw(
  "id, appeal_id, sender::text AS sender, operator_id, text, is_ai_generated, external_id, attachments, created_at",
);

function scopeCondition(scope: AppealScope): Prisma.Sql {
  return Prisma.sql`${
    scope.sources ? Prisma.sql`AND a.source_id IN (${Prisma.join([...scope.sources, 0])})` : Prisma.empty
  } ${scope.operator === null ? Prisma.empty : Prisma.sql`AND a.operator_id = ${scope.operator}`}`;
}

export class MessageRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * One statement: stores the message and its message.created event, only while the appeal
   * (within `scope`) is not closed and, for an operator message, has an operator, who is then
   * the message's. FOR SHARE: a close, transfer or reopen of the appeal waits for the message
   * (and the other way round), so no message lands on an appeal closed meanwhile and an operator
   * message names the operator the appeal has when it commits. ON CONFLICT DO NOTHING on
   * (appeal_id, external_id): of concurrent retries one inserts; the others wait for it and
   * write nothing.
   */
  async insert(message: NewMessage, scope: AppealScope, actor: string): Promise<InsertResult> {
    const rows = await this.prisma.$queryRaw<
      (Partial<MessageRow> & { appeal_status: string; appeal_operator_id: number | null })[]
    >`
      WITH target AS (
        SELECT a.id, a.status, a.operator_id, a.source_id FROM appeals a
        WHERE a.id = ${message.appealId} ${scopeCondition(scope)}
        FOR SHARE
      ),
      inserted AS (
        INSERT INTO messages (appeal_id, sender, operator_id, text, is_ai_generated, external_id, attachments)
        SELECT target.id, ${message.sender}::message_sender,
               CASE WHEN ${message.sender}::text = 'operator' THEN target.operator_id END,
               ${message.text}, ${message.isAiGenerated}, ${message.externalId}::varchar,
               ${JSON.stringify(message.attachments)}::jsonb
        FROM target
        WHERE target.status <> 'closed' AND (${message.sender}::text <> 'operator' OR target.operator_id IS NOT NULL)
        ON CONFLICT (appeal_id, external_id) DO NOTHING
        RETURNING *
      ),
      logged AS (
        INSERT INTO events (actor, type, entity_type, entity_id, appeal_id, operator_id, source_id, data, details)
        SELECT ${actor}::text, 'message.created', 'message', inserted.id, inserted.appeal_id, target.operator_id,
               target.source_id, ${messageData("inserted")}, '{}'::jsonb
        FROM inserted CROSS JOIN target
      )
      SELECT target.status::text AS appeal_status, target.operator_id AS appeal_operator_id,
             inserted.id, inserted.appeal_id, inserted.sender::text AS sender, inserted.operator_id, inserted.text,
             inserted.is_ai_generated, inserted.external_id, inserted.attachments, inserted.created_at
      FROM target LEFT JOIN inserted ON true`;
    const row = rows[0];
    if (!row) return { outcome: "appeal_not_found" };
    if (row.id === null || row.id === undefined) {
      return {
        outcome: "not_stored",
        appealStatus: row.appeal_status,
        appealOperatorId: row.appeal_operator_id,
      };
    }
    const { appeal_status: _, appeal_operator_id: __, ...stored } = row;
    return { outcome: "stored", message: stored as MessageRow };
  }

  /** The message first stored under this external id on the appeal. */
  async findByExternalId(appealId: number, externalId: string): Promise<MessageRow | null> {
    const rows = await this.prisma.$queryRaw<MessageRow[]>`
      SELECT ${MESSAGE_COLUMNS} FROM messages WHERE appeal_id = ${appealId} AND external_id = ${externalId}`;
    return rows[0] ?? null;
  }

  /**
   * One page of the appeal's messages, oldest first (by id), after `afterId`; null when the
   * appeal does not exist within `scope`. One statement: the appeal and the page together.
   */
  async listForAppeal(
    appealId: number,
    scope: AppealScope,
    page: { limit: number; afterId?: number | undefined },
  ): Promise<MessageRow[] | null> {
    const rows = await this.prisma.$queryRaw<(Partial<MessageRow> & { appeal: number })[]>`
      SELECT a.id AS appeal, m.id, m.appeal_id, m.sender::text AS sender, m.operator_id, m.text,
             m.is_ai_generated, m.external_id, m.attachments, m.created_at
      FROM appeals a
      LEFT JOIN LATERAL (
        SELECT * FROM messages m
        WHERE m.appeal_id = a.id ${page.afterId === undefined ? Prisma.empty : Prisma.sql`AND m.id > ${page.afterId}`}
        ORDER BY m.id
        LIMIT ${page.limit}
      ) m ON true
      WHERE a.id = ${appealId} ${scopeCondition(scope)}
      ORDER BY m.id`;
    if (rows.length === 0) return null;
    return rows
      .filter((row) => row.id !== null && row.id !== undefined)
      .map(({ appeal: _, ...message }) => message as MessageRow);
  }
}
