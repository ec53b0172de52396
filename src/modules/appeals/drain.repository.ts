// One drain step: the statement that assigns the oldest waiting appeal some operator
// can take, under the invariants named in distribution.sql.ts (CAPACITY, OLDEST FIRST).
// The service loops over it (distribution.service.ts); the sweep runs it over every source.
import type { SqlClient } from "../../db/sql.js";
import { Prisma } from "../../generated/prisma/client.js";
import { storedAppealData } from "../events/event-data.sql.js";
import { chooseOperator } from "./distribution.sql.js";

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

export class DrainRepository {
  constructor(private readonly sql: SqlClient) {}

  /**
   * One drain step: assigns the oldest pending appeal in scope whose source has an
   * operator that can take it, recording appeal.drained. The candidates are computed
   * first and the appeal row is locked only when one exists, so a step on a full
   * source takes no lock and no transaction id. The lock is FOR UPDATE, not SKIP
   * LOCKED: a step that waits for a concurrent one then sees everything committed
   * before it started, so the last step after any capacity event misses nothing.
   * `floors` skips what this drain has assigned already.
   */
  async step(
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
      SELECT r.operator_id FROM next
      JOIN operator_weights mine ON mine.source_id = next.source_id
      JOIN operator_weights r ON r.operator_id = mine.operator_id AND r.source_id <> next.source_id
      WHERE EXISTS (SELECT 1 FROM appeals older
                    WHERE older.source_id = r.source_id AND older.status = 'pending' AND older.id < next.id)`;
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
      ${chooseOperator(Prisma.sql`(SELECT source_id FROM next)`, draw, Prisma.sql`w.operator_id NOT IN (${reserved})`)},
      assigned AS (
        UPDATE appeals a SET status = 'active', operator_id = pick.id, assigned_at = now()
        FROM next, pick
        WHERE a.id = next.id
        RETURNING a.*
      ),
      audit AS (
        INSERT INTO events (actor, type, entity_type, entity_id, appeal_id, operator_id, source_id, data, details)
        SELECT ${actor}::text, 'appeal.assigned', 'appeal', assigned.id, assigned.id, assigned.operator_id,
               assigned.source_id, ${storedAppealData("assigned")},
               jsonb_build_object('source_id', assigned.source_id, 'operator_id', assigned.operator_id,
                                  'via', 'drain')
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
}
