-- CreateEnum
CREATE TYPE "booking_status" AS ENUM ('tentative', 'confirmed', 'cancelled', 'completed');

-- CreateTable
CREATE TABLE "resources" (
    "id" SERIAL NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "kind" VARCHAR(100),
    "capacity" INTEGER,
    "opening_hours" JSONB,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "archived_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "resources_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "bookings" (
    "id" SERIAL NOT NULL,
    "lead_id" INTEGER NOT NULL,
    "players" INTEGER,
    "kind" VARCHAR(100),
    "extras" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "notes" TEXT,
    "status" "booking_status" NOT NULL DEFAULT 'confirmed',
    "created_by" VARCHAR(200) NOT NULL,
    "reminded_for" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "bookings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "booking_items" (
    "id" SERIAL NOT NULL,
    "booking_id" INTEGER NOT NULL,
    "resource_id" INTEGER NOT NULL,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3) NOT NULL,
    "status" "booking_status" NOT NULL,
    "sequence" INTEGER NOT NULL DEFAULT 0,
    "removed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "booking_items_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "bookings_lead_id_id_idx" ON "bookings"("lead_id", "id");

-- CreateIndex
CREATE INDEX "booking_items_booking_id_id_idx" ON "booking_items"("booking_id", "id");

-- CreateIndex
CREATE INDEX "booking_items_starts_at_idx" ON "booking_items"("starts_at");

-- AddForeignKey
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_lead_id_fkey" FOREIGN KEY ("lead_id") REFERENCES "leads"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "booking_items" ADD CONSTRAINT "booking_items_booking_id_fkey" FOREIGN KEY ("booking_id") REFERENCES "bookings"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "booking_items" ADD CONSTRAINT "booking_items_resource_id_fkey" FOREIGN KEY ("resource_id") REFERENCES "resources"("id") ON DELETE RESTRICT ON UPDATE CASCADE;



-- Hand-written (the schema language cannot say these).

-- btree_gist lets one gist index compare resource_id with = beside the ranges' &&. Created by
-- 20261203110000_lead_profiles already; repeated so this migration says what it needs.
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- NO DOUBLE BOOKING: no two items of one resource that are not cancelled overlap in time.
-- Half-open ranges, so back-to-back items (10:00-11:00, 11:00-12:00) do not overlap. This
-- constraint is the only concurrency rule of bookings: two transactions inserting overlapping
-- items both wait on its index and the second fails with 23P01 (exclusion_violation), which
-- POST and PATCH /bookings answer as 409 booking_conflict. Partial on the status copied onto
-- each item, so a cancelled booking frees its slots. DEFERRABLE INITIALLY IMMEDIATE: checked at
-- the end of each statement rather than row by row, so one UPDATE that swaps two items of a
-- booking on one resource (10-11 and 11-12 exchanged) passes; still checked before commit.
ALTER TABLE "booking_items" ADD CONSTRAINT "booking_items_no_overlap"
    EXCLUDE USING gist ("resource_id" WITH =, tstzrange("starts_at", "ends_at", '[)') WITH &&)
    WHERE ("status" <> 'cancelled') DEFERRABLE INITIALLY IMMEDIATE;

-- An item lasts a positive time (the API bounds it to 5..1440 minutes).
ALTER TABLE "booking_items" ADD CONSTRAINT "booking_items_period_check"
    CHECK ("starts_at" < "ends_at");
ALTER TABLE "booking_items" ADD CONSTRAINT "booking_items_sequence_check"
    CHECK ("sequence" >= 0);
-- An item taken out of its booking is cancelled, so it frees its slot.
ALTER TABLE "booking_items" ADD CONSTRAINT "booking_items_removed_check"
    CHECK ("removed_at" IS NULL OR "status" = 'cancelled');

-- SEQUENCE RAISED ON EVERY CHANGE: the calendar feed's SEQUENCE of an item grows with every
-- update of its row, whoever writes it; a change of the booking alone (notes, players, status)
-- updates its items too (booking.repository.ts), so it raises theirs.
CREATE FUNCTION "booking_items_bump_sequence"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."sequence" := OLD."sequence" + 1;
  NEW."updated_at" := now();
  RETURN NEW;
END
$$;
CREATE TRIGGER "booking_items_bump_sequence" BEFORE UPDATE ON "booking_items"
    FOR EACH ROW EXECUTE FUNCTION "booking_items_bump_sequence"();

ALTER TABLE "bookings" ADD CONSTRAINT "bookings_players_check"
    CHECK ("players" IS NULL OR "players" >= 1);

-- Opening hours are an object of days (their shape is the API's to check); capacity positive.
ALTER TABLE "resources" ADD CONSTRAINT "resources_opening_hours_object_check"
    CHECK ("opening_hours" IS NULL OR jsonb_typeof("opening_hours") = 'object');
ALTER TABLE "resources" ADD CONSTRAINT "resources_capacity_check"
    CHECK ("capacity" IS NULL OR "capacity" >= 1);

-- One resource of a name, regardless of case, among those not archived (as sources): an archived
-- resource's name is free again.
CREATE UNIQUE INDEX "resources_name_lower_key" ON "resources" (lower("name")) WHERE "archived_at" IS NULL;
