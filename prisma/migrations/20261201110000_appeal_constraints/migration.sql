-- DropForeignKey
ALTER TABLE "appeals" DROP CONSTRAINT "appeals_operator_id_fkey";

-- AddForeignKey
ALTER TABLE "appeals" ADD CONSTRAINT "appeals_operator_id_fkey" FOREIGN KEY ("operator_id") REFERENCES "operators"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- Hand-written: rules Prisma's schema language cannot express.
-- (appeals_lead_id_fkey and appeals_source_id_fkey are ON DELETE RESTRICT since
-- 20261121233100; only the operator's was SET NULL.)
--
-- An active appeal always has an operator: it is what active_load counts, and a close
-- releases that operator's slot. Until now deleting an operator (manual SQL: the API has
-- no delete) set its appeals' operator_id to NULL and left active ones active, with no
-- operator to answer them. Those appeals go back to the queue, as if they had just
-- arrived without a candidate, and the drain or the periodic sweep assigns them; each
-- move is recorded like an intake that queued. Without this the CHECK below would fail
-- on such a row and stop every instance from starting.
WITH requeued AS (
  UPDATE "appeals" SET "status" = 'pending', "assigned_at" = NULL
  WHERE "status" = 'active' AND "operator_id" IS NULL
  RETURNING "id", "source_id", "lead_id"
)
INSERT INTO "audit_events" ("actor", "action", "entity_type", "entity_id", "appeal_id", "details")
SELECT 'migration:20261201110000_appeal_constraints', 'appeal.queued', 'appeal', "id", "id",
       jsonb_build_object('source_id', "source_id", 'lead_id', "lead_id", 'reason', 'operator deleted')
FROM requeued;

-- Plain, not NOT VALID + VALIDATE: the migrator runs a migration in one transaction, so the
-- ACCESS EXCLUSIVE lock that ADD CONSTRAINT takes lasts until commit either way and a
-- VALIDATE in the same transaction would scan under it all the same. The scan is one pass
-- over appeals (about as long as the foreign key's above), and the UPDATE above leaves no
-- row that could fail it.
ALTER TABLE "appeals" ADD CONSTRAINT "appeals_active_has_operator"
  CHECK ("status" <> 'active' OR "operator_id" IS NOT NULL);
