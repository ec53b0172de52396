// The `data` of the events the engine's statements record, built in SQL: the resource
// exactly as the API shows it (toAppealDto, toLeadDto), so a subscriber never calls
// back. tests/modules/events/event-data.test.ts holds each one against the GET answer.
import { Prisma } from "../../generated/prisma/client.js";

/** A timestamp as the API writes it: ISO-8601 in UTC with milliseconds and `Z`, like Date.toISOString(). */
export const isoTime = (value: Prisma.Sql) =>
  Prisma.sql`to_char(${value} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

export type AppealColumns = {
  id: Prisma.Sql;
  leadId: Prisma.Sql;
  leadExternalId: Prisma.Sql;
  sourceId: Prisma.Sql;
  sourceName: Prisma.Sql;
  operatorId: Prisma.Sql;
  operatorName: Prisma.Sql;
  status: Prisma.Sql;
  message: Prisma.Sql;
  createdAt: Prisma.Sql;
  assignedAt: Prisma.Sql;
  closedAt: Prisma.Sql;
  /** The first operator message's created_at; NULL::timestamptz at intake (no message yet). */
  firstResponseAt: Prisma.Sql;
  /** The script and version the source's bot followed at intake (both NULL when it had none). */
  botScriptId: Prisma.Sql;
  botScriptVersion: Prisma.Sql;
};

/** The Appeal of the API (appealSchema). */
export const appealData = (a: AppealColumns) => Prisma.sql`
  jsonb_build_object(
    'id', ${a.id}, 'lead_id', ${a.leadId}, 'lead_external_id', ${a.leadExternalId},
    'source_id', ${a.sourceId}, 'source_name', ${a.sourceName},
    'operator', CASE WHEN ${a.operatorId} IS NULL THEN NULL
                     ELSE jsonb_build_object('id', ${a.operatorId}, 'name', ${a.operatorName}) END,
    'status', ${a.status}::text, 'message', ${a.message},
    'created_at', ${isoTime(a.createdAt)}, 'assigned_at', ${isoTime(a.assignedAt)},
    'closed_at', ${isoTime(a.closedAt)}, 'first_response_at', ${isoTime(a.firstResponseAt)},
    'bot_script_id', ${a.botScriptId}, 'bot_script_version', ${a.botScriptVersion})`;

/** When the operator first answered the appeal `appealId`: its first operator message (a partial index). */
export const firstResponseAt = (appealId: Prisma.Sql) =>
  Prisma.sql`(SELECT min(m.created_at) FROM messages m WHERE m.appeal_id = ${appealId} AND m.sender = 'operator')`;

/**
 * The Appeal of a row of `appeals` aliased `alias`, with its lead's external id, its
 * source's name and its operator's name looked up by key.
 */
export const storedAppealData = (alias: string) => {
  const col = (name: string) => Prisma.raw(`${alias}.${name}`);
  return appealData({
    id: col("id"),
    leadId: col("lead_id"),
    leadExternalId: Prisma.sql`(SELECT l.external_id FROM leads l WHERE l.id = ${col("lead_id")})`,
    sourceId: col("source_id"),
    sourceName: Prisma.sql`(SELECT s.name FROM sources s WHERE s.id = ${col("source_id")})`,
    operatorId: col("operator_id"),
    operatorName: Prisma.sql`(SELECT o.name FROM operators o WHERE o.id = ${col("operator_id")})`,
    status: col("status"),
    message: col("message"),
    createdAt: col("created_at"),
    assignedAt: col("assigned_at"),
    closedAt: col("closed_at"),
    firstResponseAt: firstResponseAt(col("id")),
    botScriptId: col("bot_script_id"),
    botScriptVersion: col("bot_script_version"),
  });
};

/** The Message of the API (messageSchema) of a row of `messages` aliased `alias`. */
export const messageData = (alias: string) => {
  const col = (name: string) => Prisma.raw(`${alias}.${name}`);
  return Prisma.sql`
  jsonb_build_object(
    'id', ${col("id")}, 'appeal_id', ${col("appeal_id")}, 'sender', ${col("sender")}::text,
    'operator_id', ${col("operator_id")}, 'text', ${col("text")}, 'is_ai_generated', ${col("is_ai_generated")},
    'external_id', ${col("external_id")}, 'attachments', ${col("attachments")},
    'created_at', ${isoTime(col("created_at"))})`;
};

/**
 * The Lead of the API (leadSchema, toLeadDto) of a row of `leads` aliased `alias`, with
 * `appealsCount` (an expression: the intake counts the appeal it is storing).
 */
export const leadData = (alias: string, appealsCount: Prisma.Sql) => {
  const col = (name: string) => Prisma.raw(`${alias}.${name}`);
  return Prisma.sql`
  jsonb_build_object(
    'id', ${col("id")}, 'external_id', ${col("external_id")}, 'name', ${col("name")},
    'first_name', ${col("first_name")}, 'last_name', ${col("last_name")}, 'middle_name', ${col("middle_name")},
    'phone', ${col("phone")}, 'phone_e164', ${col("phone_e164")}, 'second_phone', ${col("second_phone")},
    'second_phone_e164', ${col("second_phone_e164")}, 'email', ${col("email")}, 'company', ${col("company")},
    'position', ${col("position")}, 'heard_from', ${col("heard_from")}, 'notes', ${col("notes")},
    'tags', to_jsonb(${col("tags")}),
    'consent', CASE WHEN ${col("consent_given_at")} IS NULL THEN NULL
                    ELSE jsonb_build_object('given_at', ${isoTime(col("consent_given_at"))},
                                            'text_version', ${col("consent_text_version")}) END,
    'blocked_at', ${isoTime(col("blocked_at"))}, 'erased_at', ${isoTime(col("erased_at"))},
    'appeals_count', ${appealsCount},
    'created_at', ${isoTime(col("created_at"))}, 'updated_at', ${isoTime(col("updated_at"))})`;
};

/** The Operator of the API (operatorSchema) of a row of `operators` aliased `alias`. */
export const operatorData = (alias: string) => {
  const col = (name: string) => Prisma.raw(`${alias}.${name}`);
  return Prisma.sql`
  jsonb_build_object(
    'id', ${col("id")}, 'name', ${col("name")}, 'is_active', ${col("is_active")},
    'max_load', ${col("max_load")}, 'current_load', ${col("active_load")},
    'created_at', ${isoTime(col("created_at"))}, 'updated_at', ${isoTime(col("updated_at"))},
    'archived_at', ${isoTime(col("archived_at"))})`;
};

/** The Source of the API (sourceSchema) of a row of `sources` aliased `alias`. */
export const sourceData = (alias: string) => {
  const col = (name: string) => Prisma.raw(`${alias}.${name}`);
  return Prisma.sql`
  jsonb_build_object(
    'id', ${col("id")}, 'name', ${col("name")}, 'description', ${col("description")},
    'strategy', ${col("strategy")}::text, 'bot_script_id', ${col("bot_script_id")},
    'created_at', ${isoTime(col("created_at"))}, 'updated_at', ${isoTime(col("updated_at"))},
    'archived_at', ${isoTime(col("archived_at"))})`;
};
