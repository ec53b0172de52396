// npm run apikey -- create --role admin --label "ops" [--source-ids 1,2] [--operator-id 3] | list | revoke <id>
// Manages API keys in the configured database (like npm run db:migrate).
import "dotenv/config";
import { existsSync } from "node:fs";
import { userInfo } from "node:os";
import { join, resolve } from "node:path";
import { ConfigError, loadConfig } from "../config.js";
import { openDatabase } from "../db/database.js";
import { AuditRepository } from "../modules/audit/audit.repository.js";
import { ApiKeyRepository } from "../modules/auth/api-key.repository.js";
import { ApiKeyService } from "../modules/auth/api-key.service.js";
import { type Output, parseCommand, runCommand, USAGE } from "./apikey.commands.js";

const io: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

async function main(): Promise<number> {
  const parsed = parseCommand(process.argv.slice(2));
  if ("error" in parsed) {
    io.err(`apikey: ${parsed.error}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.command.name === "help") return runCommand(parsed.command, unused, io, "cli");
  const config = loadConfig(process.env);
  if (!config.databaseUrl && !parsed.force && embeddedInUse(config.dataDir)) {
    io.err(
      `apikey: the embedded database in ${resolve(config.dataDir)} is open in another process (the service?).\n` +
        "It serves one process at a time: stop the service, run this again, then start it.\n" +
        "(Or set BOOTSTRAP_ADMIN_KEY and restart.) If nothing uses it (the service crashed), pass --force.",
    );
    return 1;
  }
  const log = {
    info: (message: string) => io.err(message),
    warn: (_: object, message: string) => io.err(message),
  };
  const database = await openDatabase(config, log);
  try {
    const apiKeys = new ApiKeyService(
      new ApiKeyRepository(database.prisma, new AuditRepository(database.prisma)),
    );
    return await runCommand(parsed.command, apiKeys, io, actor());
  } finally {
    await database.close();
  }
}

/** PGlite keeps postmaster.pid in its folder while open and removes it on a clean close. */
function embeddedInUse(dataDir: string): boolean {
  return existsSync(join(resolve(dataDir), "postmaster.pid"));
}

/** Recorded in the audit trail: who ran the command. */
function actor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return "cli";
  }
}

const unused = {} as Parameters<typeof runCommand>[1];

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    io.err(error instanceof ConfigError ? error.message : `apikey: ${(error as Error)?.message ?? error}`);
    process.exitCode = 1;
  },
);
