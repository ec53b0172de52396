-- CreateEnum
CREATE TYPE "appeal_status" AS ENUM ('pending', 'active', 'closed');

-- AlterTable
ALTER TABLE "operators" ADD COLUMN     "active_load" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "leads" (
    "id" SERIAL NOT NULL,
    "external_id" VARCHAR(255) NOT NULL,
    "name" TEXT,
    "phone" TEXT,
    "email" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "leads_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "appeals" (
    "id" SERIAL NOT NULL,
    "lead_id" INTEGER NOT NULL,
    "source_id" INTEGER NOT NULL,
    "operator_id" INTEGER,
    "status" "appeal_status" NOT NULL,
    "message" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "assigned_at" TIMESTAMPTZ(3),
    "closed_at" TIMESTAMPTZ(3),

    CONSTRAINT "appeals_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "idempotency_keys" (
    "key" VARCHAR(255) NOT NULL,
    "request_hash" CHAR(64) NOT NULL,
    "appeal_id" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE UNIQUE INDEX "leads_external_id_key" ON "leads"("external_id");

-- CreateIndex
CREATE INDEX "appeals_lead_id_id_idx" ON "appeals"("lead_id", "id");

-- CreateIndex
CREATE INDEX "appeals_source_id_operator_id_status_idx" ON "appeals"("source_id", "operator_id", "status");

-- CreateIndex
CREATE INDEX "appeals_operator_id_id_idx" ON "appeals"("operator_id", "id");

-- CreateIndex
CREATE INDEX "appeals_status_id_idx" ON "appeals"("status", "id");

-- CreateIndex
CREATE INDEX "idempotency_keys_created_at_idx" ON "idempotency_keys"("created_at");

-- AddForeignKey
ALTER TABLE "appeals" ADD CONSTRAINT "appeals_lead_id_fkey" FOREIGN KEY ("lead_id") REFERENCES "leads"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "appeals" ADD CONSTRAINT "appeals_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "sources"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "appeals" ADD CONSTRAINT "appeals_operator_id_fkey" FOREIGN KEY ("operator_id") REFERENCES "operators"("id") ON DELETE SET NULL ON UPDATE CASCADE;


-- Hand-written: rules Prisma's schema language cannot express.
-- The pending queue of one source, oldest first: read by every intake (FIFO check)
-- and by every drain, and small, since pending appeals are the exception.
CREATE INDEX "appeals_pending_queue_idx" ON "appeals" ("source_id", "id") WHERE "status" = 'pending';
-- active_load is a counter of active appeals; it can never go below zero.
ALTER TABLE "operators" ADD CONSTRAINT "operators_active_load_nonnegative" CHECK ("active_load" >= 0);
