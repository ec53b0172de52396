-- CreateTable
CREATE TABLE "appeal_counts" (
    "source_id" INTEGER NOT NULL,
    "operator_id" INTEGER NOT NULL DEFAULT 0,
    "status" "appeal_status" NOT NULL,
    "n" BIGINT NOT NULL,

    CONSTRAINT "appeal_counts_pkey" PRIMARY KEY ("source_id","operator_id","status")
);


-- Hand-written: the triggers that keep appeal_counts equal to
--   SELECT source_id, COALESCE(operator_id, 0), status, count(*) FROM appeals GROUP BY 1, 2, 3
-- (rows whose n fell to 0 may remain), so GET /stats/distribution reads ~one row per
-- source, operator and status instead of aggregating every appeal.
--
-- Triggers, not the service's statements, so that every writer keeps the counts right:
-- intake, drain and close, the seed, bench/prefill.sql, manual SQL. Statement-level
-- with transition tables, so a statement costs one aggregate and one upsert per
-- (source, operator, status) it touched, however many rows it wrote: a bulk INSERT of
-- 1M appeals is one upsert of ~100 rows, not a million row-level trigger calls.
-- The counter rows are upserted in key order, so two statements never wait for each
-- other's counter rows in opposite orders (no deadlock between writers of appeals).
-- The row locks last until commit: writers of the same (source, operator, status)
-- serialize from their trigger to their commit. For assigned appeals that is already
-- the case on the operator's row (active_load); pending appeals of one source now
-- also serialize on the source's (source, 0, 'pending') row.
-- No foreign keys: a counter row must never make a write of appeals fail or wait on
-- another table's lock.
CREATE FUNCTION "appeal_counts_after_insert"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO appeal_counts AS c (source_id, operator_id, status, n)
  SELECT source_id, COALESCE(operator_id, 0), status, count(*)
  FROM new_appeals
  GROUP BY 1, 2, 3
  ORDER BY 1, 2, 3
  ON CONFLICT (source_id, operator_id, status) DO UPDATE SET n = c.n + EXCLUDED.n;
  RETURN NULL;
END $$;

-- An update moves appeals between counters: -1 for each old row, +1 for each new one.
-- Updates that change none of the three columns (timestamps, message) net to zero and
-- touch no counter row.
CREATE FUNCTION "appeal_counts_after_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO appeal_counts AS c (source_id, operator_id, status, n)
  SELECT source_id, operator_id, status, sum(delta)
  FROM (
    SELECT source_id, COALESCE(operator_id, 0) AS operator_id, status, 1 AS delta FROM new_appeals
    UNION ALL
    SELECT source_id, COALESCE(operator_id, 0), status, -1 FROM old_appeals
  ) moved
  GROUP BY 1, 2, 3
  HAVING sum(delta) <> 0
  ORDER BY 1, 2, 3
  ON CONFLICT (source_id, operator_id, status) DO UPDATE SET n = c.n + EXCLUDED.n;
  RETURN NULL;
END $$;

-- The service never deletes appeals; manual SQL may.
CREATE FUNCTION "appeal_counts_after_delete"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO appeal_counts AS c (source_id, operator_id, status, n)
  SELECT source_id, COALESCE(operator_id, 0), status, -count(*)
  FROM old_appeals
  GROUP BY 1, 2, 3
  ORDER BY 1, 2, 3
  ON CONFLICT (source_id, operator_id, status) DO UPDATE SET n = c.n + EXCLUDED.n;
  RETURN NULL;
END $$;

-- TRUNCATE fires no delete trigger; an emptied appeals table has no counts.
CREATE FUNCTION "appeal_counts_after_truncate"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM appeal_counts;
  RETURN NULL;
END $$;

-- From here until this migration commits no one writes appeals (this lock conflicts
-- with every writer's), so the backfill below and the triggers start from the same state.
LOCK TABLE "appeals" IN SHARE ROW EXCLUSIVE MODE;

CREATE TRIGGER "appeal_counts_insert" AFTER INSERT ON "appeals"
  REFERENCING NEW TABLE AS new_appeals
  FOR EACH STATEMENT EXECUTE FUNCTION "appeal_counts_after_insert"();
CREATE TRIGGER "appeal_counts_update" AFTER UPDATE ON "appeals"
  REFERENCING OLD TABLE AS old_appeals NEW TABLE AS new_appeals
  FOR EACH STATEMENT EXECUTE FUNCTION "appeal_counts_after_update"();
CREATE TRIGGER "appeal_counts_delete" AFTER DELETE ON "appeals"
  REFERENCING OLD TABLE AS old_appeals
  FOR EACH STATEMENT EXECUTE FUNCTION "appeal_counts_after_delete"();
CREATE TRIGGER "appeal_counts_truncate" AFTER TRUNCATE ON "appeals"
  FOR EACH STATEMENT EXECUTE FUNCTION "appeal_counts_after_truncate"();

-- Backfill: the counts of the appeals stored before this migration.
INSERT INTO "appeal_counts" ("source_id", "operator_id", "status", "n")
SELECT "source_id", COALESCE("operator_id", 0), "status", count(*)
FROM "appeals"
GROUP BY 1, 2, 3;
