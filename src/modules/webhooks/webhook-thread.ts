// Starts the webhook dispatcher in a worker thread (webhook.thread.ts) and speaks for it in
// the main thread: wake() when an attempt is queued, the thread's counters into the process's
// metrics, its warnings into the log, and a bounded stop. The thread (a V8 isolate of its own,
// ~50 MB) starts only once an endpoint is enabled: start() looks every WATCH_MS, and wake()
// (an endpoint created or queued an attempt here) at once. A thread that dies is started
// again (after RESTART_DELAY_MS); what it was sending is in the tables, so nothing is lost:
// its lease expires and the new one takes the endpoint up again.
import { Worker } from "node:worker_threads";
import type { Config } from "../../config.js";
import type { ServiceLog, WebhookMetrics } from "../../core/ports.js";
import { BACKGROUND_POOL_SIZE } from "../../db/prisma.js";
import { dispatcherSettings, type WebhookDispatcherOptions } from "./webhook-dispatcher.options.js";

/** What the thread needs: plain data (it is copied into the thread). */
export type ThreadSettings = {
  databaseUrl: string;
  poolSize: number;
  statementTimeoutMs: number | undefined;
  prepareStatements: boolean;
  eventPollIntervalMs: number;
  dispatcher: Pick<WebhookDispatcherOptions, "allowPrivateUrls" | "pipelining" | "intervalMs">;
};

/**
 * The thread's settings for an API process on a PostgreSQL server; none on the embedded
 * database, whose connection budget is small and whose queries run on the main thread
 * anyway (PGlite is WebAssembly in this process): there the dispatcher stays in-process.
 */
export function threadSettings(config: Config): ThreadSettings | undefined {
  if (!config.databaseUrl) return undefined;
  return {
    databaseUrl: config.databaseUrl,
    poolSize: BACKGROUND_POOL_SIZE,
    statementTimeoutMs: config.databaseStatementTimeoutMs,
    prepareStatements: true,
    eventPollIntervalMs: config.eventPollIntervalMs,
    dispatcher: dispatcherSettings(config),
  };
}

export type ToThread = "wake" | "stop";
export type FromThread =
  | { kind: "started" }
  | { kind: "stopped" }
  /** Attempts made since the last such message, by outcome, and attempts that gave up. */
  | { kind: "counts"; succeeded: number; failed: number; final: number }
  | { kind: "warn"; details: object; error: unknown; message: string };

/** Delivery as the server starts and stops it, in this thread or another. */
export type WebhookDelivery = { start(): void; wake(): void; stop(): Promise<void> };

const RESTART_DELAY_MS = 1_000;
/** The thread's heap bounds (MB). */
const THREAD_YOUNG_GENERATION_MB = 8;
const THREAD_OLD_GENERATION_MB = 96;
/** How often a process without a thread looks whether an endpoint was enabled (by any instance). */
const WATCH_MS = 5_000;
/** The thread's own stop waits for attempts in flight (each at most its 10 s timeout). */
const STOP_TIMEOUT_MS = 15_000;

export class WebhookThread implements WebhookDelivery {
  private worker: Worker | undefined;
  private started = false;
  private stopping = false;
  private looking = false;
  private restart: NodeJS.Timeout | undefined;
  private watch: NodeJS.Timeout | undefined;

  constructor(
    private readonly settings: ThreadSettings,
    private readonly metrics: WebhookMetrics,
    private readonly log: ServiceLog,
    /** Whether any endpoint is enabled (WebhookDispatchRepository.anyEnabled). */
    private readonly anyEndpoint: () => Promise<boolean>,
  ) {}

  /** Whether the thread runs now (it starts once an endpoint is enabled). */
  get running(): boolean {
    return this.worker !== undefined;
  }

  start(): void {
    if (this.started || this.stopping) return;
    this.started = true;
    this.watch = setInterval(() => void this.look(), WATCH_MS);
    this.watch.unref();
    void this.look();
  }

  /** Starts the thread once an endpoint is enabled; one look at a time. */
  private async look(): Promise<void> {
    if (this.worker || this.stopping || this.looking) return;
    this.looking = true;
    try {
      if (!(await this.anyEndpoint()) || this.stopping) return;
      clearInterval(this.watch);
      this.spawn();
    } catch (error) {
      this.log.warn({ err: error }, "webhooks: looking for enabled endpoints failed; looking again later");
    } finally {
      this.looking = false;
    }
  }

  private spawn(): void {
    if (this.worker || this.stopping) return;
    const worker = new Worker(bootstrap(), {
      eval: true,
      workerData: this.settings,
      // Batches of events are all it holds: a small young generation keeps its RSS down
      // (V8's default semispaces are sized for the machine); an old generation past the
      // limit ends the thread, which is then started again.
      resourceLimits: {
        maxYoungGenerationSizeMb: THREAD_YOUNG_GENERATION_MB,
        maxOldGenerationSizeMb: THREAD_OLD_GENERATION_MB,
      },
    });
    this.worker = worker;
    worker.on("message", (message: FromThread) => this.receive(message));
    worker.on("error", (error) => this.log.warn({ err: error }, "the webhook thread failed"));
    worker.on("exit", (code) => {
      this.worker = undefined;
      if (this.stopping) return;
      this.log.warn({ code }, `the webhook thread exited; starting it again in ${RESTART_DELAY_MS} ms`);
      this.restart = setTimeout(() => this.spawn(), RESTART_DELAY_MS);
      this.restart.unref();
    });
  }

  wake(): void {
    if (this.worker) this.worker.postMessage("wake" satisfies ToThread);
    else if (this.started) void this.look();
  }

  /** Stops claiming; attempts in flight finish and are recorded; then the thread ends. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restart);
    clearInterval(this.watch);
    const worker = this.worker;
    if (!worker) return;
    const stopped = new Promise<void>((resolve) => {
      worker.on("message", (message: FromThread) => message.kind === "stopped" && resolve());
      worker.once("exit", () => resolve());
    });
    worker.postMessage("stop" satisfies ToThread);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([stopped, new Promise((resolve) => (timer = setTimeout(resolve, STOP_TIMEOUT_MS)))]);
    clearTimeout(timer);
    await worker.terminate();
  }

  private receive(message: FromThread): void {
    switch (message.kind) {
      case "counts":
        if (message.succeeded > 0) this.metrics.webhookAttempt("succeeded", message.succeeded);
        if (message.failed > 0) this.metrics.webhookAttempt("failed", message.failed);
        if (message.final > 0) this.metrics.webhookFinalFailure(message.final);
        break;
      case "warn":
        this.log.warn({ ...message.details, err: message.error }, message.message);
        break;
      default:
        break;
    }
  }
}

/**
 * The thread's entry as code to evaluate: the built .js next to this file, or under tsx
 * (tests, `npm run dev`) the .ts source with tsx's loader registered in the thread first.
 */
function bootstrap(): string {
  const source = import.meta.url.endsWith(".ts");
  const entry = new URL(`./webhook.thread.${source ? "ts" : "js"}`, import.meta.url).href;
  return source
    ? `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`
    : `import(${JSON.stringify(entry)});`;
}
