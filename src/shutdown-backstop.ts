// The last resort of a graceful shutdown (server.ts, worker.ts): if closing has not
// finished by the time every bounded step could have (the grace period, a statement's
// timeout, and a margin), exit anyway rather than hang.
import type { Config } from "./config.js";

export function startShutdownBackstop(
  config: Pick<Config, "shutdownTimeoutMs" | "databaseStatementTimeoutMs">,
  log: { error(message: string): void },
): void {
  const backstop = setTimeout(
    () => {
      log.error("could not close in time: exiting without a clean close");
      process.exit(1);
    },
    config.shutdownTimeoutMs + config.databaseStatementTimeoutMs + 5_000,
  );
  backstop.unref();
}
