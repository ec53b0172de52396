// The sticky conversation's statements (POST /leads/by-external-id/{external_id}/messages):
// the lock that serialises one lead's messages through one source, the one statement that adds
// a message to its open appeal (or answers a retry), and the read of a new appeal's answer.
// Opening a new appeal is the intake statement itself (appeals/distribution.repository.ts), run
// in the same transaction, under the same lock.
//
//   ONE OPEN CONVERSATION: the sticky messages of one lead through one source are handled one
//   at a time, each seeing everything the one before it committed. So of concurrent first
//   messages of a new lead exactly one finds no open appeal and opens it (creating the lead);
//   each of the others then finds that appeal and adds to it. Their messages get their ids in
//   the order they took the lock, which is the conversation's order, and a repeated message
//   external_id (a bot's retry) finds the message stored first instead of storing another.
//
// How: a transaction-scoped advisory lock on (source, lead external id), taken first, then the
// look-up in a statement of its own: in READ COMMITTED each statement sees what committed before
// it started, so the look-up sees what the previous holder committed before it let go (a look-up
// in the statement that takes the lock would read the snapshot from before the wait). The key
// exists before the lead does, so two requests racing to create the lead wait for each other here
// instead of both missing it; the lead's row itself is written by the intake's upsert, which also
// copes with POST /appeals creating the lead at the same time (it takes no such lock: it always
// opens an appeal of its own, and keeps its one statement).
//
// An appeal that closes between the look-up and the insert: both are one statement, whose
// FOR SHARE on the open appeal makes a close, transfer or reopen wait for the message (as
// POST /appeals/{id}/messages does), and makes the look-up wait for a close that locked first
// and re-check the appeal once it committed: closed, it no longer matches, and the message opens
// a new appeal instead of landing on a closed one.
import { ADVISORY_LOCK_SPACES } from "../../db/advisory-lock.js";
import type { SqlClient } from "../../db/sql.js";
import { Prisma } from "../../generated/prisma/client.js";
import type { AppealDto } from "../appeals/appeal.schemas.js";
import { leadData, messageData, storedAppealData } from "../events/event-data.sql.js";
import type { MessageDto } from "./message.schemas.js";

/** A message of a lead through a source, as the route received it (empty profile values as null). */
export type LeadMessage = {
  sourceId: number;
  leadExternalId: string;
  sender: "lead" | "bot";
  text: string;
  isAiGenerated: boolean;
  externalId: string | null;
  /** phoneE164: the phone's E.164 form when it is a valid number (null otherwise: the raw phone is kept). */
  profile: { name: string | null; phone: string | null; phoneE164: string | null; email: string | null };
};

export type AddResult =
  /** The lead has no open appeal of the source (or does not exist yet): nothing was written. */
  | { outcome: "no_open_appeal" }
  /** Stored on the lead's open appeal, with its event (and the lead's profile change, if any). */
  | { outcome: "added"; appeal: AppealDto; message: MessageDto }
  /** A message with this external id exists on one of the lead's appeals of the source: nothing written. */
  | { outcome: "repeated"; appeal: AppealDto; message: MessageDto }
  /**
   * The open appeal got a message with this external id from elsewhere (POST /appeals/{id}/messages,
   * which takes no sticky lock) after this statement's snapshot: nothing written; read it.
   */
  | { outcome: "taken"; appeal: AppealDto };

type AddRow = { outcome: "added" | "repeated" | "taken"; appeal: AppealDto; message: MessageDto | null };

export class StickyRepository {
  constructor(private readonly sql: SqlClient) {}

  /** ONE OPEN CONVERSATION: waits until no other transaction handles this lead through this source. */
  async lock(tx: SqlClient, sourceId: number, leadExternalId: string): Promise<void> {
    await tx.rows(
      "sticky_conversation_lock",
      Prisma.sql`
      SELECT true AS locked
      FROM pg_advisory_xact_lock(${ADVISORY_LOCK_SPACES.stickyConversation}::int,
                                 hashtext(${sourceId}::int::text || ':' || ${leadExternalId}::text))`,
    );
  }

  /**
   * One statement, under the lock: a retry of a message external id answers the message stored
   * first (on any of the lead's appeals of the source, a closed one too); else the message goes
   * to the lead's newest open (active or pending) appeal of the source, with its message.created
   * event, and the non-empty profile values sent update the lead (lead.updated, before and after),
   * as the intake does. Its timestamps are the statement's, not the transaction's (which began
   * before the wait for the lock), so a conversation's times follow its ids.
   */
  async addToOpenAppeal(tx: SqlClient, message: LeadMessage, actor: string): Promise<AddResult> {
    const { profile } = message;
    const rows = await tx.rows<AddRow>(
      "sticky_conversation_add",
      Prisma.sql`
      WITH lead AS (
        SELECT l.id, l.name, l.phone, l.email FROM leads l WHERE l.external_id = ${message.leadExternalId}
      ),
      mine AS (
        SELECT a.id FROM appeals a WHERE a.lead_id = (SELECT id FROM lead) AND a.source_id = ${message.sourceId}
      ),
      -- A bot's retry: the message first stored under this external id in the lead's conversations
      -- through this source (each appeal's (appeal_id, external_id) is unique).
      seen AS (
        SELECT m.* FROM messages m
        WHERE m.appeal_id IN (SELECT id FROM mine) AND m.external_id = ${message.externalId}::varchar
        ORDER BY m.id
        LIMIT 1
      ),
      -- The open appeal; FOR SHARE: see the file's header (a close meanwhile, re-checked after the wait).
      target AS (
        SELECT a.* FROM appeals a
        WHERE a.lead_id = (SELECT id FROM lead) AND a.source_id = ${message.sourceId} AND a.status <> 'closed'
          AND NOT EXISTS (SELECT 1 FROM seen)
        ORDER BY a.id DESC
        LIMIT 1
        FOR SHARE
      ),
      inserted AS (
        INSERT INTO messages (appeal_id, sender, text, is_ai_generated, external_id, created_at)
        SELECT target.id, ${message.sender}::message_sender, ${message.text}, ${message.isAiGenerated},
               ${message.externalId}::varchar, statement_timestamp()
        FROM target
        ON CONFLICT (appeal_id, external_id) DO NOTHING
        RETURNING *
      ),
      sent AS (SELECT ${profile.name}::text AS name, ${profile.phone}::text AS phone,
                      ${profile.phoneE164}::varchar AS phone_e164, ${profile.email}::text AS email),
      -- Non-empty values win, as at intake; only with a stored message, and only when something changes.
      profile AS (
        UPDATE leads l SET
          name = COALESCE(sent.name, l.name), phone = COALESCE(sent.phone, l.phone),
          -- The E.164 form follows the phone it is of, as at intake.
          phone_e164 = CASE WHEN sent.phone IS NULL THEN l.phone_e164 ELSE sent.phone_e164 END,
          email = COALESCE(sent.email, l.email), updated_at = statement_timestamp()
        FROM sent
        WHERE l.id = (SELECT id FROM lead) AND EXISTS (SELECT 1 FROM inserted)
          AND (COALESCE(sent.name, l.name), COALESCE(sent.phone, l.phone), COALESCE(sent.email, l.email))
              IS DISTINCT FROM (l.name, l.phone, l.email)
        RETURNING l.*
      ),
      -- lead.updated (when the profile changed), then message.created, in that order, as at intake.
      logged AS (
        INSERT INTO events (occurred_at, actor, type, entity_type, entity_id, appeal_id, operator_id, source_id,
                            data, details)
        -- The "before" is this statement's snapshot of the lead, as at intake (intake: distribution.repository.ts).
        SELECT statement_timestamp(), ${actor}::text, 'lead.updated', 'lead', profile.id, NULL::int, NULL::int,
               target.source_id,
               ${leadData("profile", Prisma.sql`(SELECT count(*) FROM appeals a WHERE a.lead_id = profile.id)`)},
               jsonb_build_object('before', diff.before, 'after', diff.after, 'appeal_id', target.id)
        FROM profile CROSS JOIN lead CROSS JOIN target
        CROSS JOIN LATERAL (
          SELECT jsonb_object_agg(field, was) AS before, jsonb_object_agg(field, now_is) AS after
          FROM (VALUES ('name', lead.name, profile.name), ('phone', lead.phone, profile.phone),
                       ('email', lead.email, profile.email)) AS f(field, was, now_is)
          WHERE was IS DISTINCT FROM now_is
        ) diff
        WHERE diff.before IS NOT NULL
        UNION ALL
        SELECT statement_timestamp(), ${actor}::text, 'message.created', 'message', inserted.id, inserted.appeal_id,
               target.operator_id, target.source_id, ${messageData("inserted")}, '{}'::jsonb
        FROM inserted CROSS JOIN target
      )
      SELECT 'added' AS outcome, ${storedAppealData("target")} AS appeal, ${messageData("inserted")} AS message
      FROM inserted CROSS JOIN target
      UNION ALL
      SELECT 'repeated', ${storedAppealData("seen_appeal")}, ${messageData("seen")}
      FROM seen JOIN appeals seen_appeal ON seen_appeal.id = seen.appeal_id
      UNION ALL
      SELECT 'taken', ${storedAppealData("target")}, NULL::jsonb
      FROM target WHERE NOT EXISTS (SELECT 1 FROM inserted)`,
    );
    const row = rows[0];
    if (!row) return { outcome: "no_open_appeal" };
    if (row.outcome === "taken") return { outcome: "taken", appeal: row.appeal };
    return { outcome: row.outcome, appeal: row.appeal, message: row.message as MessageDto };
  }

  /** A new appeal as the answer shows it, with its message 1 (the conversation's first message). */
  async findOpened(appealId: number): Promise<{ appeal: AppealDto; message: MessageDto } | null> {
    const rows = await this.sql.rows<{ appeal: AppealDto; message: MessageDto }>(
      "sticky_conversation_opened",
      Prisma.sql`
      SELECT ${storedAppealData("a")} AS appeal, ${messageData("m")} AS message
      FROM appeals a
      JOIN LATERAL (SELECT * FROM messages m WHERE m.appeal_id = a.id ORDER BY m.id LIMIT 1) m ON true
      WHERE a.id = ${appealId}`,
    );
    return rows[0] ?? null;
  }
}
