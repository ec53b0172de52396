import { fileURLToPath } from "node:url";

/** prisma/migrations, found from this file both under src/ (tsx) and dist/src/ (built). */
export const MIGRATIONS_DIR = fileURLToPath(
  new URL(
    import.meta.url.includes("/dist/") ? "../../../prisma/migrations" : "../../prisma/migrations",
    import.meta.url,
  ),
);
