// npm run db:migrate: applies the migrations to the configured database, creates or
// upgrades pg-boss's schema and the job queues (which instances started with
// MIGRATE_ON_START=false then only check), and exits.
import "dotenv/config";
import { loadConfig } from "../config.js";
import { openDatabase } from "../db/database.js";
import { createDeps } from "../deps.js";

const config = loadConfig({ ...process.env, MIGRATE_ON_START: "false" });
const log = {
  info: (message: string) => console.log(message),
  warn: (_: object, message: string) => console.warn(message),
};
const database = await openDatabase(config, log);
try {
  const applied = await database.migrate();
  console.log(
    applied.length
      ? `${applied.length} migration(s) applied to ${database.description}`
      : `${database.description} is up to date`,
  );
  // Without workers: only pg-boss's own migration and the queues.
  const { jobs } = createDeps(database, { log, jobs: { workers: false, migrate: true } });
  await jobs.start();
  await jobs.stop({ timeoutMs: 0 });
  console.log(`job queues ready: ${jobs.declarations.map((declaration) => declaration.name).join(", ")}`);
} finally {
  await database.close();
}
