// Every statement that moves an appeal between pending, active and closed, and
// with it an operator's `active_load` counter. They live together because they
// keep two invariants together:
//
//   CAPACITY: operators.active_load = the number of the operator's appeals in
//   status 'active', and it only grows through `UPDATE operators ... WHERE
//   active_load < max_load`. PostgreSQL re-checks that WHERE clause on the newest
//   row version after waiting for a concurrent writer's row lock (READ COMMITTED),
//   so however many requests and service instances assign at once, no operator
//   ever holds more active appeals than its max_load (unless an admin lowered it).
//
//   OLDEST FIRST: a free slot goes to the oldest pending appeal among all the
//   sources its operator serves. The intake treats an operator that serves a
//   source with waiting appeals as taken (the slot is theirs), and a drain step
//   assigns the oldest waiting appeal that some operator can take, across the
//   sources it looks at.
//
// The same holds for the everyday operations (issue 10): a transfer, a reopen and an
// archive with reassign are one statement each. Locks are always taken appeals first,
// then operators (in id order when there are two), as a close and a drain step do, so
// no two of these statements wait for each other crosswise. Archived operators are never
// candidates (candidate, pick, open); archived sources take no intake, but an appeal of
// one that exists (stored by an intake in flight as it was archived, or reopened) is
// still distributed, so nothing can wait forever.
//
// Each statement below is atomic on its own: an assignment is one statement, so
// the critical section is one row lock held for one statement. Each one also
// records its audit events (appeal.queued, appeal.assigned, appeal.drained,
// appeal.closed, appeal.reopened, operator.archived, lead.updated in audit_events)
// as more data-modifying CTEs of the same statement: a change and its event commit together or not at all, with no
// extra round trip and no longer lock. The actor is the label of the API key whose
// request caused it ("sweep" for the periodic sweep).
//
// What the statements cannot promise alone (a drain that never ran because the
// process died after a close committed) the sweep repairs: sweep.ts.
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
  /** Whose idempotency keys these are: the API key's id, 0 in open mode. */
  idempotencyScope: number;
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
};

type DrainStepRow = {
  appeal_id: number | null;
  source_id: number | null;
  /** Some source in scope had a waiting appeal that an operator could take. */
  had_head: boolean;
  /** That appeal was still pending when its lock was granted. */
  locked: boolean;
  /** An operator was chosen for it. */
  chosen: boolean;
};

export type CloseResult = { previousStatus: AppealStatus; operatorId: number | null } | null;

/** The target operator of a transfer as the statement saw it, after its row lock. */
export type TransferTarget = {
  name: string;
  isActive: boolean;
  archived: boolean;
  activeLoad: number;
  maxLoad: number;
  hasWeight: boolean;
};

export type TransferResult =
  | { outcome: "appeal_not_found" }
  | { outcome: "operator_not_found" }
  | { outcome: "closed" }
  /** Already with that operator (active): nothing was written. */
  | { outcome: "unchanged" }
  /** The target is archived, or (without force) inactive, without a weight for the source, or full. */
  | { outcome: "refused"; target: TransferTarget }
  | { outcome: "moved"; previousStatus: "active" | "pending"; previousOperatorId: number | null };

export type ReopenResult =
  | { outcome: "not_found" }
  /** Not closed: nothing was written. */
  | { outcome: "not_closed" }
  /** The chosen operator filled up meanwhile: nothing was written; draw again. */
  | { outcome: "lost_race" }
  | { outcome: "reopened"; status: "active" | "pending"; sourceId: number };

export type ArchiveOperatorResult =
  | { outcome: "not_found" }
  /**
   * Nothing written: it holds active appeals and reassign was not asked for. 0 when its last
   * appeal was assigned while this statement waited (its snapshot still counted none): run again.
   */
  | { outcome: "has_active"; activeAppeals: number }
  /**
   * Archived (now or before). `remaining`: active appeals still held, assigned by statements
   * that committed while this one waited for the operator's row; run it again to release them.
   */
  | { outcome: "archived"; released: number; remaining: number; sourceIds: number[] };

/** Which pending appeals a drain step looks at. */
export type DrainScope =
  /** The sources this operator serves: after it freed a slot, was activated or got a higher limit. */
  | { operatorId: number }
  /** This source and every source that shares an operator with it: after a pending intake or new weights. */
  | { sourceId: number }
  /** Every source: the sweep. */
  | "all";

/**
 * Per source, the id of the appeal this drain assigned last: its next head is above
 * it. The pending index keeps an entry for every appeal drained while an old
 * snapshot is open (a backup, a report) until VACUUM can remove it, all at the
 * queue's oldest end; a lookup from that end visits every one of them, so draining N
 * appeals under such a snapshot cost O(N²). An appeal below a floor that commits
 * late (its intake ran concurrently with the drain) is found by the next drain
 * without floors: the sweep ends with one.
 */
export type DrainFloors = { sourceIds: number[]; appealIds: number[] };

const NO_FLOORS: DrainFloors = { sourceIds: [], appealIds: [] };

export type DrainStep =
  | { outcome: "assigned"; appealId: number; sourceId: number }
  /** No pending appeal in scope has an operator that could take it: stop. */
  | { outcome: "idle" }
  /** A concurrent drain took the appeal, or the chosen operator filled up: look again. */
  | { outcome: "retry" };

/**
 * The candidates for an appeal of `source` (an SQL expression), and the choice
 * among them given a uniform draw in [0, 1): the SQL twin of selectOperator() in
 * selector.ts. Shares are integers, so the running sums are exact and both twins
 * agree bit for bit. `reserved` excludes operators whose slot belongs to an older
 * waiting appeal (OLDEST FIRST).
 */
function chooseOperator(source: Prisma.Sql, draw: number, reserved: Prisma.Sql) {
  return Prisma.sql`
    candidate AS (
      SELECT o.id,
             w.weight::float8 * CASE WHEN s.strategy = 'weighted_by_free_capacity'
                                     THEN o.max_load - o.active_load ELSE 1 END AS share
      FROM sources s
      JOIN operator_weights w ON w.source_id = s.id
      JOIN operators o ON o.id = w.operator_id
      WHERE s.id = ${source} AND o.is_active AND o.archived_at IS NULL AND o.active_load < o.max_load
        AND NOT EXISTS (${reserved})
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
    -- CAPACITY: counts the appeal against the chosen operator, only while it is below its limit.
    pick AS (
      UPDATE operators o SET active_load = o.active_load + 1
      FROM choice
      WHERE o.id = choice.id AND o.is_active AND o.archived_at IS NULL AND o.active_load < o.max_load
      RETURNING o.id, o.name
    )`;
}

/**
 * Whether the source has a waiting appeal, read from the newest end of the pending
 * index: the entries of appeals drained while an old snapshot was open (a backup, a
 * report) stay in the index, dead, at its oldest end, and an EXISTS probe from that
 * end would visit every one of them on every intake.
 */
const hasWaiting = (source: Prisma.Sql) => Prisma.sql`
  (SELECT max(p.id) FROM appeals p WHERE p.source_id = ${source} AND p.status = 'pending') IS NOT NULL`;

/**
 * OLDEST FIRST for an appeal entering distribution (an intake, a reopen): the sources that
 * share an operator with `source` and have appeals waiting. An operator serving one of them
 * keeps its free slot for that older appeal (RESERVED_FOR_WAITING).
 */
const waitingFor = (source: Prisma.Sql) => Prisma.sql`
  waiting AS MATERIALIZED (
    SELECT related.source_id FROM (
      SELECT DISTINCT w2.source_id
      FROM operator_weights w1 JOIN operator_weights w2 ON w2.operator_id = w1.operator_id
      WHERE w1.source_id = ${source}
    ) related
    WHERE ${hasWaiting(Prisma.sql`related.source_id`)}
  )`;
const RESERVED_FOR_WAITING = Prisma.sql`
  SELECT 1 FROM operator_weights r JOIN waiting ON waiting.source_id = r.source_id WHERE r.operator_id = o.id`;

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
  async intake(input: IntakeInput, draw: number, actor: string): Promise<IntakeResult> {
    // OLDEST FIRST: the sources that share an operator with this one and have appeals
    // waiting. An operator serving one of them keeps its free slot for that older appeal.
    const rows = await this.sql
      .rows<IntakeRow>(
        "appeal_intake",
        Prisma.sql`
      WITH src AS (SELECT id, name FROM sources WHERE id = ${input.sourceId} AND archived_at IS NULL),
      ${waitingFor(Prisma.sql`${input.sourceId}`)},
      -- Candidates of src, not of the id sent: an archived source has none, so no counter moves.
      ${chooseOperator(Prisma.sql`(SELECT id FROM src)`, draw, RESERVED_FOR_WAITING)},
      -- Nothing below is written when the chosen operator filled up meanwhile: the caller draws again.
      proceed AS (SELECT 1 FROM src WHERE EXISTS (SELECT 1 FROM pick) OR NOT EXISTS (SELECT 1 FROM choice)),
      sent AS (SELECT ${input.leadName}::text AS name, ${input.leadPhone}::text AS phone,
                      ${input.leadEmail}::text AS email),
      -- The stored profile, locked, so the values recorded as "before" are the ones replaced.
      known AS (
        SELECT l.id, l.name, l.phone, l.email FROM leads l, proceed
        WHERE l.external_id = ${input.leadExternalId}
        FOR UPDATE OF l
      ),
      changed AS (
        UPDATE leads l SET name = COALESCE(sent.name, l.name), phone = COALESCE(sent.phone, l.phone),
                           email = COALESCE(sent.email, l.email), updated_at = now()
        FROM known, sent
        WHERE l.id = known.id
          AND (COALESCE(sent.name, l.name), COALESCE(sent.phone, l.phone), COALESCE(sent.email, l.email))
              IS DISTINCT FROM (l.name, l.phone, l.email)
        RETURNING l.id, l.name, l.phone, l.email
      ),
      -- A new lead. When a concurrent first appeal of the same lead created it meanwhile,
      -- this one fills only the fields that one left empty, as if it had come first.
      created AS (
        INSERT INTO leads AS l (external_id, name, phone, email)
        SELECT ${input.leadExternalId}, sent.name, sent.phone, sent.email
        FROM proceed, sent WHERE NOT EXISTS (SELECT 1 FROM known)
        ON CONFLICT (external_id) DO UPDATE SET
          name = COALESCE(l.name, EXCLUDED.name), phone = COALESCE(l.phone, EXCLUDED.phone),
          email = COALESCE(l.email, EXCLUDED.email)
        RETURNING l.id
      ),
      lead AS (SELECT id FROM known UNION ALL SELECT id FROM created),
      appeal AS (
        INSERT INTO appeals (lead_id, source_id, operator_id, status, message, assigned_at)
        SELECT lead.id, ${input.sourceId}, pick.id,
               (CASE WHEN pick.id IS NULL THEN 'pending' ELSE 'active' END)::appeal_status,
               ${input.message}::text,
               CASE WHEN pick.id IS NULL THEN NULL ELSE now() END
        FROM lead LEFT JOIN pick ON true
        RETURNING id, status, message, created_at
      ),
      idempotency AS (
        INSERT INTO idempotency_keys (scope, key, request_hash, appeal_id)
        SELECT ${input.idempotencyScope}::int, ${input.idempotencyKey}::text, ${input.requestHash}::text, appeal.id
        FROM appeal WHERE ${input.idempotencyKey}::text IS NOT NULL
      ),
      audit AS (
        INSERT INTO audit_events (actor, action, entity_type, entity_id, appeal_id, details)
        SELECT ${actor}::text,
               CASE WHEN pick.id IS NULL THEN 'appeal.queued' ELSE 'appeal.assigned' END,
               'appeal', appeal.id, appeal.id,
               jsonb_strip_nulls(jsonb_build_object('source_id', src.id, 'lead_id', lead.id, 'operator_id', pick.id))
        FROM appeal CROSS JOIN src CROSS JOIN lead LEFT JOIN pick ON true
        UNION ALL
        SELECT ${actor}::text, 'lead.updated', 'lead', known.id, NULL,
               jsonb_build_object('before', diff.before, 'after', diff.after, 'appeal_id', appeal.id)
        FROM known JOIN changed ON changed.id = known.id CROSS JOIN appeal
        CROSS JOIN LATERAL (
          SELECT jsonb_object_agg(field, was) AS before, jsonb_object_agg(field, now_is) AS after
          FROM (VALUES ('name', known.name, changed.name), ('phone', known.phone, changed.phone),
                       ('email', known.email, changed.email)) AS f(field, was, now_is)
          WHERE was IS DISTINCT FROM now_is
        ) diff
      )
      SELECT src.name AS source_name, appeal.id AS appeal_id, appeal.status::text AS status, appeal.message,
             appeal.created_at, lead.id AS lead_id, ${input.leadExternalId}::text AS lead_external_id,
             pick.id AS operator_id, pick.name AS operator_name
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
    };
  }

  /**
   * One drain step: assigns the oldest pending appeal in scope whose source has an
   * operator that can take it, recording appeal.drained. The candidates are computed
   * first and the appeal row is locked only when one exists, so a step on a full
   * source takes no lock and no transaction id. The lock is FOR UPDATE, not SKIP
   * LOCKED: a step that waits for a concurrent one then sees everything committed
   * before it started, so the last step after any capacity event misses nothing.
   * `floors` skips what this drain has assigned already.
   */
  async drainStep(
    scope: DrainScope,
    draw: number,
    actor: string,
    floors: DrainFloors = NO_FLOORS,
  ): Promise<DrainStep> {
    const operatorId = typeof scope === "object" && "operatorId" in scope ? scope.operatorId : null;
    const sourceId = typeof scope === "object" && "sourceId" in scope ? scope.sourceId : null;
    // OLDEST FIRST across the scope's edge: an operator serving a source outside the
    // scope whose waiting appeal is older than this one keeps its slot for that appeal.
    const reserved = Prisma.sql`
      SELECT 1 FROM next, operator_weights r
      JOIN appeals older ON older.source_id = r.source_id AND older.status = 'pending'
      WHERE r.operator_id = o.id AND r.source_id <> next.source_id AND older.id < next.id`;
    const rows = await this.sql.rows<DrainStepRow>(
      "appeal_drain_step",
      Prisma.sql`
      WITH scope AS (
        SELECT w.source_id FROM operator_weights w WHERE w.operator_id = ${operatorId}::int
        UNION
        SELECT w2.source_id FROM operator_weights w1 JOIN operator_weights w2 ON w2.operator_id = w1.operator_id
        WHERE w1.source_id = ${sourceId}::int
        UNION
        SELECT id FROM sources WHERE id = ${sourceId}::int
        UNION
        SELECT id FROM sources WHERE ${operatorId}::int IS NULL AND ${sourceId}::int IS NULL
      ),
      -- The sources in scope that some operator could take an appeal of now.
      open AS (
        SELECT DISTINCT w.source_id FROM operator_weights w JOIN operators o ON o.id = w.operator_id
        WHERE w.source_id IN (SELECT source_id FROM scope) AND o.is_active AND o.archived_at IS NULL
          AND o.active_load < o.max_load
      ),
      -- Where each source's queue is known to start within this drain (see DrainFloors).
      floor AS (
        SELECT * FROM unnest(${floors.sourceIds}::int[], ${floors.appealIds}::int[]) AS f(source_id, after_id)
      ),
      head AS (
        SELECT min(first.id) AS id FROM open
        LEFT JOIN floor ON floor.source_id = open.source_id
        CROSS JOIN LATERAL (
          SELECT min(p.id) AS id FROM appeals p
          WHERE p.source_id = open.source_id AND p.status = 'pending' AND p.id > COALESCE(floor.after_id, 0)
        ) first
      ),
      next AS (
        SELECT a.id, a.source_id FROM appeals a JOIN head ON a.id = head.id
        WHERE a.status = 'pending'
        FOR UPDATE OF a
      ),
      ${chooseOperator(Prisma.sql`(SELECT source_id FROM next)`, draw, reserved)},
      assigned AS (
        UPDATE appeals a SET status = 'active', operator_id = pick.id, assigned_at = now()
        FROM next, pick
        WHERE a.id = next.id
        RETURNING a.id, a.source_id, a.operator_id
      ),
      audit AS (
        INSERT INTO audit_events (actor, action, entity_type, entity_id, appeal_id, details)
        SELECT ${actor}::text, 'appeal.drained', 'appeal', assigned.id, assigned.id,
               jsonb_build_object('source_id', assigned.source_id, 'operator_id', assigned.operator_id)
        FROM assigned
      )
      SELECT assigned.id AS appeal_id, assigned.source_id,
             (SELECT id FROM head) IS NOT NULL AS had_head,
             EXISTS (SELECT 1 FROM next) AS locked,
             EXISTS (SELECT 1 FROM choice) AS chosen
      FROM (SELECT 1) one LEFT JOIN assigned ON true`,
    );
    const row = rows[0];
    if (row?.appeal_id != null && row.source_id != null) {
      return { outcome: "assigned", appealId: row.appeal_id, sourceId: row.source_id };
    }
    if (!row?.had_head) return { outcome: "idle" };
    // The head was taken by a concurrent step (retry), or every operator that could take it
    // keeps its slot for an older appeal outside the scope (idle: the sweep places that one first).
    if (!row.locked) return { outcome: "retry" };
    return row.chosen ? { outcome: "retry" } : { outcome: "idle" };
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

  /**
   * Moves an active or pending appeal to `operatorId` in one statement: the appeal row is
   * locked first, then both operators' rows in id order (two transfers in opposite
   * directions never wait for each other crosswise). CAPACITY: without `force` the appeal
   * moves only while the target, as its locked (newest) row shows it, is active, not
   * archived, weighted for the appeal's source and below max_load; with `force` only
   * "not archived" is checked, an admin's override like lowering max_load. The target's
   * counter grows and the old operator's (if the appeal was active) shrinks in the same
   * statement, with appeal.assigned (from/to) as its event. The caller drains the freed slot.
   */
  async transfer(
    appealId: number,
    operatorId: number,
    force: boolean,
    actor: string,
  ): Promise<TransferResult> {
    const rows = await this.sql.rows<{
      previous_status: AppealStatus;
      previous_operator_id: number | null;
      found: boolean;
      name: string | null;
      is_active: boolean | null;
      archived: boolean | null;
      active_load: number | null;
      max_load: number | null;
      has_weight: boolean | null;
      moved: boolean;
    }>(
      "appeal_transfer",
      Prisma.sql`
      WITH target AS (
        SELECT id, status, operator_id, source_id FROM appeals WHERE id = ${appealId} FOR UPDATE
      ),
      -- Sorted, then locked row by row: always the lower id first. FOR NO KEY UPDATE returns
      -- each row as it is after any wait, so the checks below see the newest counters.
      locked AS (
        SELECT o.id, o.name, o.is_active, o.archived_at, o.active_load, o.max_load FROM operators o
        WHERE o.id IN (${operatorId}::int, (SELECT operator_id FROM target)) AND EXISTS (SELECT 1 FROM target)
        ORDER BY o.id
        FOR NO KEY UPDATE
      ),
      dest AS (
        SELECT l.*, EXISTS (
          SELECT 1 FROM operator_weights w, target WHERE w.operator_id = l.id AND w.source_id = target.source_id
        ) AS has_weight
        FROM locked l WHERE l.id = ${operatorId}::int
      ),
      allowed AS (
        SELECT 1 FROM target, dest
        WHERE target.status <> 'closed' AND target.operator_id IS DISTINCT FROM dest.id AND dest.archived_at IS NULL
          AND (${force}::boolean OR (dest.is_active AND dest.has_weight AND dest.active_load < dest.max_load))
      ),
      moved AS (
        UPDATE appeals a SET status = 'active', operator_id = ${operatorId}::int, assigned_at = now()
        FROM target, allowed
        WHERE a.id = target.id
        RETURNING a.id, a.source_id
      ),
      -- CAPACITY: +1 for the target, -1 for the old operator when the appeal was active.
      counted AS (
        UPDATE operators o SET active_load = o.active_load + CASE WHEN o.id = ${operatorId}::int THEN 1 ELSE -1 END
        FROM target
        WHERE EXISTS (SELECT 1 FROM moved)
          AND (o.id = ${operatorId}::int OR (o.id = target.operator_id AND target.status = 'active'))
      ),
      audit AS (
        INSERT INTO audit_events (actor, action, entity_type, entity_id, appeal_id, details)
        SELECT ${actor}::text, 'appeal.assigned', 'appeal', moved.id, moved.id,
               jsonb_strip_nulls(jsonb_build_object(
                 'source_id', moved.source_id, 'operator_id', ${operatorId}::int,
                 'from_operator_id', target.operator_id, 'previous_status', target.status::text,
                 'transfer', true, 'force', ${force}::boolean))
        FROM moved CROSS JOIN target
      )
      SELECT target.status::text AS previous_status, target.operator_id AS previous_operator_id,
             dest.id IS NOT NULL AS found, dest.name, dest.is_active, dest.archived_at IS NOT NULL AS archived,
             dest.active_load, dest.max_load, dest.has_weight, EXISTS (SELECT 1 FROM moved) AS moved
      FROM target LEFT JOIN dest ON true`,
    );
    const row = rows[0];
    if (!row) return { outcome: "appeal_not_found" };
    if (!row.found) return { outcome: "operator_not_found" };
    if (row.previous_status === "closed") return { outcome: "closed" };
    if (row.moved) {
      return {
        outcome: "moved",
        previousStatus: row.previous_status,
        previousOperatorId: row.previous_operator_id,
      };
    }
    if (row.previous_operator_id === operatorId) return { outcome: "unchanged" };
    return {
      outcome: "refused",
      target: {
        name: row.name as string,
        isActive: row.is_active as boolean,
        archived: row.archived as boolean,
        activeLoad: row.active_load as number,
        maxLoad: row.max_load as number,
        hasWeight: row.has_weight as boolean,
      },
    };
  }

  /**
   * Sends a closed appeal back through distribution in one statement, with the rules of
   * an intake: the same candidates, OLDEST FIRST reservation and weighted draw, CAPACITY
   * through the same conditional counter update. Active when an operator was chosen,
   * pending otherwise (it keeps its id, so among pending appeals it is as old as it is).
   * Records appeal.reopened. Writes nothing when the chosen operator filled up (lost_race).
   */
  async reopen(appealId: number, draw: number, actor: string): Promise<ReopenResult> {
    const rows = await this.sql.rows<{
      previous_status: AppealStatus;
      source_id: number;
      status: AppealStatus | null;
    }>(
      "appeal_reopen",
      Prisma.sql`
      WITH target AS (
        SELECT id, status, source_id FROM appeals WHERE id = ${appealId} FOR UPDATE
      ),
      closed AS (SELECT id, source_id FROM target WHERE status = 'closed'),
      ${waitingFor(Prisma.sql`(SELECT source_id FROM closed)`)},
      ${chooseOperator(Prisma.sql`(SELECT source_id FROM closed)`, draw, RESERVED_FOR_WAITING)},
      reopened AS (
        UPDATE appeals a
        SET status = (CASE WHEN pick.id IS NULL THEN 'pending' ELSE 'active' END)::appeal_status,
            operator_id = pick.id, assigned_at = CASE WHEN pick.id IS NULL THEN NULL ELSE now() END,
            closed_at = NULL
        FROM closed LEFT JOIN pick ON true
        WHERE a.id = closed.id AND (EXISTS (SELECT 1 FROM pick) OR NOT EXISTS (SELECT 1 FROM choice))
        RETURNING a.id, a.status, a.operator_id, a.source_id
      ),
      audit AS (
        INSERT INTO audit_events (actor, action, entity_type, entity_id, appeal_id, details)
        SELECT ${actor}::text, 'appeal.reopened', 'appeal', reopened.id, reopened.id,
               jsonb_strip_nulls(jsonb_build_object('source_id', reopened.source_id,
                 'status', reopened.status::text, 'operator_id', reopened.operator_id))
        FROM reopened
      )
      SELECT target.status::text AS previous_status, target.source_id, reopened.status::text AS status
      FROM target LEFT JOIN reopened ON true`,
    );
    const row = rows[0];
    if (!row) return { outcome: "not_found" };
    if (row.previous_status !== "closed") return { outcome: "not_closed" };
    if (row.status === null) return { outcome: "lost_race" };
    return { outcome: "reopened", status: row.status as "active" | "pending", sourceId: row.source_id };
  }

  /**
   * Archives the operator in one statement, removing its weights (it is no candidate
   * anywhere again). Without `reassign` only while it holds no active appeal, checked on
   * its row after any wait (an assignment waiting behind it then sees it archived and
   * draws again). With `reassign` its active appeals are locked first (in id order, as a
   * close locks its appeal before the operator), turned pending, recorded as appeal.queued,
   * and its counter falls by exactly their number in the same statement (CAPACITY). Appeals
   * assigned to it by statements that committed while this one waited for its row are not
   * in this statement's snapshot: `remaining` tells, and a second run (no new ones can come
   * once it is archived) releases them. Records operator.archived once.
   */
  async archiveOperator(
    operatorId: number,
    reassign: boolean,
    actor: string,
  ): Promise<ArchiveOperatorResult> {
    const rows = await this.sql.rows<{
      active_load: number;
      was_archived: boolean;
      updated: boolean;
      remaining: number | null;
      released: number;
      source_ids: number[];
    }>(
      "operator_archive",
      Prisma.sql`
      WITH release AS (
        SELECT a.id FROM appeals a
        WHERE a.operator_id = ${operatorId}::int AND a.status = 'active' AND ${reassign}::boolean
        ORDER BY a.id
        FOR UPDATE
      ),
      freed AS (
        UPDATE appeals a SET status = 'pending', operator_id = NULL, assigned_at = NULL
        FROM release WHERE a.id = release.id
        RETURNING a.id, a.source_id
      ),
      archived AS (
        UPDATE operators o
        SET archived_at = COALESCE(o.archived_at, now()),
            updated_at = CASE WHEN o.archived_at IS NULL THEN now() ELSE o.updated_at END,
            active_load = o.active_load - (SELECT count(*) FROM freed)
        WHERE o.id = ${operatorId}::int
          AND (EXISTS (SELECT 1 FROM freed)
               OR (o.archived_at IS NULL AND (${reassign}::boolean OR o.active_load = 0)))
        -- now() (this transaction's start, at the column's precision) only when this statement archived it.
        RETURNING o.id, o.active_load, o.archived_at = now()::timestamptz(3) AS newly
      ),
      unweighted AS (
        DELETE FROM operator_weights w USING archived
        WHERE w.operator_id = archived.id AND archived.newly
        RETURNING w.source_id, w.weight
      ),
      audit AS (
        INSERT INTO audit_events (actor, action, entity_type, entity_id, appeal_id, details)
        SELECT ${actor}::text, 'operator.archived', 'operator', archived.id, NULL,
               jsonb_build_object('reassigned', (SELECT count(*) FROM freed),
                 'weights_removed', COALESCE((SELECT jsonb_agg(jsonb_build_object('source_id', u.source_id,
                   'weight', u.weight) ORDER BY u.source_id) FROM unweighted u), '[]'::jsonb))
        FROM archived WHERE archived.newly
        UNION ALL
        SELECT ${actor}::text, 'appeal.queued', 'appeal', freed.id, freed.id,
               jsonb_build_object('source_id', freed.source_id, 'previous_operator_id', ${operatorId}::int,
                                  'reason', 'operator_archived')
        FROM freed
      )
      SELECT o.active_load, o.archived_at IS NOT NULL AS was_archived,
             EXISTS (SELECT 1 FROM archived) AS updated, (SELECT active_load FROM archived) AS remaining,
             (SELECT count(*) FROM freed)::int AS released,
             ARRAY(SELECT DISTINCT source_id FROM freed ORDER BY source_id) AS source_ids
      FROM operators o WHERE o.id = ${operatorId}::int`,
    );
    const row = rows[0];
    if (!row) return { outcome: "not_found" };
    if (!row.updated && (row.active_load > 0 || !row.was_archived)) {
      return { outcome: "has_active", activeAppeals: row.active_load };
    }
    return {
      outcome: "archived",
      released: row.released,
      remaining: row.remaining ?? 0,
      sourceIds: row.source_ids,
    };
  }
}
