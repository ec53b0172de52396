-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "distribution_strategy" AS ENUM ('weighted', 'weighted_by_free_capacity');

-- CreateTable
CREATE TABLE "operators" (
    "id" SERIAL NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "max_load" INTEGER NOT NULL DEFAULT 10,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "operators_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sources" (
    "id" SERIAL NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "description" TEXT,
    "strategy" "distribution_strategy" NOT NULL DEFAULT 'weighted',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sources_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "operator_weights" (
    "source_id" INTEGER NOT NULL,
    "operator_id" INTEGER NOT NULL,
    "weight" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "operator_weights_pkey" PRIMARY KEY ("source_id","operator_id")
);

-- CreateIndex
CREATE INDEX "operator_weights_operator_id_idx" ON "operator_weights"("operator_id");

-- AddForeignKey
ALTER TABLE "operator_weights" ADD CONSTRAINT "operator_weights_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "sources"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "operator_weights" ADD CONSTRAINT "operator_weights_operator_id_fkey" FOREIGN KEY ("operator_id") REFERENCES "operators"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Hand-written: rules Prisma's schema language cannot express.
-- Source names are unique regardless of case ("Telegram" and "telegram" are one source).
CREATE UNIQUE INDEX "sources_name_lower_key" ON "sources" (lower("name"));
ALTER TABLE "operator_weights" ADD CONSTRAINT "operator_weights_weight_range" CHECK ("weight" BETWEEN 1 AND 100);
ALTER TABLE "operators" ADD CONSTRAINT "operators_max_load_range" CHECK ("max_load" BETWEEN 0 AND 10000);
