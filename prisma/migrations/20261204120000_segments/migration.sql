-- CreateTable
CREATE TABLE "segments" (
    "id" SERIAL NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "description" TEXT,
    "filter" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "archived_at" TIMESTAMPTZ(3),

    CONSTRAINT "segments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "segment_leads" (
    "segment_id" INTEGER NOT NULL,
    "lead_id" INTEGER NOT NULL,

    CONSTRAINT "segment_leads_pkey" PRIMARY KEY ("segment_id","lead_id")
);

-- CreateIndex
CREATE INDEX "segment_leads_lead_id_idx" ON "segment_leads"("lead_id");

-- AddForeignKey
ALTER TABLE "segment_leads" ADD CONSTRAINT "segment_leads_segment_id_fkey" FOREIGN KEY ("segment_id") REFERENCES "segments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "segment_leads" ADD CONSTRAINT "segment_leads_lead_id_fkey" FOREIGN KEY ("lead_id") REFERENCES "leads"("id") ON DELETE RESTRICT ON UPDATE CASCADE;



-- Hand-written (the schema language cannot say these).
-- Segment names are unique regardless of case among the segments in use, as sources' are: an
-- archived segment's name may be taken again.
CREATE UNIQUE INDEX "segments_name_lower_key" ON "segments" (lower("name")) WHERE "archived_at" IS NULL;
-- A segment's filter, when it has one, is a JSON object (the API's filter, validated by the route).
ALTER TABLE "segments" ADD CONSTRAINT "segments_filter_object_check"
    CHECK ("filter" IS NULL OR jsonb_typeof("filter") = 'object');
