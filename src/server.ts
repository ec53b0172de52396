// The process: configuration, database (embedded when DATABASE_URL is unset),
// migrations, listen, graceful shutdown. Everything else lives in buildApp.
import "dotenv/config";
import pino from "pino";
import { buildApp } from "./app.js";
import { ConfigError, loadConfig } from "./config.js";
import { openDatabase } from "./db/database.js";
import { createDeps } from "./deps.js";
import type { AppealService } from "./modules/appeals/appeal.service.js";

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = pino({
    level: config.logLevel,
    redact: ["req.headers.authorization", "req.headers.cookie"],
  });
  const database = await openDatabase(config, logger);
  logger.info(`database: ${database.description}`);
  const deps = createDeps(database);
  const app = await buildApp({ deps, logger });
  const stopCleanup = scheduleIdempotencyCleanup(deps.appeals, logger);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info(`${signal} received: closing`);
    try {
      stopCleanup();
      await app.close(); // stops accepting, waits for in-flight requests
      await database.close();
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, "error while closing");
      process.exit(1);
    }
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));

  const address = await app.listen({ port: config.port, host: config.host });
  logger.info(`API docs at ${address}/docs`);
}

/** Idempotency keys are promised for 24 hours; forget older ones every hour. */
function scheduleIdempotencyCleanup(appeals: AppealService, logger: pino.Logger): () => void {
  const timer = setInterval(
    () => {
      appeals
        .forgetOldIdempotencyKeys()
        .then((count) => count > 0 && logger.info(`forgot ${count} idempotency keys older than 24 hours`))
        .catch((error: unknown) => logger.warn({ err: error }, "idempotency key cleanup failed"));
    },
    60 * 60 * 1000,
  );
  timer.unref();
  return () => clearInterval(timer);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error("failed to start:", error);
  }
  process.exit(1);
});
