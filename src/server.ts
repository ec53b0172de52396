// The process: configuration, database (embedded when DATABASE_URL is unset),
// migrations, listen, graceful shutdown. Everything else lives in buildApp.
import "dotenv/config";
import { buildApp } from "./app.js";
import { ConfigError, loadConfig } from "./config.js";
import { DataDirInUseError } from "./db/data-dir-lock.js";
import { openDatabase, usesEmbeddedDatabase } from "./db/database.js";
import { MigrationError } from "./db/migrator.js";
import { createDeps } from "./deps.js";
import { createLogger } from "./http/logger.js";
import { prepareAuth } from "./modules/auth/auth.startup.js";
import { limitMemoryGrowth } from "./process-memory.js";

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel);
  limitMemoryGrowth({ embeddedDatabase: usesEmbeddedDatabase(config) });
  const database = await openDatabase(config, logger);
  logger.info(`database: ${database.description}`);
  const deps = createDeps(database, {
    processMetrics: true,
    log: logger,
    sweepIntervalMs: config.sweepIntervalMs,
    eventPollIntervalMs: config.eventPollIntervalMs,
    idempotencyPurgeIntervalMs: IDEMPOTENCY_PURGE_INTERVAL_MS,
    webhooks: { allowPrivateUrls: config.webhookAllowPrivateUrls, intervalMs: WEBHOOK_TICK_MS },
  });
  // BOOTSTRAP_ADMIN_KEY, then the zero-config rule: may refuse to start (a ConfigError).
  const auth = await prepareAuth(config, deps.apiKeys, logger).catch(async (error: unknown) => {
    await database.close();
    throw error;
  });
  const app = await buildApp({
    deps,
    logger,
    auth: { ...auth, failedAuthPerMinute: config.authFailuresPerMinute },
    http: {
      bodyLimitBytes: config.bodyLimitBytes,
      rateLimitPerMinute: config.rateLimitPerMinute,
      requestTimeoutMs: config.requestTimeoutMs,
      corsOrigins: config.corsOrigins,
    },
  });

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info(`${signal} received: finishing requests in flight (at most ${config.shutdownTimeoutMs} ms)`);
    // Background work stops first: a sweep or purge in flight finishes (each of its
    // statements is bounded by the statement timeout) before the pool closes.
    // The event feed too; app.close() ends the open streams (their preClose hook).
    const backgroundStopped = Promise.all([
      deps.sweeper.stop(),
      deps.idempotencyKeyPurge.stop(),
      // Attempts in flight finish (each within its 10 s timeout) and are recorded.
      deps.webhookDispatcher.stop(),
      deps.eventFeed.stop(),
    ]);
    // Requests still running at the deadline lose their connections; their statements end
    // within the statement timeout, which the pool's close waits for.
    let forced = false;
    const deadline = setTimeout(() => {
      forced = true;
      logger.warn(`requests still in flight after ${config.shutdownTimeoutMs} ms: closing their connections`);
      app.server.closeAllConnections();
    }, config.shutdownTimeoutMs);
    const backstop = setTimeout(
      () => {
        logger.error("could not close in time: exiting without a clean close");
        process.exit(1);
      },
      config.shutdownTimeoutMs + config.databaseStatementTimeoutMs + 5_000,
    );
    backstop.unref();
    try {
      // Stops accepting connections, answers requests arriving on kept-alive ones with 503
      // (src/http/security.ts), and resolves once the requests in flight are answered.
      await app.close();
      await backgroundStopped;
      clearTimeout(deadline);
      await database.close(); // the pool, then the embedded database (cleanly, so its files stay consistent)
      logger.info("closed");
      process.exit(forced ? 1 : 0);
    } catch (error) {
      logger.error({ err: error }, "error while closing");
      process.exit(1);
    }
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));

  const address = await app.listen({ port: config.port, host: config.host });
  logger.info(`API docs at ${address}/docs`);
  deps.sweeper.start();
  deps.idempotencyKeyPurge.start();
  deps.webhookDispatcher.start();
  if (config.sweepIntervalMs === 0) logger.warn("SWEEP_INTERVAL_MS=0: the distribution sweep is off");
}

/** Besides the event feed's wake-ups: retries that came due, leases of stopped instances that expired. */
const WEBHOOK_TICK_MS = 1_000;

/** Idempotency keys are promised for 24 hours; older ones are forgotten every hour. */
const IDEMPOTENCY_PURGE_INTERVAL_MS = 60 * 60 * 1000;

main().catch((error: unknown) => {
  // Errors that explain themselves: their message says what to do, a stack would only hide it.
  if (error instanceof ConfigError || error instanceof DataDirInUseError || error instanceof MigrationError) {
    console.error(error.message);
  } else {
    console.error("failed to start:", error);
  }
  process.exit(1);
});
