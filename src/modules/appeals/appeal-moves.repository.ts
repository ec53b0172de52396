// The everyday operations that move an appeal outside the intake-drain-close path:
// a transfer, a reopen and an archive with reassign, one SQL statement each, under
// the invariants named in distribution.sql.ts (CAPACITY, OLDEST FIRST).
import type { SqlClient } from "../../db/sql.js";
import { Prisma } from "../../generated/prisma/client.js";
import { operatorData, storedAppealData } from "../events/event-data.sql.js";
import { type AppealStatus, chooseOperator, notReservedForWaiting, ownedBy } from "./distribution.sql.js";

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

export class AppealMovesRepository {
  constructor(private readonly sql: SqlClient) {}

  /**
   * Moves an active or pending appeal to `operatorId` in one statement: the appeal row is
   * locked first, then both operators' rows in id order (two transfers in opposite
   * directions never wait for each other crosswise). CAPACITY: without `force` the appeal
   * moves only while the target, as its locked (newest) row shows it, is active, not
   * archived, weighted for the appeal's source and below max_load; with `force` only
   * "not archived" is checked, an admin's override like lowering max_load. The target's
   * counter grows and the old operator's (if the appeal was active) shrinks in the same
   * statement, with appeal.assigned (from/to) as its event. The caller drains the freed slot.
   * With `owner` (an operator key's operator) only that operator's appeal is found (OWN
   * APPEALS); another's is appeal_not_found, and nothing is locked or written.
   */
  async transfer(
    appealId: number,
    operatorId: number,
    force: boolean,
    actor: string,
    owner: number | null = null,
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
      // Two texts, two names: a name is prepared once per connection with one text (sql.ts).
      owner === null ? "appeal_transfer" : "appeal_transfer_owned",
      Prisma.sql`
      WITH target AS (
        SELECT id, status, operator_id, source_id FROM appeals WHERE id = ${appealId} ${ownedBy(owner)} FOR UPDATE
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
        RETURNING a.*
      ),
      -- CAPACITY: +1 for the target, -1 for the old operator when the appeal was active.
      counted AS (
        UPDATE operators o SET active_load = o.active_load + CASE WHEN o.id = ${operatorId}::int THEN 1 ELSE -1 END
        FROM target
        WHERE EXISTS (SELECT 1 FROM moved)
          AND (o.id = ${operatorId}::int OR (o.id = target.operator_id AND target.status = 'active'))
      ),
      audit AS (
        INSERT INTO events (actor, type, entity_type, entity_id, appeal_id, operator_id, source_id, data, details)
        SELECT ${actor}::text, 'appeal.assigned', 'appeal', moved.id, moved.id, moved.operator_id,
               moved.source_id, ${storedAppealData("moved")},
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
      ${chooseOperator(
        Prisma.sql`(SELECT source_id FROM closed)`,
        draw,
        notReservedForWaiting(Prisma.sql`(SELECT source_id FROM closed)`),
      )},
      reopened AS (
        UPDATE appeals a
        SET status = (CASE WHEN pick.id IS NULL THEN 'pending' ELSE 'active' END)::appeal_status,
            operator_id = pick.id, assigned_at = CASE WHEN pick.id IS NULL THEN NULL ELSE now() END,
            closed_at = NULL
        FROM closed LEFT JOIN pick ON true
        WHERE a.id = closed.id AND (EXISTS (SELECT 1 FROM pick) OR NOT EXISTS (SELECT 1 FROM choice))
        RETURNING a.*
      ),
      audit AS (
        INSERT INTO events (actor, type, entity_type, entity_id, appeal_id, operator_id, source_id, data, details)
        SELECT ${actor}::text, 'appeal.reopened', 'appeal', reopened.id, reopened.id, reopened.operator_id,
               reopened.source_id, ${storedAppealData("reopened")},
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
        RETURNING a.*
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
        RETURNING o.*, o.archived_at = now()::timestamptz(3) AS newly
      ),
      unweighted AS (
        DELETE FROM operator_weights w USING archived
        WHERE w.operator_id = archived.id AND archived.newly
        RETURNING w.source_id, w.weight
      ),
      audit AS (
        INSERT INTO events (actor, type, entity_type, entity_id, appeal_id, operator_id, source_id, data, details)
        SELECT ${actor}::text, 'operator.archived', 'operator', archived.id, NULL, archived.id, NULL,
               ${operatorData("archived")},
               jsonb_build_object('reassigned', (SELECT count(*) FROM freed),
                 'weights_removed', COALESCE((SELECT jsonb_agg(jsonb_build_object('source_id', u.source_id,
                   'weight', u.weight) ORDER BY u.source_id) FROM unweighted u), '[]'::jsonb))
        FROM archived WHERE archived.newly
        UNION ALL
        SELECT ${actor}::text, 'appeal.queued', 'appeal', freed.id, freed.id, ${operatorId}::int, freed.source_id,
               ${storedAppealData("freed")},
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
