-- CreateTable
CREATE TABLE "calendar_feeds" (
    "id" SERIAL NOT NULL,
    "label" VARCHAR(200),
    "resource_id" INTEGER,
    "token_hash" CHAR(64) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "calendar_feeds_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "calendar_feeds_token_hash_key" ON "calendar_feeds"("token_hash");

-- AddForeignKey
ALTER TABLE "calendar_feeds" ADD CONSTRAINT "calendar_feeds_resource_id_fkey" FOREIGN KEY ("resource_id") REFERENCES "resources"("id") ON DELETE RESTRICT ON UPDATE CASCADE;




-- Hand-written (the schema language cannot say these).

-- NEVER THE TOKEN IN CLEAR: a feed's token is shown once, in the answer to POST /calendar/feeds;
-- the row holds only its SHA-256 in hex. A token itself (lcf_...) cannot be stored here by mistake.
ALTER TABLE "calendar_feeds" ADD CONSTRAINT "calendar_feeds_token_hash_check"
    CHECK ("token_hash" ~ '^[0-9a-f]{64}$');

-- A label says something (the API trims it and takes 1..200 characters, or none).
ALTER TABLE "calendar_feeds" ADD CONSTRAINT "calendar_feeds_label_check"
    CHECK ("label" IS NULL OR length(btrim("label")) > 0);
