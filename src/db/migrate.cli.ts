// npm run db:migrate: applies the migrations to the configured database and exits.
import "dotenv/config";
import { loadConfig } from "../config.js";
import { openDatabase } from "./database.js";

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
} finally {
  await database.close();
}
