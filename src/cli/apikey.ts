// npm run apikey -- create --role admin --label "ops" [--source-ids 1,2] [--operator-id 3] | list | revoke <id>
// Manages API keys in the configured database (like npm run db:migrate).
import "dotenv/config";
import { AuditRepository } from "../modules/audit/audit.repository.js";
import { ApiKeyRepository } from "../modules/auth/api-key.repository.js";
import { ApiKeyService } from "../modules/auth/api-key.service.js";
import { parseCommand, runCommand, USAGE } from "./apikey.commands.js";
import { cliActor, processOutput as io, runCli, withCliDatabase } from "./cli-database.js";

async function main(): Promise<number> {
  const parsed = parseCommand(process.argv.slice(2));
  if ("error" in parsed) {
    io.err(`apikey: ${parsed.error}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.command.name === "help") return runCommand(parsed.command, unused, io, "cli");
  return withCliDatabase(
    "apikey",
    io,
    { force: parsed.force, hint: "(Or set BOOTSTRAP_ADMIN_KEY and restart.) " },
    (database) => {
      const apiKeys = new ApiKeyService(
        new ApiKeyRepository(database.prisma, new AuditRepository(database.prisma)),
      );
      return runCommand(parsed.command, apiKeys, io, cliActor());
    },
  );
}

const unused = {} as Parameters<typeof runCommand>[1];

runCli("apikey", io, main);
