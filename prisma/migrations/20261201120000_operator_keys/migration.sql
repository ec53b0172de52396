-- AlterEnum
-- Runs inside the migrator's transaction: PostgreSQL 12 and later (the server is 15,
-- PGlite 18) allow ADD VALUE there, but the new value cannot be used before the
-- transaction commits, so nothing below names 'operator' as an api_key_role.
ALTER TYPE "api_key_role" ADD VALUE 'operator';

-- AlterTable
ALTER TABLE "api_keys" ADD COLUMN     "operator_id" INTEGER;

-- CreateIndex
CREATE INDEX "api_keys_operator_id_idx" ON "api_keys"("operator_id");

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_operator_id_fkey" FOREIGN KEY ("operator_id") REFERENCES "operators"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Added by hand (Prisma has no CHECK): an operator key names its operator, no other key
-- names one. The role is compared as text: `"role" = 'operator'` would cast the literal
-- to the enum value added above, which this transaction may not use yet ("unsafe use of
-- new value"). Existing keys have no operator_id and are not operator keys: they pass.
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_operator_id_check" CHECK (
    ("role"::text = 'operator') = ("operator_id" IS NOT NULL)
);
