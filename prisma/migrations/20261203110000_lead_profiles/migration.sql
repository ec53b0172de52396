-- AlterTable
ALTER TABLE "leads" ADD COLUMN     "blocked_at" TIMESTAMPTZ(3),
ADD COLUMN     "company" VARCHAR(200),
ADD COLUMN     "consent_given_at" TIMESTAMPTZ(3),
ADD COLUMN     "consent_text_version" VARCHAR(50),
ADD COLUMN     "erased_at" TIMESTAMPTZ(3),
ADD COLUMN     "first_name" VARCHAR(100),
ADD COLUMN     "heard_from" VARCHAR(200),
ADD COLUMN     "last_name" VARCHAR(100),
ADD COLUMN     "middle_name" VARCHAR(100),
ADD COLUMN     "notes" TEXT,
ADD COLUMN     "phone_e164" VARCHAR(16),
ADD COLUMN     "position" VARCHAR(200),
ADD COLUMN     "second_phone" VARCHAR(50),
ADD COLUMN     "second_phone_e164" VARCHAR(16),
ADD COLUMN     "tags" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];

-- Hand-written (the schema language cannot say these).

-- Lead search (GET /leads?search=) by name parts, tolerant of typos, and bookings' exclusion
-- constraints. Both are trusted extensions on PostgreSQL 13+; the embedded database registers
-- them on every open (src/db/embedded.ts).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- Every name part and the display name, lower case, ё read as е: what a search compares with.
-- Generated, so no writer can forget it; lower() and translate() are immutable.
ALTER TABLE "leads" ADD COLUMN "search_name" TEXT GENERATED ALWAYS AS (
  translate(lower(coalesce("name", '') || ' ' || coalesce("last_name", '') || ' ' ||
                  coalesce("first_name", '') || ' ' || coalesce("middle_name", '')), 'ё', 'е')
) STORED;
CREATE INDEX "leads_search_name_trgm_idx" ON "leads" USING gin ("search_name" gin_trgm_ops);

-- Exact lookups. Partial: a lead without a phone, an email or tags (most leads a bot creates)
-- adds no entry, so the intake's insert stays as cheap as it can.
CREATE INDEX "leads_phone_e164_idx" ON "leads" ("phone_e164") WHERE "phone_e164" IS NOT NULL;
CREATE INDEX "leads_second_phone_e164_idx" ON "leads" ("second_phone_e164") WHERE "second_phone_e164" IS NOT NULL;
CREATE INDEX "leads_email_lower_idx" ON "leads" (lower("email")) WHERE "email" IS NOT NULL;
CREATE INDEX "leads_tags_idx" ON "leads" USING gin ("tags") WHERE "tags" <> '{}';
