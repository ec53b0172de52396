-- Hand-written: the audit trail becomes the event log (one row per change, read by the
-- audit routes, the live stream and webhooks). Renames keep every recorded event; the
-- rows recorded before this migration keep their types and get an empty `data`.
ALTER TABLE "audit_events" RENAME TO "events";
ALTER TABLE "events" RENAME COLUMN "action" TO "type";
ALTER TABLE "events" ADD COLUMN "operator_id" INTEGER,
                     ADD COLUMN "source_id" INTEGER,
                     ADD COLUMN "data" JSONB NOT NULL DEFAULT '{}';
ALTER INDEX "audit_events_pkey" RENAME TO "events_pkey";
ALTER INDEX "audit_events_appeal_id_id_idx" RENAME TO "events_appeal_id_id_idx";
ALTER INDEX "audit_events_occurred_at_id_idx" RENAME TO "events_occurred_at_id_idx";
ALTER INDEX "audit_events_entity_type_entity_id_id_idx" RENAME TO "events_entity_type_entity_id_id_idx";
ALTER SEQUENCE "audit_events_id_seq" RENAME TO "events_id_seq";

-- Readers deliver events in id order and must never skip one that commits late. An id
-- drawn by a transaction still running shows as a gap; the gap is final once every
-- transaction that was running when it was seen has ended, which a reader can tell
-- from snapshots (pg_snapshot_xmin passing an earlier pg_snapshot_xmax) only if the
-- writer already had a transaction id when it drew the event id. nextval() alone does
-- not assign one, so the id's default takes the transaction id first.
CREATE FUNCTION "next_event_id"() RETURNS BIGINT LANGUAGE sql VOLATILE AS $$
  SELECT CASE WHEN pg_current_xact_id() IS NOT NULL THEN nextval('events_id_seq') END
$$;
ALTER TABLE "events" ALTER COLUMN "id" SET DEFAULT next_event_id();
