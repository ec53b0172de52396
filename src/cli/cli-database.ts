// What the command-line tools (npm run apikey, npm run db:reconcile) share: their
// output, the database they open (DATABASE_URL or the embedded one, refused while
// the service holds it), the actor they record, and how they exit.
import { existsSync } from "node:fs";
import { userInfo } from "node:os";
import { join, resolve } from "node:path";
import { ConfigError, loadConfig } from "../config.js";
import { type OpenedDatabase, openDatabase } from "../db/database.js";

import type { Output } from "./apikey.commands.js";

export const processOutput: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/**
 * Opens the configured database for `tool`, runs `use`, closes it. The embedded database
 * serves one process at a time: while another holds it (the service?) this refuses
 * (exit 1) unless `force`. `hint` adds a line to that refusal.
 */
export async function withCliDatabase(
  tool: string,
  io: Output,
  { force, hint = "" }: { force: boolean; hint?: string },
  use: (database: OpenedDatabase) => Promise<number>,
): Promise<number> {
  const config = loadConfig(process.env);
  if (!config.databaseUrl && !force && embeddedInUse(config.dataDir)) {
    io.err(
      `${tool}: the embedded database in ${resolve(config.dataDir)} is open in another process (the service?).\n` +
        "It serves one process at a time: stop the service, run this again, then start it.\n" +
        `${hint}If nothing uses it (the service crashed), pass --force.`,
    );
    return 1;
  }
  const log = {
    info: (message: string) => io.err(message),
    warn: (_: object, message: string) => io.err(message),
  };
  const database = await openDatabase(config, log);
  try {
    return await use(database);
  } finally {
    await database.close();
  }
}

/** PGlite keeps postmaster.pid in its folder while open and removes it on a clean close. */
function embeddedInUse(dataDir: string): boolean {
  return existsSync(join(resolve(dataDir), "postmaster.pid"));
}

/** Recorded in the audit trail: who ran the command. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return "cli";
  }
}

/** Sets the exit code from `main`, printing a failure as one line (a ConfigError explains itself). */
export function runCli(tool: string, io: Output, main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      io.err(error instanceof ConfigError ? error.message : `${tool}: ${(error as Error)?.message ?? error}`);
      process.exitCode = 1;
    },
  );
}
