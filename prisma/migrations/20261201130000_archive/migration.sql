-- AlterTable
ALTER TABLE "operators" ADD COLUMN     "archived_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "sources" ADD COLUMN     "archived_at" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "appeals_created_at_idx" ON "appeals"("created_at");

