// The statements of the distribution engine's hot path: the intake and the close
// (a drain step is in drain.repository.ts), each one SQL statement keeping the invariants named in
// distribution.sql.ts (CAPACITY, OLDEST FIRST), with its audit events as CTEs.
// What they cannot promise alone (a drain that never ran because the process died
// after a close committed) the sweep repairs: sweep.ts.
import { isUniqueViolation } from "../../db/prisma-errors.js";
import type { SqlClient } from "../../db/sql.js";
import { Prisma } from "../../generated/prisma/client.js";
import { appealData, leadData, messageData, storedAppealData } from "../events/event-data.sql.js";
import { type AppealStatus, chooseOperator, notReservedForWaiting, ownedBy } from "./distribution.sql.js";

export type IntakeInput = {
  sourceId: number;
  leadExternalId: string;
  leadName: string | null;
  leadPhone: string | null;
  /** leadPhone in E.164 when it is a valid number (null otherwise: the raw phone is kept). */
  leadPhoneE164: string | null;
  leadEmail: string | null;
  message: string | null;
  idempotencyKey: string | null;
  requestHash: string | null;
  /** Whose idempotency keys these are: the API key's id, 0 in open mode. */
  idempotencyScope: number;
  /**
   * Who wrote `message` and the bot's id of it, when the appeal opens with a conversation's
   * message (POST /leads/by-external-id/{external_id}/messages); without it, message 1 is the
   * lead's, as POST /appeals stores it.
   */
  firstMessage?: FirstMessage;
};

export type FirstMessage = { sender: "lead" | "bot"; isAiGenerated: boolean; externalId: string | null };

/** What the intake statement stored, with the names the answer needs, so no second read is required. */
export type StoredAppeal = {
  id: number;
  status: AppealStatus;
  message: string | null;
  createdAt: Date;
  leadId: number;
  leadExternalId: string;
  sourceId: number;
  sourceName: string;
  operator: { id: number; name: string } | null;
  botScriptId: number | null;
  botScriptVersion: number | null;
};

export type IntakeResult =
  | { outcome: "unknown_source" }
  /** The idempotency key is stored already (an earlier or concurrent request): nothing was written. */
  | { outcome: "key_taken" }
  /** A candidate was chosen but filled up before its counter could move: nothing was written; draw again. */
  | { outcome: "lost_race" }
  | ({ outcome: "stored" } & StoredAppeal);

type IntakeRow = {
  source_name: string;
  appeal_id: number | null;
  status: string | null;
  message: string | null;
  created_at: Date | null;
  lead_id: number | null;
  lead_external_id: string | null;
  operator_id: number | null;
  operator_name: string | null;
  bot_script_id: number | null;
  bot_script_version: number | null;
};

export type CloseResult = { previousStatus: AppealStatus; operatorId: number | null } | null;

/**
 * The columns and values of message 1: POST /appeals' (the lead's, nothing else said), or a
 * conversation's first message with its sender, AI flag and external id.
 */
function firstMessageColumns(first: FirstMessage | undefined): { columns: Prisma.Sql; values: Prisma.Sql } {
  if (!first) {
    return {
      columns: Prisma.raw("appeal_id, sender, text, created_at"),
      values: Prisma.raw("appeal.id, 'lead', appeal.message, appeal.created_at"),
    };
  }
  return {
    columns: Prisma.raw("appeal_id, sender, text, is_ai_generated, external_id, created_at"),
    values: Prisma.sql`appeal.id, ${first.sender}::message_sender, appeal.message, ${first.isAiGenerated},
               ${first.externalId}::varchar, appeal.created_at`,
  };
}

export class DistributionRepository {
  constructor(private readonly sql: SqlClient) {}

  /**
   * One statement: chooses an operator and counts the appeal against it, then finds
   * or creates the lead (name, phone and email updated with the non-empty values
   * sent, the change recorded as lead.updated with the fields before and after) and
   * stores the appeal, active or pending, with its idempotency key and its event.
   * Writes nothing when the source is unknown, when the chosen operator filled up
   * meanwhile (lost_race: not even the lead), or when the idempotency key is taken
   * (a unique violation fails the whole statement: key_taken).
   */
  async intake(
    input: IntakeInput,
    draw: number,
    actor: string,
    /** A transaction to run in (the sticky conversation's); by default a connection of the pool. */
    sql: SqlClient = this.sql,
  ): Promise<IntakeResult> {
    const first = firstMessageColumns(input.firstMessage);
    const rows = await sql
      .rows<IntakeRow>(
        // Another text, another name: each is prepared once per connection.
        input.firstMessage ? "appeal_intake_conversation" : "appeal_intake",
        Prisma.sql`
      -- The source's script and its current version come with the row read here anyway (the
      -- version is kept on the source by its foreign key's cascade), and the appeal records them.
      WITH src AS (
        SELECT id, name, bot_script_id, bot_script_version FROM sources
        WHERE id = ${input.sourceId} AND archived_at IS NULL
      ),
      -- Candidates of src, not of the id sent: an archived source has none, so no counter moves.
      -- OLDEST FIRST: an operator serving a source with appeals waiting keeps its slot for them.
      ${chooseOperator(
        Prisma.sql`${input.sourceId}`,
        draw,
        notReservedForWaiting(Prisma.sql`${input.sourceId}`),
        Prisma.sql`AND s.archived_at IS NULL`,
      )},
      -- Nothing below is written when the chosen operator filled up meanwhile: the caller draws again.
      proceed AS (SELECT 1 FROM src WHERE EXISTS (SELECT 1 FROM pick) OR NOT EXISTS (SELECT 1 FROM choice)),
      sent AS (SELECT ${input.leadName}::text AS name, ${input.leadPhone}::text AS phone,
                      ${input.leadPhoneE164}::varchar AS phone_e164, ${input.leadEmail}::text AS email),
      -- The stored profile as this statement's snapshot sees it: the "before" of lead.updated.
      -- (A plain read, not FOR UPDATE: the lock cost a WAL record per returning lead. Should a
      -- concurrent intake change the lead between this snapshot and the upsert's lock, both
      -- changes are still recorded, this one's "before" being the value it saw.)
      known AS (SELECT l.id, l.name, l.phone, l.email FROM leads l WHERE l.external_id = ${input.leadExternalId}),
      -- Only with the appeal (proceed): a lost race stores no lead.
      lead AS (
        INSERT INTO leads AS l (external_id, name, phone, phone_e164, email)
        SELECT ${input.leadExternalId}, sent.name, sent.phone, sent.phone_e164, sent.email FROM proceed, sent
        ON CONFLICT (external_id) DO UPDATE SET
          name = COALESCE(EXCLUDED.name, l.name), phone = COALESCE(EXCLUDED.phone, l.phone),
          -- The E.164 form follows the phone it is of (null when the phone sent does not parse).
          phone_e164 = CASE WHEN EXCLUDED.phone IS NULL THEN l.phone_e164 ELSE EXCLUDED.phone_e164 END,
          email = COALESCE(EXCLUDED.email, l.email),
          updated_at = CASE WHEN (COALESCE(EXCLUDED.name, l.name), COALESCE(EXCLUDED.phone, l.phone),
                                  COALESCE(EXCLUDED.email, l.email)) IS DISTINCT FROM (l.name, l.phone, l.email)
                            THEN now() ELSE l.updated_at END
        RETURNING l.*, (l.xmax = 0) AS inserted
      ),
      appeal AS (
        INSERT INTO appeals (lead_id, source_id, operator_id, status, message, assigned_at,
                             bot_script_id, bot_script_version)
        SELECT lead.id, ${input.sourceId}, pick.id,
               (CASE WHEN pick.id IS NULL THEN 'pending' ELSE 'active' END)::appeal_status,
               ${input.message}::text,
               CASE WHEN pick.id IS NULL THEN NULL ELSE now() END,
               src.bot_script_id, src.bot_script_version
        FROM lead CROSS JOIN src LEFT JOIN pick ON true
        RETURNING id, status, message, created_at, assigned_at, bot_script_id, bot_script_version
      ),
      -- The appeal's message is its conversation's message 1 (sender lead), stored with it.
      -- An empty message is no message: a posted one has at least one character.
      first_message AS (
        INSERT INTO messages (${first.columns})
        SELECT ${first.values} FROM appeal
        WHERE appeal.message IS NOT NULL AND appeal.message <> ''
        RETURNING id, appeal_id, sender, operator_id, text, is_ai_generated, external_id, attachments, created_at
      ),
      idempotency AS (
        INSERT INTO idempotency_keys (scope, key, request_hash, appeal_id)
        SELECT ${input.idempotencyScope}::int, ${input.idempotencyKey}::text, ${input.requestHash}::text, appeal.id
        FROM appeal WHERE ${input.idempotencyKey}::text IS NOT NULL
      ),
      -- The appeal as POST /appeals and GET /appeals/{id} show it: the data of its events.
      shown AS (
        SELECT ${appealData({
          id: Prisma.sql`appeal.id`,
          leadId: Prisma.sql`lead.id`,
          leadExternalId: Prisma.sql`${input.leadExternalId}::text`,
          sourceId: Prisma.sql`src.id`,
          sourceName: Prisma.sql`src.name`,
          operatorId: Prisma.sql`pick.id`,
          operatorName: Prisma.sql`pick.name`,
          status: Prisma.sql`appeal.status`,
          message: Prisma.sql`appeal.message`,
          createdAt: Prisma.sql`appeal.created_at`,
          assignedAt: Prisma.sql`appeal.assigned_at`,
          closedAt: Prisma.sql`NULL::timestamptz`,
          // No operator message can exist yet: the answer's first_response_at is null, unread.
          firstResponseAt: Prisma.sql`NULL::timestamptz`,
          botScriptId: Prisma.sql`appeal.bot_script_id`,
          botScriptVersion: Prisma.sql`appeal.bot_script_version`,
        })} AS data
        FROM appeal CROSS JOIN src CROSS JOIN lead LEFT JOIN pick ON true
      ),
      -- lead.created or lead.updated, appeal.created, appeal.assigned, message.created, in that order.
      logged AS (
        INSERT INTO events (actor, type, entity_type, entity_id, appeal_id, operator_id, source_id, data, details)
        -- The lead's event first: lead.created for a new lead, lead.updated for a returning one
        -- whose profile changed (the fields before and after; none when this statement's
        -- snapshot did not see the lead, which a concurrent intake created meanwhile).
        SELECT ${actor}::text, CASE WHEN lead.inserted THEN 'lead.created' ELSE 'lead.updated' END, 'lead',
               lead.id, NULL::int, NULL::int, src.id,
               ${leadData(
                 "lead",
                 // The appeal this statement stores is not in its snapshot: +1.
                 Prisma.sql`CASE WHEN lead.inserted THEN 1
                   ELSE (SELECT count(*) + 1 FROM appeals a WHERE a.lead_id = lead.id) END`,
               )},
               CASE WHEN lead.inserted THEN jsonb_build_object('appeal_id', appeal.id)
                    ELSE jsonb_build_object('before', diff.before, 'after', diff.after, 'appeal_id', appeal.id) END
        FROM lead CROSS JOIN appeal CROSS JOIN src
        LEFT JOIN known ON known.id = lead.id AND NOT lead.inserted
        LEFT JOIN LATERAL (
          SELECT jsonb_object_agg(field, was) AS before, jsonb_object_agg(field, now_is) AS after
          FROM (VALUES ('name', known.name, lead.name), ('phone', known.phone, lead.phone),
                       ('email', known.email, lead.email)) AS f(field, was, now_is)
          WHERE was IS DISTINCT FROM now_is
        ) diff ON known.id IS NOT NULL
        WHERE lead.inserted OR diff.before IS NOT NULL
        UNION ALL
        -- appeal.created, then appeal.assigned when an operator took it at once.
        SELECT ${actor}::text, kind.type, 'appeal', appeal.id, appeal.id, pick.id, src.id, shown.data,
               jsonb_strip_nulls(jsonb_build_object('source_id', src.id, 'lead_id', lead.id, 'operator_id', pick.id))
        FROM appeal CROSS JOIN src CROSS JOIN lead CROSS JOIN shown LEFT JOIN pick ON true
        CROSS JOIN LATERAL (VALUES (1, 'appeal.created'), (2, 'appeal.assigned')) AS kind(n, type)
        WHERE kind.n = 1 OR pick.id IS NOT NULL
        UNION ALL
        -- message.created for message 1, when the appeal came with one.
        SELECT ${actor}::text, 'message.created', 'message', first_message.id, appeal.id, pick.id, src.id,
               ${messageData("first_message")}, '{}'::jsonb
        FROM first_message CROSS JOIN appeal CROSS JOIN src LEFT JOIN pick ON true
      )
      SELECT src.name AS source_name, appeal.id AS appeal_id, appeal.status::text AS status, appeal.message,
             appeal.created_at, lead.id AS lead_id, ${input.leadExternalId}::text AS lead_external_id,
             pick.id AS operator_id, pick.name AS operator_name,
             appeal.bot_script_id, appeal.bot_script_version
      FROM src
      LEFT JOIN appeal ON true
      LEFT JOIN lead ON true
      LEFT JOIN pick ON true`,
      )
      .catch((error: unknown) => {
        if (isUniqueViolation(error, "idempotency_keys_pkey")) return null;
        throw error;
      });
    if (rows === null) return { outcome: "key_taken" };
    const row = rows[0];
    if (!row) return { outcome: "unknown_source" };
    if (row.appeal_id === null || row.lead_id === null) return { outcome: "lost_race" };
    return {
      outcome: "stored",
      id: row.appeal_id,
      status: row.status as AppealStatus,
      message: row.message,
      createdAt: row.created_at as Date,
      leadId: row.lead_id,
      leadExternalId: row.lead_external_id as string,
      sourceId: input.sourceId,
      sourceName: row.source_name,
      operator: row.operator_id === null ? null : { id: row.operator_id, name: row.operator_name as string },
      botScriptId: row.bot_script_id,
      botScriptVersion: row.bot_script_version,
    };
  }

  /**
   * Closes the appeal and, if it was active, releases its operator's slot, in one
   * statement, recording appeal.closed. Closing a closed appeal changes (and records)
   * nothing. Null when the appeal does not exist or, with `owner` (an operator key's operator),
   * is not that operator's (OWN APPEALS): then nothing is written either.
   */
  async close(appealId: number, actor: string, owner: number | null = null): Promise<CloseResult> {
    const rows = await this.sql.rows<{
      previous_status: AppealStatus;
      operator_id: number | null;
    }>(
      // Two texts, two names: a name is prepared once per connection with one text (sql.ts).
      owner === null ? "appeal_close" : "appeal_close_owned",
      Prisma.sql`
      WITH target AS (
        SELECT id, status, operator_id FROM appeals WHERE id = ${appealId} ${ownedBy(owner)} FOR UPDATE
      ),
      closed AS (
        UPDATE appeals a SET status = 'closed', closed_at = now()
        FROM target
        WHERE a.id = target.id AND target.status <> 'closed'
        RETURNING a.*
      ),
      released AS (
        UPDATE operators o SET active_load = o.active_load - 1
        FROM target
        WHERE o.id = target.operator_id AND target.status = 'active' AND EXISTS (SELECT 1 FROM closed)
      ),
      audit AS (
        INSERT INTO events (actor, type, entity_type, entity_id, appeal_id, operator_id, source_id, data, details)
        SELECT ${actor}::text, 'appeal.closed', 'appeal', closed.id, closed.id, closed.operator_id,
               closed.source_id, ${storedAppealData("closed")},
               jsonb_strip_nulls(jsonb_build_object('previous_status', target.status::text,
                                                    'operator_id', target.operator_id))
        FROM closed CROSS JOIN target
      )
      SELECT status::text AS previous_status, operator_id FROM target`,
    );
    const row = rows[0];
    return row ? { previousStatus: row.previous_status, operatorId: row.operator_id } : null;
  }
}
