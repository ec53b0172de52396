// The statements of the distribution engine's hot path: the intake (its SQL in intake.sql.ts) and the close
// (a drain step is in drain.repository.ts), each one SQL statement keeping the invariants named in
// distribution.sql.ts (CAPACITY, OLDEST FIRST), with its audit events as CTEs.
// What they cannot promise alone (a drain that never ran because the process died
// after a close committed) the sweep repairs: sweep.ts.
import { isUniqueViolation } from "../../db/prisma-errors.js";
import type { SqlClient } from "../../db/sql.js";
import { Prisma } from "../../generated/prisma/client.js";
import { storedAppealData } from "../events/event-data.sql.js";
import { type AppealStatus, ownedBy } from "./distribution.sql.js";
import { type IntakeInput, intakeStatement } from "./intake.sql.js";

export type { FirstMessage, IntakeInput } from "./intake.sql.js";

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
    const rows = await sql
      .rows<IntakeRow>(
        // Another text, another name: each is prepared once per connection.
        input.firstMessage ? "appeal_intake_conversation" : "appeal_intake",
        intakeStatement(input, draw, actor),
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
