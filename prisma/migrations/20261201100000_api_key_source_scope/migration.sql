-- AlterTable
ALTER TABLE "api_keys" ADD COLUMN     "source_ids" INTEGER[];

-- Added by hand (Prisma has no CHECK): NULL is an unscoped key; a scope belongs to
-- intake keys only and names at least one source, each a real id (no NULL element),
-- so an empty array can never be mistaken for "unscoped" or "no source at all".
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_source_ids_check" CHECK (
    "source_ids" IS NULL
    OR (
        "role" = 'intake'
        AND array_ndims("source_ids") = 1
        AND cardinality("source_ids") > 0
        AND array_position("source_ids", NULL) IS NULL
    )
);
