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
import { dispatcherSettings } from "./modules/webhooks/webhook-dispatcher.options.js";
import { threadSettings } from "./modules/webhooks/webhook-thread.js";
import { limitMemoryGrowth } from "./process-memory.js";
import { startShutdownBackstop } from "./shutdown-backstop.js";

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  if (!config.workers && usesEmbeddedDatabase(config)) {
    throw new ConfigError(
      "WORKERS=false needs DATABASE_URL: the embedded database (DATA_DIR) serves one process, this one, " +
        "so no `npm run worker` could run the jobs. Unset WORKERS, or run on a PostgreSQL server.",
    );
  }
  const logger = createLogger(config.logLevel);
  limitMemoryGrowth({ embeddedDatabase: usesEmbeddedDatabase(config) });
  const database = await openDatabase(config, logger);
  logger.info(`database: ${database.description}`);
  const deps = createDeps(database, {
    processMetrics: true,
    log: logger,
    sweepIntervalMs: config.sweepIntervalMs,
    eventPollIntervalMs: config.eventPollIntervalMs,
    webhooks: dispatcherSettings(config),
    phoneRegion: config.defaultPhoneRegion,
    botStateTtlDays: config.botStateTtlDays,
    timeZone: config.timeZone,
    bookingReminderBeforeMinutes: config.bookingReminderBeforeMinutes,
    publicUrl: config.publicUrl,
    // Delivery off the requests' event loop, in a worker thread (on a PostgreSQL server).
    ...(config.workers && { webhookThread: threadSettings(config) }),
    jobs: {
      workers: config.workers,
      pollIntervalMs: config.jobsPollIntervalMs,
      migrate: config.migrateOnStart,
    },
  });
  // BOOTSTRAP_ADMIN_KEY, then the zero-config rule: may refuse to start (a ConfigError).
  // Then pg-boss's schema and the job queues, which requests send to, before the first request.
  const auth = await prepareAuth(config, deps.apiKeys, logger)
    .then(async (prepared) => {
      await deps.jobs.start();
      return prepared;
    })
    .catch(async (error: unknown) => {
      await deps.jobs.stop({ timeoutMs: 0 });
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
    // Background work stops with the requests: the workers take no more jobs, and the jobs
    // running get the same SHUTDOWN_TIMEOUT_MS (then they are failed, to be retried); a
    // sweep in flight finishes (each statement is bounded by the statement timeout). All
    // before the pool closes.
    const backgroundStopped = Promise.all([
      deps.sweeper.stop(),
      deps.jobs.stop({ timeoutMs: config.shutdownTimeoutMs }),
      // Attempts in flight finish (each within its 10 s timeout) and are recorded.
      deps.webhookDelivery.stop(),
      // The event feed too; app.close() ends the open streams (their preClose hook).
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
    startShutdownBackstop(config, logger);
    try {
      // Stops accepting connections, answers requests arriving on kept-alive ones with 503
      // (src/http/security.ts), and resolves once the requests in flight are answered.
      await app.close();
      const [, jobsFinished] = await backgroundStopped;
      if (!jobsFinished) forced = true;
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
  // The sweep runs on every instance, WORKERS or not (one at a time under its advisory lock):
  // a request's drain that stopped at its bound wakes this instance's sweep at once.
  deps.sweeper.start();
  // Webhook delivery is background work: here with WORKERS, else in `npm run worker` (leases
  // keep any number of instances off each other's endpoints).
  if (config.workers) deps.webhookDelivery.start();
  if (config.sweepIntervalMs === 0) logger.warn("SWEEP_INTERVAL_MS=0: the distribution sweep is off");
  logger.info(
    config.workers
      ? "background jobs: run in this process (WORKERS=true), and webhook delivery"
      : "background jobs: WORKERS=false, this instance only sends them; run `npm run worker` beside it (it delivers webhooks too)",
  );
}

main().catch((error: unknown) => {
  // Errors that explain themselves: their message says what to do, a stack would only hide it.
  if (error instanceof ConfigError || error instanceof DataDirInUseError || error instanceof MigrationError) {
    console.error(error.message);
  } else {
    console.error("failed to start:", error);
  }
  process.exit(1);
});
