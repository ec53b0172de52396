// Delivers the event log to the webhook endpoints: one dispatcher per process, woken when
// the EventFeed's horizon moves and by a timer (retries that come due, other instances'
// expired leases). Up to `concurrency` endpoints are worked at once, each by one worker
// that holds its lease (webhook-dispatch.repository.ts), so a slow, resetting or garbage-
// answering receiver occupies one worker for at most the request timeout per attempt and
// never blocks the other endpoints (each endpoint has a connection of its own). Per endpoint,
// events go out in id order, pipelined on one connection (up to `pipelining` in flight);
// a failure stops that endpoint until its next_attempt_at (the backoff of webhook-backoff.ts),
// later events wait behind it and those already in flight are sent again after it: at least
// once, in order. Everything is in the tables (cursor,
// attempt, next_attempt_at, queued rows), so a restart loses nothing and a dead instance's
// lease simply expires.
//
// Few statements per event (the dispatcher shares the pool with the intake): the lease is
// renewed once a third of it has passed, a run of successes is recorded in one statement,
// and reads and records run beside the sends (deliverLog). Attempts sent but not yet
// recorded are sent again after a crash, with the same webhook-id: at least once.
//
// Queued attempts (manual retry, test event) are rows with status pending: the worker sends
// them first, outside the cursor order, once each (a failed manual retry is not retried
// automatically; it can be retried again by hand).
//
// pg-boss could take over the scheduling later (a per-endpoint job with singletonKey and
// startAfter = next_attempt_at, woken by the feed); the lease, cursor and delivery rows
// would stay as they are.
import { randomUUID } from "node:crypto";
import type { ServiceLog, WebhookMetrics } from "../../core/ports.js";
import type { EventFeed } from "../events/event-feed.js";
import type { EventLogRepository, LoggedEvent } from "../events/event-log.repository.js";
import {
  type AttemptOutcome,
  classifyAttempt,
  eventMessage,
  type RetryPolicy,
  testMessage,
} from "./webhook-attempt.js";
import { DEFAULT_RETRY_SCHEDULE_MS } from "./webhook-backoff.js";
import type {
  ClaimedWebhook,
  HeadAttempt,
  PendingDelivery,
  WebhookDispatchRepository,
} from "./webhook-dispatch.repository.js";
import { DEFAULT_WEBHOOK_PIPELINING, type WebhookDispatcherOptions } from "./webhook-dispatcher.options.js";
import { ALL_EVENTS } from "./webhook-events.js";
import { HeldLease } from "./webhook-lease.js";
import type { SendResult, WebhookMessage } from "./webhook-sender.js";
import { WebhookSenders } from "./webhook-senders.js";
import { WorkerPool } from "./worker-pool.js";

/** Reads of `batch` events a worker makes per claim before the endpoint goes back to the others. */
const READS_PER_CLAIM = 10;

export class WebhookDispatcher {
  private readonly owner: string;
  private readonly batch: number;
  private readonly pipelining: number;
  private readonly senders: WebhookSenders;
  private readonly leaseMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => Date;
  private readonly workers: WorkerPool;
  private stopped = false;
  private started = false;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly repository: WebhookDispatchRepository,
    private readonly eventLog: Pick<EventLogRepository, "read">,
    private readonly feed: Pick<EventFeed, "current" | "subscribe">,
    private readonly metrics: WebhookMetrics,
    private readonly log: ServiceLog,
    private readonly options: WebhookDispatcherOptions,
  ) {
    this.owner = options.owner ?? `dispatcher-${randomUUID()}`;
    this.batch = options.batch ?? 200;
    this.pipelining = Math.max(1, options.pipelining ?? DEFAULT_WEBHOOK_PIPELINING);
    this.leaseMs = options.leaseMs ?? 30_000;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.now = options.now ?? (() => new Date());
    this.senders = new WebhookSenders({
      timeoutMs: this.timeoutMs,
      allowPrivateUrls: options.allowPrivateUrls,
      pipelining: this.pipelining,
      ...(options.resolve && { resolve: options.resolve }),
    });
    this.workers = new WorkerPool(options.concurrency ?? 8, () => this.workerLoop());
  }

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.unsubscribe = this.feed.subscribe(() => this.wake());
    const intervalMs = this.options.intervalMs ?? 0;
    if (intervalMs > 0) {
      this.timer = setInterval(() => this.wake(), intervalMs);
      this.timer.unref();
    }
    this.wake();
  }

  /** Stops claiming; the attempt in flight finishes (within the timeout) and what was sent is recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearInterval(this.timer);
    this.workers.stop();
    await this.workers.idle();
    await this.senders.closeAll();
  }

  /** Delivers soon what is due, once started (before start() only runOnce() delivers: tests, CLIs). */
  wake(): void {
    if (this.started) this.workers.spawn();
  }

  /** Delivers everything due now and resolves when no worker has anything left (tests, CLIs). */
  async runOnce(): Promise<void> {
    this.workers.spawn();
    await this.workers.idle();
  }

  private async workerLoop(): Promise<void> {
    while (!this.stopped) {
      let claimed: ClaimedWebhook | null;
      const claimedAt = performance.now();
      try {
        claimed = await this.repository.claim(this.owner, this.feed.current, this.now(), this.leaseMs);
      } catch (error) {
        this.log.warn({ err: error }, "webhook claim failed; retrying at the next wake");
        return;
      }
      if (!claimed) return;
      this.senders.closeIdle();
      // Others may be due too: another worker looks while this one sends.
      this.workers.spawn();
      try {
        const terms = { owner: this.owner, leaseMs: this.leaseMs, timeoutMs: this.timeoutMs };
        await this.work(new HeldLease(claimed.id, claimed.url, claimed.secret, claimedAt, terms), claimed);
      } catch (error) {
        // Its lease expires: the endpoint is taken up again then (by any instance).
        this.log.warn({ err: error, webhook_id: claimed.id }, "webhook delivery failed unexpectedly");
        continue;
      }
      await this.repository.release(claimed.id, this.owner).catch((error: unknown) => {
        this.log.warn({ err: error, webhook_id: claimed.id }, "webhook lease release failed");
      });
    }
  }

  private async work(lease: HeldLease, webhook: ClaimedWebhook): Promise<void> {
    const queued = await this.repository.duePending(webhook.id, this.now(), this.batch);
    for (const delivery of queued) {
      if (!(await this.sendQueued(lease, delivery))) return;
    }
    if (webhook.nextAttemptAt && webhook.nextAttemptAt > this.now()) return;
    await this.deliverLog(lease, webhook);
  }

  /**
   * Sends the events after the cursor, in order, up to `pipelining` in flight at once on the
   * endpoint's connection (webhook-sender.ts), for up to READS_PER_CLAIM reads of `batch`
   * events while there is more (a backlog, or the horizon moved). Answers are taken in order:
   * a success moves the cursor past its event; the first failure stops the endpoint until its
   * retry, and the requests behind it that are still in flight are not counted: the cursor
   * stays before them, so they are sent again after the failed event (at least once). The
   * statements run beside the sends instead of between them: the next batch is read while
   * this one is sent (and used only if all of this one succeeds), and the successes are
   * recorded while later events are sent, one record in flight at a time, in order. A
   * failure waits for the record before it and is recorded at once.
   */
  private async deliverLog(lease: HeldLease, webhook: ClaimedWebhook): Promise<void> {
    const filter = webhook.eventTypes.includes(ALL_EVENTS) ? {} : { types: webhook.eventTypes };
    let failures = webhook.attempt;
    let cursor = webhook.cursor;
    // Successes answered and not recorded yet, oldest first. Recorded (and the cursor moved
    // past them) with the next failure, before a renewal, or at the end of a batch. Until then
    // the cursor stays before them: if this process dies now they are sent again, with the
    // same webhook-id (at least once), and a lost lease never moves the cursor.
    let sent: HeadAttempt[] = [];
    const succeeded = { attempt: 0, nextAttemptAt: null, disable: null };
    // The records in flight, chained so that they apply in order; false once one found the
    // lease lost or the endpoint disabled (later ones still insert their attempt rows).
    let recording: Promise<boolean> = Promise.resolve(true);
    let lost = false;
    const record = (state: Parameters<WebhookDispatchRepository["recordHeadAttempts"]>[3]) => {
      const attempts = sent;
      sent = [];
      recording = recording.then(async (owned) => {
        const ok = await this.repository.recordHeadAttempts(webhook.id, this.owner, attempts, state);
        if (!ok) lost = true;
        return owned && ok;
      });
      recording.catch(() => {}); // awaited below; a failed record ends the work
      return recording;
    };
    // Sent and not answered yet, in send order. At most `window` of them: one at the start
    // of a claim and after a failure, doubling with each success up to `pipelining` (a slow
    // start, as TCP's), so an endpoint that fails, or is tried again after a failure, has one
    // request in flight and nothing is sent behind a failing event.
    const inFlight: { event: LoggedEvent; result: Promise<SendResult> }[] = [];
    let window = 1;
    /** Takes the oldest answer; false when the endpoint stops here (a retry to wait for, lease lost, disabled). */
    const settleOldest = async (): Promise<boolean> => {
      const { event, result } = inFlight.shift() as (typeof inFlight)[number];
      const attempt = failures + 1;
      const outcome = classifyAttempt(await result, attempt, this.retryPolicy());
      this.count(outcome);
      sent.push({ event, attempt, record: outcome.record });
      if (outcome.record.status === "succeeded") {
        failures = 0;
        cursor = event.id;
        window = Math.min(this.pipelining, window * 2);
        return true;
      }
      window = 1;
      // A failure is recorded at once, with the successes before it.
      const advance = outcome.final || outcome.record.disable !== null;
      failures = advance ? 0 : attempt;
      if (advance) cursor = event.id;
      const owned = await record({
        cursor,
        attempt: failures,
        nextAttemptAt: outcome.record.nextAttemptAt,
        disable: outcome.record.disable,
      });
      // Otherwise wait for the retry; later events stay behind this one.
      return owned && outcome.record.disable === null && advance;
    };
    // False once an answer stopped the endpoint: what is still in flight is then not waited for.
    let going = true;
    let upTo = this.feed.current;
    let next: Promise<LoggedEvent[]> | null = this.eventLog.read(cursor, upTo, filter, this.batch);
    try {
      for (let reads = 0; going && next && reads < READS_PER_CLAIM && !this.stopped; reads++) {
        const events = await next;
        next = null;
        const last = events.at(-1);
        if (!last) break;
        const horizon = this.feed.current;
        if ((events.length === this.batch || horizon > upTo) && reads + 1 < READS_PER_CLAIM) {
          upTo = horizon;
          next = this.eventLog.read(last.id, upTo, filter, this.batch);
          next.catch(() => {}); // awaited in the next round, or not needed
        }
        for (const event of events) {
          // Lease lost or endpoint disabled, or stop(): what was sent is answered and recorded (finally).
          if (lost || this.stopped) break;
          if (lease.renewalDue) {
            // The delivery log lags the sends by at most a third of the lease.
            if (sent.length > 0) record({ cursor, ...succeeded });
            if (!(await lease.renew(this.repository))) {
              going = false;
              break;
            }
          }
          inFlight.push({ event, result: this.senders.for(lease).send(lease.secret, eventMessage(event)) });
          if (inFlight.length < window) continue;
          going = await settleOldest();
          if (!going) break;
        }
        // The last read: every answer is in before the one record of the rest.
        if (!next) while (going && !lost && inFlight.length > 0) going = await settleOldest();
        if (sent.length > 0) record({ cursor, ...succeeded });
      }
      while (going && inFlight.length > 0) going = await settleOldest();
    } finally {
      if (sent.length > 0) record({ cursor, ...succeeded });
      // The lease is kept until every request sent under it is answered or timed out (their
      // answers are not counted), so no other worker sends to this endpoint meanwhile.
      await Promise.all([recording, ...inFlight.map((request) => request.result)]);
    }
  }

  /** Sends one queued attempt; false when this worker should stop (lease lost, endpoint gone or disabled). */
  private async sendQueued(lease: HeldLease, delivery: PendingDelivery): Promise<boolean> {
    if (lease.renewalDue && !(await lease.renew(this.repository))) return false;
    const webhookId = lease.id;
    const message = await this.queuedMessage(webhookId, delivery);
    const result: SendResult = message
      ? await this.senders.for(lease).send(lease.secret, message)
      : { status: null, durationMs: 0, error: "the event is no longer in the log", retryAfter: undefined };
    const outcome = classifyAttempt(result, Number.POSITIVE_INFINITY, this.retryPolicy());
    const recorded = await this.repository.recordQueuedAttempt(delivery.id, webhookId, this.owner, {
      ...outcome.record,
      nextAttemptAt: null,
    });
    this.metrics.webhookAttempt(outcome.record.status);
    return recorded && outcome.record.disable === null;
  }

  private async queuedMessage(webhookId: number, delivery: PendingDelivery): Promise<WebhookMessage | null> {
    if (delivery.eventId === null) return testMessage(webhookId, delivery);
    const [event] = await this.eventLog.read(delivery.eventId - 1n, delivery.eventId, {}, 1);
    return event ? eventMessage(event) : null;
  }

  private retryPolicy(): RetryPolicy {
    return {
      now: this.now(),
      schedule: this.options.retrySchedule ?? DEFAULT_RETRY_SCHEDULE_MS,
      ...(this.options.random && { random: this.options.random }),
    };
  }

  private count(outcome: AttemptOutcome): void {
    this.metrics.webhookAttempt(outcome.record.status);
    if (outcome.final) this.metrics.webhookFinalFailure();
  }
}
