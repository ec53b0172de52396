// Every statement that moves an appeal between pending, active and closed, and
// with it an operator's `active_load` counter. They live together because they
// keep one invariant together:
//
//   INVARIANT: operators.active_load = the number of the operator's appeals in
//   status 'active', and it only grows through `UPDATE operators ... WHERE
//   active_load < max_load`. PostgreSQL re-checks that WHERE clause on the newest
//   row version after waiting for a concurrent writer's row lock (READ COMMITTED),
//   so however many requests and service instances assign at once, no operator
//   ever holds more active appeals than its max_load (unless an admin lowered it).
//
// Each statement below is atomic on its own: the assignment is one statement, so
// the critical section is one row lock held for one statement. Each one also
// records its audit event (appeal.queued, appeal.assigned, appeal.drained,
// appeal.closed in audit_events) as one more data-modifying CTE of the same
// statement: an assignment and its event commit together or not at all, with no
// extra round trip and no longer lock. The actor is the label of the API key
// whose request caused it (a drain after an admin change or a close included).
import { isUniqueViolation } from "../../db/prisma-errors.js";
import type { SqlClient } from "../../db/sql.js";
import { Prisma } from "../../generated/prisma/client.js";

type AppealStatus = "pending" | "active" | "closed";

export type IntakeInput = {
  sourceId: number;
  leadExternalId: string;
  leadName: string | null;
  leadPhone: string | null;
  leadEmail: string | null;
  message: string | null;
  idempotencyKey: string | null;
  requestHash: string | null;
};

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
};

export type IntakeResult =
  | { outcome: "unknown_source" }
  /** The idempotency key is stored already (an earlier or concurrent request): nothing was written. */
  | { outcome: "key_taken" }
  /** A candidate was chosen but filled up before its counter could move; try again with a new draw. */
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
};

export type CloseResult = { previousStatus: AppealStatus; operatorId: number | null } | null;

export type DrainStepResult = "assigned" | "no_capacity" | "queue_empty" | "retry";

/**
 * The candidates of the appeal's source and the choice among them, given a
 * uniform draw in [0, 1): the SQL twin of selectOperator() in selector.ts. Shares
 * are integers, so the running sums are exact and both twins agree bit for bit.
 */
function chooseOperator(sourceId: number, draw: number, extraCondition: Prisma.Sql = Prisma.empty) {
  return Prisma.sql`
    candidate AS (
      SELECT o.id,
             w.weight::float8 * CASE WHEN s.strategy = 'weighted_by_free_capacity'
                                     THEN o.max_load - o.active_load ELSE 1 END AS share
      FROM sources s
      JOIN operator_weights w ON w.source_id = s.id
      JOIN operators o ON o.id = w.operator_id
      WHERE s.id = ${sourceId} AND o.is_active AND o.active_load < o.max_load ${extraCondition}
    ),
    -- MATERIALIZED: computed once, so the re-check after a row-lock wait keeps this choice.
    choice AS MATERIALIZED (
      SELECT id FROM (
        SELECT id, sum(share) OVER (ORDER BY id) AS up_to, sum(share) OVER () AS total FROM candidate
      ) lined
      WHERE up_to > ${draw}::float8 * total
      ORDER BY id
      LIMIT 1
    ),
    -- Counts the appeal against the chosen operator, only while it is below its limit.
    pick AS (
      UPDATE operators o SET active_load = o.active_load + 1
      FROM choice
      WHERE o.id = choice.id AND o.is_active AND o.active_load < o.max_load
      RETURNING o.id
    )`;
}

export class DistributionRepository {
  constructor(private readonly sql: SqlClient) {}

  /**
   * One statement: finds or creates the lead (its name, phone and email updated
   * with the non-empty values sent), chooses an operator, counts the appeal
   * against it and stores the appeal, active or pending, with its idempotency key.
   * An unknown source writes nothing. When a source already has pending appeals a
   * new one queues behind them (oldest first). A reused idempotency key fails the
   * whole statement with a unique violation, so nothing is written (key_taken). Records
   * appeal.assigned (with the operator) or appeal.queued.
   */
  async intake(input: IntakeInput, draw: number, actor: string): Promise<IntakeResult> {
    const noOlderPending = Prisma.sql`AND NOT EXISTS (
      SELECT 1 FROM appeals p WHERE p.source_id = s.id AND p.status = 'pending')`;
    const rows = await this.sql
      .rows<IntakeRow>(
        "appeal_intake",
        Prisma.sql`
      WITH src AS (SELECT id, name FROM sources WHERE id = ${input.sourceId}),
      lead AS (
        INSERT INTO leads AS l (external_id, name, phone, email)
        SELECT ${input.leadExternalId}, ${input.leadName}::text, ${input.leadPhone}::text, ${input.leadEmail}::text
        FROM src
        ON CONFLICT (external_id) DO UPDATE SET
          name = COALESCE(EXCLUDED.name, l.name),
          phone = COALESCE(EXCLUDED.phone, l.phone),
          email = COALESCE(EXCLUDED.email, l.email),
          updated_at = CASE WHEN (COALESCE(EXCLUDED.name, l.name), COALESCE(EXCLUDED.phone, l.phone),
                                  COALESCE(EXCLUDED.email, l.email)) IS DISTINCT FROM (l.name, l.phone, l.email)
                            THEN now() ELSE l.updated_at END
        RETURNING l.id, l.external_id
      ),
      ${chooseOperator(input.sourceId, draw, noOlderPending)},
      appeal AS (
        INSERT INTO appeals (lead_id, source_id, operator_id, status, message, assigned_at)
        SELECT lead.id, ${input.sourceId}, pick.id,
               (CASE WHEN pick.id IS NULL THEN 'pending' ELSE 'active' END)::appeal_status,
               ${input.message}::text,
               CASE WHEN pick.id IS NULL THEN NULL ELSE now() END
        FROM lead LEFT JOIN pick ON true
        -- No appeal when the chosen operator filled up meanwhile: the caller draws again.
        WHERE pick.id IS NOT NULL OR NOT EXISTS (SELECT 1 FROM choice)
        RETURNING id, status, message, created_at
      ),
      idempotency AS (
        INSERT INTO idempotency_keys (key, request_hash, appeal_id)
        SELECT ${input.idempotencyKey}::text, ${input.requestHash}::text, appeal.id
        FROM appeal WHERE ${input.idempotencyKey}::text IS NOT NULL
      ),
      audit AS (
        INSERT INTO audit_events (actor, action, entity_type, entity_id, appeal_id, details)
        SELECT ${actor}::text,
               CASE WHEN pick.id IS NULL THEN 'appeal.queued' ELSE 'appeal.assigned' END,
               'appeal', appeal.id, appeal.id,
               jsonb_strip_nulls(jsonb_build_object('source_id', src.id, 'lead_id', lead.id, 'operator_id', pick.id))
        FROM appeal CROSS JOIN src CROSS JOIN lead LEFT JOIN pick ON true
      )
      SELECT src.name AS source_name, appeal.id AS appeal_id, appeal.status::text AS status, appeal.message,
             appeal.created_at, lead.id AS lead_id, lead.external_id AS lead_external_id,
             pick.id AS operator_id, operators.name AS operator_name
      FROM src
      LEFT JOIN appeal ON true
      LEFT JOIN lead ON true
      LEFT JOIN pick ON true
      LEFT JOIN operators ON operators.id = pick.id`,
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
    };
  }

  /**
   * Assigns the oldest pending appeal of the source, if any operator can take it.
   * The appeal row is locked (FOR UPDATE, not SKIP LOCKED): a drain that waits for
   * another one's lock then sees everything committed before it started, so the
   * last drain after any capacity event never misses a pending appeal. Records
   * appeal.drained (with the operator) when it assigns.
   */
  async assignOldestPending(sourceId: number, draw: number, actor: string): Promise<DrainStepResult> {
    const rows = await this.sql.rows<{
      appeal_id: number | null;
      assigned: boolean;
      had_candidate: boolean;
      more_pending: boolean;
    }>(
      "appeal_assign_oldest_pending",
      Prisma.sql`
      WITH next AS (
        SELECT id FROM appeals
        WHERE source_id = ${sourceId} AND status = 'pending'
        ORDER BY id LIMIT 1
        FOR UPDATE
      ),
      ${chooseOperator(sourceId, draw, Prisma.sql`AND EXISTS (SELECT 1 FROM next)`)},
      assigned AS (
        UPDATE appeals a SET status = 'active', operator_id = pick.id, assigned_at = now()
        FROM next, pick
        WHERE a.id = next.id
        RETURNING a.id, a.operator_id
      ),
      audit AS (
        INSERT INTO audit_events (actor, action, entity_type, entity_id, appeal_id, details)
        SELECT ${actor}::text, 'appeal.drained', 'appeal', assigned.id, assigned.id,
               jsonb_build_object('source_id', ${sourceId}::int, 'operator_id', assigned.operator_id)
        FROM assigned
      )
      SELECT (SELECT id FROM next) AS appeal_id,
             EXISTS (SELECT 1 FROM assigned) AS assigned,
             EXISTS (SELECT 1 FROM choice) AS had_candidate,
             EXISTS (SELECT 1 FROM appeals WHERE source_id = ${sourceId} AND status = 'pending') AS more_pending`,
    );
    const row = rows[0];
    if (!row) return "queue_empty";
    if (row.assigned) return "assigned";
    // The oldest pending appeal was taken by a concurrent drain or closed while we waited for it.
    if (row.appeal_id === null) return row.more_pending ? "retry" : "queue_empty";
    return row.had_candidate ? "retry" : "no_capacity";
  }

  /**
   * Closes the appeal and, if it was active, releases its operator's slot, in one
   * statement, recording appeal.closed. Closing a closed appeal changes (and records)
   * nothing. Null when the appeal does not exist.
   */
  async close(appealId: number, actor: string): Promise<CloseResult> {
    const rows = await this.sql.rows<{
      previous_status: AppealStatus;
      operator_id: number | null;
    }>(
      "appeal_close",
      Prisma.sql`
      WITH target AS (
        SELECT id, status, operator_id FROM appeals WHERE id = ${appealId} FOR UPDATE
      ),
      closed AS (
        UPDATE appeals a SET status = 'closed', closed_at = now()
        FROM target
        WHERE a.id = target.id AND target.status <> 'closed'
        RETURNING a.id
      ),
      released AS (
        UPDATE operators o SET active_load = o.active_load - 1
        FROM target
        WHERE o.id = target.operator_id AND target.status = 'active' AND EXISTS (SELECT 1 FROM closed)
      ),
      audit AS (
        INSERT INTO audit_events (actor, action, entity_type, entity_id, appeal_id, details)
        SELECT ${actor}::text, 'appeal.closed', 'appeal', closed.id, closed.id,
               jsonb_strip_nulls(jsonb_build_object('previous_status', target.status::text,
                                                    'operator_id', target.operator_id))
        FROM closed CROSS JOIN target
      )
      SELECT status::text AS previous_status, operator_id FROM target`,
    );
    const row = rows[0];
    return row ? { previousStatus: row.previous_status, operatorId: row.operator_id } : null;
  }

  /** Sources the operator has a weight for that have appeals waiting, the one waiting longest first. */
  async sourcesWithPendingFor(operatorId: number): Promise<number[]> {
    const rows = await this.sql.rows<{ source_id: number }>(
      "appeal_sources_with_pending_for",
      Prisma.sql`
      SELECT w.source_id FROM operator_weights w
      CROSS JOIN LATERAL (
        SELECT min(a.id) AS oldest FROM appeals a WHERE a.source_id = w.source_id AND a.status = 'pending'
      ) queue
      WHERE w.operator_id = ${operatorId} AND queue.oldest IS NOT NULL
      ORDER BY queue.oldest`,
    );
    return rows.map((row) => row.source_id);
  }
}
