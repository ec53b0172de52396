-- CreateEnum
CREATE TYPE "message_sender" AS ENUM ('lead', 'bot', 'operator');

-- CreateTable
CREATE TABLE "messages" (
    "id" SERIAL NOT NULL,
    "appeal_id" INTEGER NOT NULL,
    "sender" "message_sender" NOT NULL,
    "operator_id" INTEGER,
    "text" TEXT NOT NULL,
    "is_ai_generated" BOOLEAN NOT NULL DEFAULT false,
    "external_id" VARCHAR(255),
    "attachments" JSONB NOT NULL DEFAULT '[]',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "messages_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "messages_appeal_id_id_idx" ON "messages"("appeal_id", "id");

-- CreateIndex
CREATE UNIQUE INDEX "messages_appeal_id_external_id_key" ON "messages"("appeal_id", "external_id");

-- AddForeignKey
ALTER TABLE "messages" ADD CONSTRAINT "messages_appeal_id_fkey" FOREIGN KEY ("appeal_id") REFERENCES "appeals"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "messages" ADD CONSTRAINT "messages_operator_id_fkey" FOREIGN KEY ("operator_id") REFERENCES "operators"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- Hand-written (the schema language cannot say these).
-- An operator message names its operator, and only an operator message does.
ALTER TABLE "messages" ADD CONSTRAINT "messages_operator_sender_check"
    CHECK (("sender" = 'operator') = ("operator_id" IS NOT NULL));
-- Attachments are a list of references.
ALTER TABLE "messages" ADD CONSTRAINT "messages_attachments_array_check"
    CHECK (jsonb_typeof("attachments") = 'array');
-- first_response_at (the Appeal answer) and median_first_response_s (GET /stats/operators): the
-- first operator message of an appeal, read from the front of this index.
CREATE INDEX "messages_first_response_idx" ON "messages"("appeal_id", "created_at") WHERE "sender" = 'operator';
