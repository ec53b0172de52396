// Read by the Prisma CLI (generate only: migrations are applied by src/db/migrator.ts).
// No datasource url here on purpose: `prisma generate` must work without DATABASE_URL.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
});
