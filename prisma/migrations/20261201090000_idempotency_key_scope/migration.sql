-- AlterTable
ALTER TABLE "idempotency_keys" DROP CONSTRAINT "idempotency_keys_pkey",
ADD COLUMN     "scope" INTEGER NOT NULL DEFAULT 0,
ADD CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY ("scope", "key");


-- Hand-written: the keys stored before this migration keep working for the bot that
-- sent them. Their owner is the API key whose label the appeal's intake event names,
-- when exactly one key has that label; the others stay in scope 0 (open mode).
UPDATE "idempotency_keys" k SET "scope" = owner.id
FROM (
  SELECT e.appeal_id, min(ak.id) AS id, count(DISTINCT ak.id) AS keys
  FROM "audit_events" e JOIN "api_keys" ak ON ak.label = e.actor
  WHERE e.action IN ('appeal.assigned', 'appeal.queued')
  GROUP BY e.appeal_id
) owner
WHERE owner.appeal_id = k.appeal_id AND owner.keys = 1;
