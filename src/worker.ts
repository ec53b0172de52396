// `npm run worker`: background jobs and the distribution sweep in a process of their
// own, beside API instances started with WORKERS=false on the same PostgreSQL, so
// the two scale apart. It opens the database like the server (applying migrations
// when MIGRATE_ON_START, under the same advisory lock), serves no HTTP, and on
// SIGTERM or SIGINT stops taking jobs, gives the running ones SHUTDOWN_TIMEOUT_MS,
// then closes the pool.
import "dotenv/config";
import { ConfigError, loadConfig } from "./config.js";
import { openDatabase, usesEmbeddedDatabase } from "./db/database.js";
import { MigrationError } from "./db/migrator.js";
import { createDeps } from "./deps.js";
import { createLogger } from "./http/logger.js";
import { dispatcherSettings } from "./modules/webhooks/webhook-dispatcher.options.js";
import { limitMemoryGrowth } from "./process-memory.js";
import { startShutdownBackstop } from "./shutdown-backstop.js";

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  // The embedded database is one process's: the API's, which runs the jobs itself (WORKERS).
  if (usesEmbeddedDatabase(config)) {
    throw new ConfigError(
      "npm run worker needs DATABASE_URL: the embedded database (DATA_DIR) serves one process, the API, " +
        "which runs the background jobs itself (WORKERS=true, the default). Run workers apart only on a PostgreSQL server.",
    );
  }
  const logger = createLogger(config.logLevel);
  limitMemoryGrowth({ embeddedDatabase: false });
  const database = await openDatabase(config, logger);
  logger.info(`worker: database ${database.description}`);
  // WORKERS is the API's setting: this process exists to run the jobs.
  const deps = createDeps(database, {
    log: logger,
    sweepIntervalMs: config.sweepIntervalMs,
    eventPollIntervalMs: config.eventPollIntervalMs,
    webhooks: dispatcherSettings(config),
    phoneRegion: config.defaultPhoneRegion,
    botStateTtlDays: config.botStateTtlDays,
    timeZone: config.timeZone,
    bookingReminderBeforeMinutes: config.bookingReminderBeforeMinutes,
    jobs: { workers: true, pollIntervalMs: config.jobsPollIntervalMs, migrate: config.migrateOnStart },
  });
  try {
    await deps.jobs.start();
  } catch (error) {
    await deps.jobs.stop({ timeoutMs: 0 });
    await database.close();
    throw error;
  }
  deps.sweeper.start();
  deps.webhookDelivery.start();

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info(`${signal} received: finishing the jobs in flight (at most ${config.shutdownTimeoutMs} ms)`);
    startShutdownBackstop(config, logger);
    try {
      const [, finished] = await Promise.all([
        deps.sweeper.stop(),
        deps.jobs.stop({ timeoutMs: config.shutdownTimeoutMs }),
        // Attempts in flight finish (each within its 10 s timeout) and are recorded.
        deps.webhookDelivery.stop(),
        deps.eventFeed.stop(),
      ]);
      await database.close();
      logger.info("worker closed");
      process.exit(finished ? 0 : 1);
    } catch (error) {
      logger.error({ err: error }, "error while closing");
      process.exit(1);
    }
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));

  const queues = deps.jobs.declarations.map((declaration) => declaration.name).join(", ");
  logger.info(
    `worker: running background jobs (${queues}), webhook delivery and the distribution sweep ` +
      (config.sweepIntervalMs > 0 ? `every ${config.sweepIntervalMs} ms` : "(off: SWEEP_INTERVAL_MS=0)"),
  );
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof MigrationError) {
    console.error(error.message);
  } else {
    console.error("worker failed to start:", error);
  }
  process.exit(1);
});
