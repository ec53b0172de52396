// The webhook dispatcher in a worker thread of the API process (webhook-thread.ts starts it):
// its own event loop, its own small pool, its own event feed. On the API's event loop, busy
// with the requests, each step of a delivery waited behind them: at 64 clients a backlog grew
// faster than it was delivered (2 s median from commit to delivery; docs/PERFORMANCE.md).
// Counters and warnings go to the main thread, which owns /metrics and the log.
import { parentPort, workerData } from "node:worker_threads";
import { createPool } from "../../db/pool.js";
import { createSqlClient } from "../../db/sql.js";
import { EventFeed } from "../events/event-feed.js";
import { EventHorizon } from "../events/event-horizon.js";
import { EventLogRepository } from "../events/event-log.repository.js";
import { WebhookDispatcher } from "./webhook.dispatcher.js";
import { WebhookDispatchRepository } from "./webhook-dispatch.repository.js";
import type { FromThread, ThreadSettings, ToThread } from "./webhook-thread.js";

const port = parentPort;
if (!port) throw new Error("webhook.thread.ts runs as a worker thread (webhook-thread.ts starts it)");
const settings = workerData as ThreadSettings;
const send = (message: FromThread) => port.postMessage(message);

const log = {
  warn(details: object, message: string) {
    const { err, ...rest } = details as { err?: unknown };
    send({ kind: "warn", details: rest, error: err instanceof Error ? err.message : err, message });
  },
};
// Counters go to the main thread in one message per COUNTS_FLUSH_MS, not one per attempt
// (a message per attempt was 5% of the thread's time at 3,000 attempts a second).
const COUNTS_FLUSH_MS = 100;
const counts = { succeeded: 0, failed: 0, final: 0 };
const flushCounts = () => {
  if (counts.succeeded + counts.failed + counts.final === 0) return;
  send({ kind: "counts", ...counts });
  counts.succeeded = counts.failed = counts.final = 0;
};
setInterval(flushCounts, COUNTS_FLUSH_MS).unref();

const pool = createPool({
  url: settings.databaseUrl,
  max: settings.poolSize,
  connectionTimeoutMs: 5_000,
  statementTimeoutMs: settings.statementTimeoutMs,
});
pool.on("error", (error) =>
  log.warn({ err: error }, "idle database connection of the webhook thread failed"),
);
const sql = createSqlClient(pool, { prepareStatements: settings.prepareStatements });
const eventLog = new EventLogRepository(sql);
const feed = new EventFeed(new EventHorizon(eventLog), { pollIntervalMs: settings.eventPollIntervalMs, log });
const dispatcher = new WebhookDispatcher(
  new WebhookDispatchRepository(sql),
  eventLog,
  feed,
  {
    webhookAttempt: (outcome) => {
      counts[outcome]++;
    },
    webhookFinalFailure: () => {
      counts.final++;
    },
  },
  log,
  settings.dispatcher,
);

port.on("message", (message: ToThread) => {
  if (message === "wake") dispatcher.wake();
  else if (message === "stop") {
    void (async () => {
      await dispatcher.stop();
      await feed.stop();
      await pool.end();
      flushCounts();
      send({ kind: "stopped" });
    })();
  }
});
dispatcher.start();
send({ kind: "started" });
