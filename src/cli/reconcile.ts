// npm run db:reconcile [-- --dry-run]: repairs drift of operators.active_load and
// appeal_counts against the appeals in the configured database (like npm run apikey).
import "dotenv/config";
import { existsSync } from "node:fs";
import { userInfo } from "node:os";
import { join, resolve } from "node:path";
import { ConfigError, loadConfig } from "../config.js";
import { openDatabase } from "../db/database.js";
import { LoadReconcileRepository } from "../modules/appeals/load-reconcile.repository.js";
import { LoadReconcileService } from "../modules/appeals/load-reconcile.service.js";
import type { Output } from "./apikey.commands.js";
import { parseOptions, runReconcile, USAGE } from "./reconcile.commands.js";

const io: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if ("error" in options) {
    io.err(`db:reconcile: ${options.error}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    io.err(USAGE);
    return 0;
  }
  const config = loadConfig(process.env);
  // PGlite keeps postmaster.pid in its folder while open (as in apikey.ts).
  if (!config.databaseUrl && !options.force && existsSync(join(resolve(config.dataDir), "postmaster.pid"))) {
    io.err(
      `db:reconcile: the embedded database in ${resolve(config.dataDir)} is open in another process (the service?).\n` +
        "It serves one process at a time: stop the service, run this again, then start it.\n" +
        "If nothing uses it (the service crashed), pass --force.",
    );
    return 1;
  }
  const log = {
    info: (message: string) => io.err(message),
    warn: (_: object, message: string) => io.err(message),
  };
  const database = await openDatabase(config, log);
  try {
    const service = new LoadReconcileService(new LoadReconcileRepository(database.prisma));
    io.err(`db:reconcile: ${database.description}`);
    return await runReconcile(service, io, { dryRun: options.dryRun }, actor());
  } finally {
    await database.close();
  }
}

/** Recorded in the audit trail with each operator it repairs. */
function actor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return "cli";
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    io.err(
      error instanceof ConfigError ? error.message : `db:reconcile: ${(error as Error)?.message ?? error}`,
    );
    process.exitCode = 1;
  },
);
