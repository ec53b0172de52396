// The invariants of every statement that moves an appeal between pending, active
// and closed, and with it an operator's `active_load` counter, and the SQL they
// share. The statements live in distribution.repository.ts (intake, close),
// drain.repository.ts (a drain step) and appeal-moves.repository.ts (transfer,
// reopen, archive); all keep two invariants together:
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
// The same holds for the everyday operations: a transfer, a reopen and an
// archive with reassign are one statement each. Locks are always taken appeals first,
// then operators (in id order when there are two), as a close and a drain step do, so
// no two of these statements wait for each other crosswise. Archived operators are never
// candidates (candidate, pick, open); archived sources take no intake, but an appeal of
// one that exists (stored by an intake in flight as it was archived, or reopened) is
// still distributed, so nothing can wait forever.
//
// Each of these statements is atomic on its own: an assignment is one statement, so
// the critical section is one row lock held for one statement. Each one also
// records its audit events (appeal.queued, appeal.assigned, appeal.drained,
// appeal.closed, appeal.reopened, operator.archived, lead.updated in events)
// as more data-modifying CTEs of the same statement: a change and its event commit
// together or not at all, with no extra round trip and no longer lock. The actor is the label of the API key whose
// request caused it ("sweep" for the periodic sweep).
//
//   OWN APPEALS: an operator key closes and transfers its own appeals only. The condition
//   (ownedBy) sits on the statement's `FOR UPDATE` of the appeal, which PostgreSQL re-checks on
//   the newest row version after waiting for a concurrent move: an appeal transferred away
//   meanwhile is not found, and the statement writes nothing (the 404 of a missing appeal).
//
// What the statements cannot promise alone (a drain that never ran because the
// process died after a close committed) the sweep repairs: sweep.ts.
import { Prisma } from "../../generated/prisma/client.js";

export type AppealStatus = "pending" | "active" | "closed";

/**
 * OWN APPEALS: the condition on the locked appeal row (no alias: `FROM appeals WHERE id = ...`)
 * that keeps an operator key to its own appeals; nothing for other callers (null).
 */
export function ownedBy(operator: number | null): Prisma.Sql {
  return operator === null ? Prisma.empty : Prisma.sql`AND operator_id = ${operator}::int`;
}

/**
 * The candidates for an appeal of `source` (an SQL expression), and the choice
 * among them given a uniform draw in [0, 1): the SQL twin of selectOperator() in
 * selector.ts. Shares are integers, so the running sums are exact and both twins
 * agree bit for bit. `notReserved` is a condition on a candidate's weight row `w`
 * that excludes operators whose slot belongs to an older waiting appeal (OLDEST
 * FIRST); `sourceCondition` adds conditions on the source `s`.
 * Pass the source as a parameter where there is one (the intake): the planner then
 * starts from the source's weights instead of from every operator.
 */
export function chooseOperator(
  source: Prisma.Sql,
  draw: number,
  notReserved: Prisma.Sql,
  sourceCondition: Prisma.Sql = Prisma.empty,
) {
  return Prisma.sql`
    candidate AS (
      SELECT o.id,
             w.weight::float8 * CASE WHEN s.strategy = 'weighted_by_free_capacity'
                                     THEN o.max_load - o.active_load ELSE 1 END AS share
      FROM sources s
      JOIN operator_weights w ON w.source_id = s.id
      -- The source's weights, then each operator by its key. The fence (OFFSET 0) keeps that
      -- plan whatever the statistics say: without any (autovacuum off, a new database) the
      -- planner scanned every operator and looked up a weight for each, twice per intake.
      CROSS JOIN LATERAL (
        SELECT o.id, o.max_load, o.active_load FROM operators o
        WHERE o.id = w.operator_id AND o.is_active AND o.archived_at IS NULL AND o.active_load < o.max_load
        OFFSET 0
      ) o
      WHERE s.id = ${source} ${sourceCondition}
        AND ${notReserved}
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
      WHERE o.id = (SELECT id FROM choice) AND o.is_active AND o.archived_at IS NULL AND o.active_load < o.max_load
      RETURNING o.id, o.name
    )`;
}

/**
 * Whether the source has a waiting appeal, read from the newest end of the pending
 * index: the entries of appeals drained while an old snapshot was open (a backup, a
 * report) stay in the index, dead, at its oldest end, and an EXISTS probe from that
 * end would visit every one of them on every intake.
 */
export const hasWaiting = (source: Prisma.Sql) => Prisma.sql`
  (SELECT max(p.id) FROM appeals p WHERE p.source_id = ${source} AND p.status = 'pending') IS NOT NULL`;

/**
 * OLDEST FIRST for an appeal of `source` entering distribution (an intake, a reopen), as
 * chooseOperator's `notReserved`: an operator keeps its free slot for an older waiting
 * appeal of any source it serves. When `source` itself has appeals waiting, every
 * candidate serves it and none may take the new appeal; otherwise the operators that
 * also serve another source with appeals waiting are left out.
 * Arrays computed once per statement (InitPlans), not joins: on tables this small the
 * hash tables of a join cost more than the lookups, and a hashed NOT IN on `o.id` made
 * the planner scan every operator row (docs/PERFORMANCE.md, "The intake statement").
 */
export const notReservedForWaiting = (source: Prisma.Sql) => Prisma.sql`
  NOT (${hasWaiting(source)})
  AND w.operator_id <> ALL (ARRAY(
    SELECT other.operator_id FROM operator_weights other
    WHERE other.operator_id = ANY (ARRAY(
            SELECT mine.operator_id FROM operator_weights mine WHERE mine.source_id = ${source}))
      AND other.source_id <> ${source}
      AND ${hasWaiting(Prisma.sql`other.source_id`)}))`;
