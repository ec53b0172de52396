-- AlterTable
ALTER TABLE "sources" ADD COLUMN     "bot_script_id" INTEGER,
ADD COLUMN     "bot_script_version" INTEGER;

-- AlterTable
ALTER TABLE "appeals" ADD COLUMN     "bot_script_id" INTEGER,
ADD COLUMN     "bot_script_version" INTEGER;

-- CreateTable
CREATE TABLE "bot_scripts" (
    "id" SERIAL NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "bot_scripts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "bot_script_versions" (
    "bot_script_id" INTEGER NOT NULL,
    "version" INTEGER NOT NULL,
    "content" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "bot_script_versions_pkey" PRIMARY KEY ("bot_script_id","version")
);

-- CreateIndex
CREATE UNIQUE INDEX "bot_scripts_id_version_key" ON "bot_scripts"("id", "version");

-- CreateIndex
CREATE INDEX "sources_bot_script_id_idx" ON "sources"("bot_script_id");

-- AddForeignKey
ALTER TABLE "sources" ADD CONSTRAINT "sources_bot_script_id_bot_script_version_fkey" FOREIGN KEY ("bot_script_id", "bot_script_version") REFERENCES "bot_scripts"("id", "version") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "bot_script_versions" ADD CONSTRAINT "bot_script_versions_bot_script_id_fkey" FOREIGN KEY ("bot_script_id") REFERENCES "bot_scripts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;



-- Hand-written: rules Prisma's schema language cannot express.
-- Script names are unique regardless of case, like sources' ("Sales" and "sales" are one script).
CREATE UNIQUE INDEX "bot_scripts_name_lower_key" ON "bot_scripts" (lower("name"));
ALTER TABLE "bot_scripts" ADD CONSTRAINT "bot_scripts_version_check" CHECK ("version" >= 1);
ALTER TABLE "bot_script_versions" ADD CONSTRAINT "bot_script_versions_version_check" CHECK ("version" >= 1);

-- A source names a script and its current version together, or neither. The foreign key is
-- MATCH SIMPLE, so a row with one of the two NULL would escape it: this closes that gap. With it,
-- sources.bot_script_version is always its script's current version (the key cascades every
-- change of bot_scripts.version), which is what the intake copies into the appeal.
-- (appeals get no such CHECK: their only writer, the intake statement, copies both columns from
-- one sources row, which this CHECK holds; a CHECK there would also scan the largest table under
-- ACCESS EXCLUSIVE in this migration.)
ALTER TABLE "sources" ADD CONSTRAINT "sources_bot_script_pair_check"
    CHECK (("bot_script_id" IS NULL) = ("bot_script_version" IS NULL));

-- A version, once written, is what appeals that name it were following: never changed nor
-- deleted. (TRUNCATE, which fires no row trigger, stays possible: the tests' reset uses it.)
CREATE FUNCTION "bot_script_versions_immutable"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'version % of bot script % is immutable (% refused)', OLD."version", OLD."bot_script_id", TG_OP
    USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER "bot_script_versions_immutable" BEFORE UPDATE OR DELETE ON "bot_script_versions"
    FOR EACH ROW EXECUTE FUNCTION "bot_script_versions_immutable"();
