// The intake statement's SQL (POST /appeals, and a conversation's first message through the
// sticky route): one statement that keeps CAPACITY and OLDEST FIRST (distribution.sql.ts) and
// writes the lead, the appeal, message 1, the idempotency key and their events together.
// DistributionRepository.intake runs it and reads its answer.
import { Prisma } from "../../generated/prisma/client.js";
import { appealData, leadData, messageData } from "../events/event-data.sql.js";
import { chooseOperator, notReservedForWaiting } from "./distribution.sql.js";

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

/**
 * One statement: chooses an operator and counts the appeal against it, then finds or creates
 * the lead and stores the appeal, active or pending, with message 1, its idempotency key and
 * its events. Its one row names what it stored (none: the source is unknown; no appeal: the
 * chosen operator filled up meanwhile).
 */
export function intakeStatement(input: IntakeInput, draw: number, actor: string): Prisma.Sql {
  const first = firstMessageColumns(input.firstMessage);
  return Prisma.sql`
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
      LEFT JOIN pick ON true`;
}
