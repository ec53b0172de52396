-- CreateTable
CREATE TABLE "bot_states" (
    "source_id" INTEGER NOT NULL,
    "chat_id" VARCHAR(200) NOT NULL,
    "state" VARCHAR(100),
    "data" JSONB,
    "version" INTEGER NOT NULL,
    "first_version" INTEGER NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "bot_states_pkey" PRIMARY KEY ("source_id","chat_id")
);

-- CreateIndex
CREATE INDEX "bot_states_updated_at_idx" ON "bot_states"("updated_at");

-- AddForeignKey
ALTER TABLE "bot_states" ADD CONSTRAINT "bot_states_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "sources"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Hand-written (the schema language cannot say these).
-- bot_states_pkey (above) is what ONE WRITER PER VERSION stands on: every write of a chat's state
-- is one statement on this one row (bot-state.repository.ts), an INSERT ... ON CONFLICT on the key
-- or an UPDATE ... WHERE version = <If-Match>, so two writers holding the same version serialise on
-- the row's lock and the second finds the version moved on (412).
-- Versions count from 1 and never go back while the row lives: a DELETE keeps the row as a
-- tombstone (state and data null) with its version moved on, so a version a bot holds from before
-- the delete matches nothing after it.
ALTER TABLE "bot_states" ADD CONSTRAINT "bot_states_version_check"
    CHECK ("version" >= 1 AND "first_version" BETWEEN 1 AND "version");
-- A tombstone has neither state nor data; a live state has both, data a JSON object.
ALTER TABLE "bot_states" ADD CONSTRAINT "bot_states_tombstone_check"
    CHECK (("state" IS NULL) = ("data" IS NULL));
ALTER TABLE "bot_states" ADD CONSTRAINT "bot_states_data_object_check"
    CHECK ("data" IS NULL OR jsonb_typeof("data") = 'object');
ALTER TABLE "bot_states" ADD CONSTRAINT "bot_states_text_check"
    CHECK (char_length("chat_id") >= 1 AND ("state" IS NULL OR char_length("state") >= 1));
