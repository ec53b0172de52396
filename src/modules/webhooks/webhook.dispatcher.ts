// Delivers the event log to the webhook endpoints: one dispatcher per process, woken when
// the EventFeed's horizon moves and by a timer (retries that come due, other instances'
// expired leases). Up to `concurrency` endpoints are worked at once, each by one worker
// that holds its lease (webhook-dispatch.repository.ts), so a slow, resetting or garbage-
// answering receiver occupies one worker for at most the request timeout per attempt and
// never blocks the other endpoints. Per endpoint, events go out one at a time in id order;
// a failure stops that endpoint until its next_attempt_at (the backoff of webhook-backoff.ts),
// later events wait behind it: at least once, in order. Everything is in the tables (cursor,
// attempt, next_attempt_at, queued rows), so a restart loses nothing and a dead instance's
// lease simply expires.
//
// Few statements per event: the dispatcher shares the pool with the intake, and every
// statement waits for a connection. A worker reads up to `batch` events at a time, renews
// its lease only once a third of it has passed (not before every attempt), and records a
// run of successes in one statement, with the failure that ends it, at the end of the
// batch or before a renewal. While there is a backlog it keeps the lease for up to
// READS_PER_CLAIM batches, reading the next batch and recording the last one while it
// sends (deliverLog), so the sends rarely wait for the pool. Attempts sent but not yet
// recorded are lost if the process dies then: the cursor has not moved past them, so they
// are sent again, with the same webhook-id, by whichever instance claims the endpoint next:
// at least once, as before, only with up to a batch sent twice instead of one event (and
// those lost attempts are missing from the delivery log, as the one in flight was before).
//
// Queued attempts (manual retry, test event) are rows with status pending: the worker sends
// them first, outside the cursor order, once each (a failed manual retry is not retried
// automatically; it can be retried again by hand).
//
// pg-boss could take over the scheduling later (a per-endpoint job with singletonKey and
// startAfter = next_attempt_at, woken by the feed); the lease, cursor and delivery rows
// would stay as they are.
import { randomUUID } from "node:crypto";
import type { EventFeed } from "../events/event-feed.js";
import type { EventLogRepository, LoggedEvent } from "../events/event-log.repository.js";
import { DEFAULT_RETRY_SCHEDULE_MS, parseRetryAfter, retryDelayMs } from "./webhook-backoff.js";
import type {
  AttemptRecord,
  ClaimedWebhook,
  HeadAttempt,
  PendingDelivery,
  WebhookDispatchRepository,
} from "./webhook-dispatch.repository.js";
import { ALL_EVENTS, TEST_EVENT_TYPE } from "./webhook-events.js";
import { type SendResult, sendWebhook, type WebhookMessage } from "./webhook-sender.js";
import type { Resolver } from "./webhook-url-guard.js";

export type WebhookMetrics = {
  webhookAttempt(outcome: "succeeded" | "failed"): void;
  webhookFinalFailure(): void;
};

export type DispatcherLog = { warn(details: object, message: string): void };

export type WebhookDispatcherOptions = {
  allowPrivateUrls: boolean;
  /** This instance's name in lease_owner; unique per dispatcher by default. */
  owner?: string;
  /** Endpoints worked at once by this process. */
  concurrency?: number;
  /** Events read per claim (attempts per lease) before the endpoint goes back to the others. */
  batch?: number;
  leaseMs?: number;
  /** Deadline of one attempt (connect, send, answer). */
  timeoutMs?: number;
  /** How often the timer wakes the dispatcher once started; 0 leaves it to the feed and runOnce(). */
  intervalMs?: number;
  retrySchedule?: readonly number[];
  random?: () => number;
  /** The clock of next_attempt_at (tests move it instead of sleeping). */
  now?: () => Date;
  resolve?: Resolver;
};

/** The endpoint a worker holds: its id, the settings it sends with, and when its lease was last extended (performance.now()). */
type HeldLease = { id: number; url: string; secret: string; renewedAt: number };

/** Reads of `batch` events a worker makes per claim before the endpoint goes back to the others. */
const READS_PER_CLAIM = 10;

export class WebhookDispatcher {
  private readonly owner: string;
  private readonly concurrency: number;
  private readonly batch: number;
  private readonly leaseMs: number;
  private readonly renewAfterMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => Date;
  private active = 0;
  private idle: (() => void)[] = [];
  private stopped = false;
  private started = false;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly repository: WebhookDispatchRepository,
    private readonly eventLog: Pick<EventLogRepository, "read">,
    private readonly feed: Pick<EventFeed, "current" | "subscribe">,
    private readonly metrics: WebhookMetrics,
    private readonly log: DispatcherLog,
    private readonly options: WebhookDispatcherOptions,
  ) {
    this.owner = options.owner ?? `dispatcher-${randomUUID()}`;
    this.concurrency = options.concurrency ?? 8;
    this.batch = options.batch ?? 200;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    // The lease is renewed before an attempt once this long has passed since the claim or the
    // last renewal (measured from before the statement was sent, so on the safe side of the
    // database's clock): every attempt starts with at least two thirds of the lease, and at
    // least twice its deadline, left, so the lease never expires while this instance sends.
    // By default a third of 30 s, with a 10 s deadline.
    this.renewAfterMs = Math.min(this.leaseMs / 3, Math.max(0, this.leaseMs - 2 * this.timeoutMs));
    this.now = options.now ?? (() => new Date());
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
    await this.whenIdle();
  }

  /** Delivers soon what is due, once started (before start() only runOnce() delivers: tests, CLIs). */
  wake(): void {
    if (this.started) this.spawn();
  }

  /** Starts a worker unless `concurrency` are busy (they claim again when done). */
  private spawn(): void {
    if (this.stopped || this.active >= this.concurrency) return;
    this.active++;
    void this.workerLoop().finally(() => {
      this.active--;
      if (this.active === 0) for (const resolve of this.idle.splice(0)) resolve();
    });
  }

  /** Delivers everything due now and resolves when no worker has anything left (tests, CLIs). */
  async runOnce(): Promise<void> {
    this.spawn();
    await this.whenIdle();
  }

  private whenIdle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
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
      // Others may be due too: another worker looks while this one sends.
      this.spawn();
      try {
        await this.work(
          {
            id: claimed.id,
            url: claimed.url,
            secret: claimed.secret,
            renewedAt: claimedAt,
          },
          claimed,
        );
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
   * Sends the events after the cursor, in order, one at a time, for up to READS_PER_CLAIM
   * reads of `batch` events while there is more (a backlog, or the horizon moved). The
   * statements run beside the sends instead of between them: the next batch is read while
   * this one is sent (and used only if all of this one succeeds), and a batch's successes
   * are recorded while the next is sent, one record in flight at a time, in order. A
   * failure waits for the record before it and is recorded at once.
   */
  private async deliverLog(lease: HeldLease, webhook: ClaimedWebhook): Promise<void> {
    const filter = webhook.eventTypes.includes(ALL_EVENTS) ? {} : { types: webhook.eventTypes };
    let failures = webhook.attempt;
    let cursor = webhook.cursor;
    // Successes sent and not recorded yet, oldest first. Recorded (and the cursor moved past
    // them) with the next failure, before a renewal, or at the end of the batch. Until then
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
    let upTo = this.feed.current;
    let next: Promise<LoggedEvent[]> | null = this.eventLog.read(cursor, upTo, filter, this.batch);
    try {
      for (let reads = 0; next && reads < READS_PER_CLAIM && !this.stopped; reads++) {
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
          // Lease lost or endpoint disabled, or stop(): what was sent is recorded (finally).
          if (lost || this.stopped) return;
          if (this.renewalDue(lease)) {
            // The delivery log lags the sends by at most a third of the lease.
            if (sent.length > 0) record({ cursor, ...succeeded });
            if (!(await this.renew(lease))) return;
          }
          const result = await this.send(lease.url, lease.secret, eventMessage(event));
          const attempt = failures + 1;
          const outcome = this.classify(result, attempt);
          this.count(outcome);
          sent.push({ event, attempt, record: outcome.record });
          if (outcome.record.status === "succeeded") {
            failures = 0;
            cursor = event.id;
            continue;
          }
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
          if (!owned || outcome.record.disable !== null) return;
          if (!advance) return; // wait for the retry; later events stay behind this one
        }
        if (sent.length > 0) record({ cursor, ...succeeded });
      }
    } finally {
      if (sent.length > 0) record({ cursor, ...succeeded });
      await recording;
    }
  }

  private renewalDue(lease: HeldLease): boolean {
    return performance.now() - lease.renewedAt >= this.renewAfterMs;
  }

  /**
   * Extends the lease and takes the settings it returns (a PATCH of the URL or a rotated
   * secret applies from here on: from the claim or the renewal after it). False when the
   * lease is lost or the endpoint was disabled or deleted.
   */
  private async renew(lease: HeldLease): Promise<boolean> {
    const started = performance.now();
    const settings = await this.repository.renew(lease.id, this.owner, this.leaseMs);
    if (!settings) return false;
    lease.url = settings.url;
    lease.secret = settings.secret;
    lease.renewedAt = started;
    return true;
  }

  /** Sends one queued attempt; false when this worker should stop (lease lost, endpoint gone or disabled). */
  private async sendQueued(lease: HeldLease, delivery: PendingDelivery): Promise<boolean> {
    if (this.renewalDue(lease) && !(await this.renew(lease))) return false;
    const webhookId = lease.id;
    const message = await this.queuedMessage(webhookId, delivery);
    const result: SendResult = message
      ? await this.send(lease.url, lease.secret, message)
      : { status: null, durationMs: 0, error: "the event is no longer in the log", retryAfter: undefined };
    const outcome = this.classify(result, Number.POSITIVE_INFINITY);
    const recorded = await this.repository.recordQueuedAttempt(delivery.id, webhookId, this.owner, {
      ...outcome.record,
      nextAttemptAt: null,
    });
    this.metrics.webhookAttempt(outcome.record.status);
    return recorded && outcome.record.disable === null;
  }

  private async queuedMessage(webhookId: number, delivery: PendingDelivery): Promise<WebhookMessage | null> {
    if (delivery.eventId === null) {
      return {
        id: `test_${delivery.id}`,
        body: JSON.stringify({
          type: TEST_EVENT_TYPE,
          timestamp: delivery.createdAt.toISOString(),
          data: { webhook_id: webhookId, delivery_id: delivery.id },
        }),
      };
    }
    const [event] = await this.eventLog.read(delivery.eventId - 1n, delivery.eventId, {}, 1);
    return event ? eventMessage(event) : null;
  }

  private send(url: string, secret: string, message: WebhookMessage): Promise<SendResult> {
    return sendWebhook(url, secret, message, {
      timeoutMs: this.timeoutMs,
      allowPrivateUrls: this.options.allowPrivateUrls,
      ...(this.options.resolve && { resolve: this.options.resolve }),
    });
  }

  /** The attempt's record and what it means: success, retry at a time, failed for good, or gone (410). */
  private classify(result: SendResult, attempt: number): { record: AttemptRecord; final: boolean } {
    const base = { responseStatus: result.status, durationMs: result.durationMs, error: result.error };
    if (result.status !== null && result.status >= 200 && result.status < 300) {
      return { record: { ...base, status: "succeeded", nextAttemptAt: null, disable: null }, final: false };
    }
    if (result.status === 410) {
      const disable = "the receiver answered 410 Gone";
      return { record: { ...base, status: "failed", nextAttemptAt: null, disable }, final: false };
    }
    const now = this.now();
    const delay = Number.isFinite(attempt)
      ? retryDelayMs(
          attempt,
          parseRetryAfter(result.retryAfter, now),
          this.options.retrySchedule ?? DEFAULT_RETRY_SCHEDULE_MS,
          this.options.random,
        )
      : null;
    if (delay === null) {
      const error = Number.isFinite(attempt)
        ? `${base.error ?? "failed"} (gave up after ${attempt} attempts)`
        : base.error;
      return {
        record: { ...base, error, status: "failed", nextAttemptAt: null, disable: null },
        final: true,
      };
    }
    const nextAttemptAt = new Date(now.getTime() + delay);
    return { record: { ...base, status: "failed", nextAttemptAt, disable: null }, final: false };
  }

  private count(outcome: { record: AttemptRecord; final: boolean }): void {
    this.metrics.webhookAttempt(outcome.record.status);
    if (outcome.final) this.metrics.webhookFinalFailure();
  }
}

/** Standard Webhooks: `{ type, timestamp, data }` with the resource as `data`; the event id is the webhook-id. */
export function eventMessage(event: LoggedEvent): WebhookMessage {
  return {
    id: String(event.id),
    body: JSON.stringify({ type: event.type, timestamp: event.occurredAt.toISOString(), data: event.data }),
  };
}
