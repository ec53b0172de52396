-- CreateTable
CREATE TABLE "materials" (
    "id" SERIAL NOT NULL,
    "title" VARCHAR(500) NOT NULL,
    "category" VARCHAR(100) NOT NULL,
    "body" TEXT,
    "media" JSONB NOT NULL DEFAULT '[]',
    "published" BOOLEAN NOT NULL DEFAULT false,
    "published_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "archived_at" TIMESTAMPTZ(3),

    CONSTRAINT "materials_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "activities" (
    "id" SERIAL NOT NULL,
    "lead_id" INTEGER NOT NULL,
    "type" VARCHAR(100) NOT NULL,
    "material_id" INTEGER,
    "data" JSONB NOT NULL DEFAULT '{}',
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "external_id" VARCHAR(255),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "activities_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "materials_category_id_idx" ON "materials"("category", "id");

-- CreateIndex
CREATE INDEX "activities_lead_id_occurred_at_id_idx" ON "activities"("lead_id", "occurred_at", "id");

-- CreateIndex
CREATE UNIQUE INDEX "activities_lead_id_external_id_key" ON "activities"("lead_id", "external_id");

-- AddForeignKey
ALTER TABLE "activities" ADD CONSTRAINT "activities_lead_id_fkey" FOREIGN KEY ("lead_id") REFERENCES "leads"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "activities" ADD CONSTRAINT "activities_material_id_fkey" FOREIGN KEY ("material_id") REFERENCES "materials"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- Hand-written (the schema language cannot say these).
-- activities_lead_id_external_id_key (above) keeps ONE ACTIVITY PER (lead, external_id): POST
-- /activities inserts ON CONFLICT DO NOTHING against it, so concurrent retries store one row.
-- A material is published exactly when it has a publication time.
ALTER TABLE "materials" ADD CONSTRAINT "materials_published_check"
    CHECK ("published" = ("published_at" IS NOT NULL));
-- Media are a list of references.
ALTER TABLE "materials" ADD CONSTRAINT "materials_media_array_check"
    CHECK (jsonb_typeof("media") = 'array');
-- An activity's data is a JSON object.
ALTER TABLE "activities" ADD CONSTRAINT "activities_data_object_check"
    CHECK (jsonb_typeof("data") = 'object');
-- GET /materials/{id}/stats: the views of one material (count, distinct leads, latest), answered
-- by an index-only scan of its entries here, whatever else the table holds.
CREATE INDEX "activities_material_views_idx" ON "activities"("material_id", "lead_id", "occurred_at")
    WHERE "type" = 'material_viewed';
