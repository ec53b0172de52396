// npm run db:reconcile [-- --dry-run]: repairs drift of operators.active_load and
// appeal_counts against the appeals in the configured database (like npm run apikey).
import "dotenv/config";
import { LoadReconcileRepository } from "../modules/appeals/load-reconcile.repository.js";
import { LoadReconcileService } from "../modules/appeals/load-reconcile.service.js";
import { cliActor, processOutput as io, runCli, withCliDatabase } from "./cli-database.js";
import { parseOptions, runReconcile, USAGE } from "./reconcile.commands.js";

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
  return withCliDatabase("db:reconcile", io, { force: options.force }, (database) => {
    const service = new LoadReconcileService(new LoadReconcileRepository(database.prisma));
    io.err(`db:reconcile: ${database.description}`);
    return runReconcile(service, io, { dryRun: options.dryRun }, cliActor());
  });
}

runCli("db:reconcile", io, main);
