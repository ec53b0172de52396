// Delivery end to end on a real PostgreSQL and real receivers on 127.0.0.1 (hence
// WEBHOOK_ALLOW_PRIVATE_URLS), signatures checked by the standardwebhooks package. The
// dispatcher is driven with runOnce() and a clock the tests move, never by sleeping
// through a backoff; the schedule is shortened to 1 s, 2 s, 3 s (4 attempts in all).
import { readFileSync } from "node:fs";
import https from "node:https";
import net, { type AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { WebhookDispatcherOptions } from "../../../src/modules/webhooks/webhook-dispatcher.options.js";
import { WebhookThread } from "../../../src/modules/webhooks/webhook-thread.js";
import { type RunningApp, startTestApp, useTestApp } from "../../helpers/test-app.js";
import { onRealServer } from "../../helpers/test-database.js";
import { deliver as deliverDue, settle } from "../../helpers/webhook-delivery.js";
import { type Receiver, startReceiver } from "../../helpers/webhook-receiver.js";

let offsetMs = 0;
const now = () => new Date(Date.now() + offsetMs);
const advance = (ms: number) => {
  offsetMs += ms;
};
const SCHEDULE = [1_000, 2_000, 3_000];
const fixture = (name: string) => new URL(`../../fixtures/${name}`, import.meta.url);
const webhookOptions: Partial<WebhookDispatcherOptions> = {
  allowPrivateUrls: true,
  retrySchedule: SCHEDULE,
  random: () => 0.5, // no jitter: exact times
  now,
  timeoutMs: 400,
};
const t = useTestApp({ webhooks: webhookOptions });

const receivers: Receiver[] = [];
const others: RunningApp[] = [];
afterEach(async () => {
  for (const receiver of receivers.splice(0)) await receiver.close();
  for (const app of others.splice(0)) await app.close();
  // Endpoints of one test must not take the next test's events.
  await t.database.prisma.webhook.updateMany({ data: { enabled: false } });
});

async function receiver(port?: number): Promise<Receiver> {
  const started = await startReceiver(port);
  receivers.push(started);
  return started;
}

async function register(app: RunningApp, target: Receiver | string, eventTypes = ["operator.created"]) {
  const url = typeof target === "string" ? target : target.url;
  const response = await app.app.inject({
    method: "POST",
    url: "/webhooks",
    payload: { url, event_types: eventTypes },
  });
  expect(response.statusCode, response.body).toBe(201);
  const created = response.json() as { id: number; secret: string };
  if (typeof target !== "string") target.secret = created.secret;
  return created;
}

/** n operator.created events through the API; their ids. */
async function events(n: number, app: RunningApp = t): Promise<number[]> {
  for (let i = 0; i < n; i++) {
    const response = await app.app.inject({
      method: "POST",
      url: "/operators",
      payload: { name: `op ${i}` },
    });
    expect(response.statusCode).toBe(201);
  }
  const rows = await app.database.prisma.event.findMany({
    where: { type: "operator.created" },
    orderBy: { id: "desc" },
    take: n,
  });
  return rows.map((row) => Number(row.id)).reverse();
}

/** Every committed event seen, then what is due delivered (tests/helpers/webhook-delivery.ts). */
async function deliver(app: RunningApp = t): Promise<void> {
  await deliverDue(app);
}

type Delivery = {
  id: number;
  event_id: number | null;
  event_type: string;
  attempt: number;
  status: string;
  response_status: number | null;
  error: string | null;
  next_attempt_at: string | null;
};
async function deliveries(id: number, app: RunningApp = t): Promise<Delivery[]> {
  const response = await app.app.inject({ method: "GET", url: `/webhooks/${id}/deliveries?limit=500` });
  expect(response.statusCode).toBe(200);
  return (response.json().items as Delivery[]).reverse(); // oldest first
}

describe("delivery", () => {
  it("POSTs each event once, in order, signed so that standardwebhooks verifies it", async () => {
    const hook = await receiver();
    const { id } = await register(t, hook);
    const ids = await events(3);
    await deliver();
    expect(hook.received.map((r) => [r.id, r.type, r.verified])).toEqual(
      ids.map((eventId) => [String(eventId), "operator.created", true]),
    );
    const body = hook.received[0]?.body;
    expect(Object.keys(body ?? {}).sort()).toEqual(["data", "timestamp", "type"]);
    expect(body?.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Math.abs(Number(hook.received[0]?.timestamp) - Date.now() / 1000)).toBeLessThan(60);
    expect((await deliveries(id)).map((d) => [d.event_id, d.attempt, d.status, d.response_status])).toEqual(
      ids.map((eventId) => [eventId, 1, "succeeded", 200]),
    );
    await deliver();
    expect(hook.received).toHaveLength(3); // nothing twice
  });

  it("retries a 500 after the backoff with the same webhook-id, and later events wait behind it", async () => {
    const hook = await receiver();
    hook.reply = (n) => (n === 0 ? { status: 500, body: "boom" } : { status: 200 });
    const { id } = await register(t, hook);
    const ids = await events(2);
    await deliver();
    expect(hook.received.map((r) => r.id)).toEqual([String(ids[0])]);
    const [failed] = await deliveries(id);
    expect(failed).toMatchObject({
      attempt: 1,
      status: "failed",
      response_status: 500,
      error: "HTTP 500: boom",
    });
    const due = Date.parse(failed?.next_attempt_at ?? "") - now().getTime();
    expect(due).toBeGreaterThan(500);
    expect(due).toBeLessThanOrEqual(1_000);
    await deliver(); // not due yet
    expect(hook.received).toHaveLength(1);
    advance(1_000);
    await deliver();
    expect(hook.received.map((r) => r.id)).toEqual([String(ids[0]), String(ids[0]), String(ids[1])]);
    expect(hook.received.every((r) => r.verified)).toBe(true);
    expect((await deliveries(id)).map((d) => [d.event_id, d.attempt, d.status])).toEqual([
      [ids[0], 1, "failed"],
      [ids[0], 2, "succeeded"],
      [ids[1], 1, "succeeded"],
    ]);
  });

  it("honours Retry-After when it asks for later than the backoff", async () => {
    const hook = await receiver();
    hook.reply = (n) => (n === 0 ? { status: 429, headers: { "retry-after": "120" } } : { status: 204 });
    const { id } = await register(t, hook);
    await events(1);
    await deliver();
    const [limited] = await deliveries(id);
    const due = Date.parse(limited?.next_attempt_at ?? "") - now().getTime();
    expect(due).toBeGreaterThan(110_000);
    expect(due).toBeLessThanOrEqual(120_000);
    advance(SCHEDULE[0] as number);
    await deliver();
    expect(hook.received).toHaveLength(1);
    advance(120_000);
    await deliver();
    expect(hook.received).toHaveLength(2);
    expect((await deliveries(id)).map((d) => d.status)).toEqual(["failed", "succeeded"]);
  });

  it("a 410 disables the endpoint; nothing more is sent to it", async () => {
    const hook = await receiver();
    hook.reply = () => ({ status: 410 });
    const { id } = await register(t, hook);
    await events(2);
    await deliver();
    expect(hook.received).toHaveLength(1);
    const shown = (await t.app.inject({ method: "GET", url: `/webhooks/${id}` })).json();
    expect(shown).toMatchObject({ enabled: false, disabled_reason: "the receiver answered 410 Gone" });
    advance(10_000);
    await events(1);
    await deliver();
    expect(hook.received).toHaveLength(1);
  });

  it("gives up after the last attempt (a failed row and a metric), then goes on with the next event", async () => {
    const hook = await receiver();
    hook.reply = (_, request) => (request.id === hook.received[0]?.id ? { status: 503 } : { status: 200 });
    const { id } = await register(t, hook);
    const ids = await events(2);
    for (const delay of [0, ...SCHEDULE]) {
      advance(delay);
      await deliver();
    }
    const log = await deliveries(id);
    expect(log.map((d) => [d.event_id, d.attempt, d.status, d.next_attempt_at === null])).toEqual([
      [ids[0], 1, "failed", false],
      [ids[0], 2, "failed", false],
      [ids[0], 3, "failed", false],
      [ids[0], 4, "failed", true],
      [ids[1], 1, "succeeded", true],
    ]);
    expect(log[3]?.error).toBe("HTTP 503 (gave up after 4 attempts)");
    const metrics = await t.deps.metrics.registry.getMetricsAsJSON();
    const final = metrics.find((metric) => metric.name === "lds_webhook_delivery_failures_final_total");
    expect(final?.values[0]?.value).toBeGreaterThanOrEqual(1);
    advance(60_000);
    await deliver();
    expect(hook.received).toHaveLength(5); // nothing retried forever
  });

  it("a receiver that times out or resets fails that attempt without blocking another endpoint", async () => {
    const slow = await receiver();
    slow.reply = () => ({ status: 200, delayMs: 2_000 });
    const reset = await receiver();
    reset.reply = () => "reset";
    const fast = await receiver();
    const slowHook = await register(t, slow);
    const resetHook = await register(t, reset);
    await register(t, fast);
    const ids = await events(3);
    const started = Date.now();
    await deliver();
    expect(fast.received.map((r) => r.id)).toEqual(ids.map(String));
    expect((fast.received.at(-1)?.at ?? 0) - started).toBeLessThan(2_000);
    const [timedOut] = await deliveries(slowHook.id);
    expect(timedOut).toMatchObject({
      status: "failed",
      response_status: null,
      error: "timed out after 400 ms",
    });
    const [wasReset] = await deliveries(resetHook.id);
    expect(wasReset).toMatchObject({ status: "failed", response_status: null });
    expect(wasReset?.error).toMatch(/socket hang up|ECONNRESET|other side closed/);
  });

  it("a garbage answer, a redirect and an untrusted certificate each fail the attempt; nothing is followed", async () => {
    // Not HTTP at all: a raw socket that writes noise and closes.
    const noise = net.createServer((socket) => {
      socket.resume(); // read the request (and the client's close) away
      socket.end("this is not HTTP\r\n\r\n");
    });
    await new Promise<void>((resolve) => noise.listen(0, "127.0.0.1", resolve));
    // A redirect to a receiver that must hear nothing.
    const target = await receiver();
    const redirecting = await receiver();
    redirecting.reply = () => ({ status: 302, headers: { location: target.url } });
    // HTTPS with a self-signed certificate: verified, so refused.
    const tlsServer = https.createServer(
      { key: readFileSync(fixture("self-signed.key")), cert: readFileSync(fixture("self-signed.crt")) },
      (_request, response) => response.writeHead(200).end(),
    );
    await new Promise<void>((resolve) => tlsServer.listen(0, "127.0.0.1", resolve));
    const fast = await receiver();
    try {
      const noiseHook = await register(t, `http://127.0.0.1:${(noise.address() as AddressInfo).port}/hook`);
      const redirectHook = await register(t, redirecting);
      const tlsHook = await register(
        t,
        `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}/hook`,
      );
      await register(t, fast);
      const ids = await events(2);
      await deliver();
      expect(fast.received.map((r) => r.id)).toEqual(ids.map(String));
      const [garbled] = await deliveries(noiseHook.id);
      expect(garbled).toMatchObject({ event_id: ids[0], status: "failed", response_status: null });
      expect(garbled?.error).toBe(
        "Response does not match the HTTP/1.1 protocol (Expected HTTP/, RTSP/ or ICE/)",
      );
      const redirected = await deliveries(redirectHook.id);
      expect(redirected.map((d) => [d.event_id, d.status, d.response_status, d.error])).toEqual([
        [ids[0], "failed", 302, "HTTP 302"],
      ]);
      expect(target.received).toEqual([]);
      const [untrusted] = await deliveries(tlsHook.id);
      expect(untrusted).toMatchObject({ event_id: ids[0], status: "failed", response_status: null });
      expect(untrusted?.error).toMatch(/self[- ]signed certificate/);
    } finally {
      await new Promise((resolve) => noise.close(resolve));
      await new Promise((resolve) => tlsServer.close(resolve));
    }
  });

  it("a receiver down for a while gets every event afterwards, in order", async () => {
    const probe = await startReceiver();
    const { port, url } = probe;
    await probe.close(); // nothing listens there now
    const { id, secret } = await register(t, url);
    const ids = await events(4);
    for (const delay of [0, 1_000, 2_000]) {
      advance(delay);
      await deliver();
    }
    const down = await deliveries(id);
    expect(down.map((d) => [d.event_id, d.status])).toEqual([
      [ids[0], "failed"],
      [ids[0], "failed"],
      [ids[0], "failed"],
    ]);
    expect(down[0]?.error).toMatch(/ECONNREFUSED/);
    const back = await receiver(port);
    back.secret = secret;
    advance(3_000);
    await deliver();
    expect(back.received.map((r) => [r.id, r.verified])).toEqual(
      ids.map((eventId) => [String(eventId), true]),
    );
  });

  it("refuses a private address at delivery time when the instance does not allow them", async () => {
    const hook = await receiver();
    const { id } = await register(t, hook);
    const strict = await startTestApp(t.testDatabase.url, {
      webhooks: { ...webhookOptions, allowPrivateUrls: false },
    });
    others.push(strict);
    await events(1);
    await deliver(strict);
    expect(hook.received).toHaveLength(0);
    const [refused] = await deliveries(id);
    expect(refused?.error).toMatch(/127\.0\.0\.1, a loopback, private or link-local address/);
  });
});

describe("restarts and instances", () => {
  it("a new instance finishes a retry the stopped one scheduled; nothing succeeds twice", async () => {
    const hook = await receiver();
    hook.reply = (n) => (n === 0 ? { status: 500 } : { status: 200 });
    const first = await startTestApp(t.testDatabase.url, { webhooks: webhookOptions });
    const { id } = await register(first, hook);
    const ids = await events(2, first);
    await deliver(first);
    await first.close();
    const second = await startTestApp(t.testDatabase.url, { webhooks: webhookOptions });
    others.push(second);
    advance(1_000);
    await deliver(second);
    expect(hook.received.map((r) => r.id)).toEqual([String(ids[0]), String(ids[0]), String(ids[1])]);
    const log = await deliveries(id, second);
    expect(log.filter((d) => d.status === "succeeded").map((d) => d.event_id)).toEqual(ids);
  });

  it("a lease held by another instance keeps it off the endpoint until the lease expires", async () => {
    const hook = await receiver();
    const { id } = await register(t, hook);
    await events(1);
    await t.database.pool.query(
      "UPDATE webhooks SET lease_owner = 'crashed', lease_until = now() + interval '1 hour' WHERE id = $1",
      [id],
    );
    await deliver();
    expect(hook.received).toHaveLength(0);
    await t.database.pool.query(
      "UPDATE webhooks SET lease_until = now() - interval '1 second' WHERE id = $1",
      [id],
    );
    await deliver();
    expect(hook.received).toHaveLength(1);
  });

  it("two instances dispatching at once deliver each event to each endpoint once, in order", async () => {
    const other = await startTestApp(t.testDatabase.url, { webhooks: webhookOptions });
    others.push(other);
    const hooks = await Promise.all([receiver(), receiver(), receiver()]);
    for (const hook of hooks) {
      hook.reply = () => ({ status: 200, delayMs: 5 });
      await register(t, hook);
    }
    const ids = await events(12);
    await Promise.all([settle(t), settle(other)]);
    await Promise.all([
      t.deps.webhookDispatcher.runOnce(),
      other.deps.webhookDispatcher.runOnce(),
      t.deps.webhookDispatcher.runOnce(),
      other.deps.webhookDispatcher.runOnce(),
    ]);
    await Promise.all([deliver(), deliver(other)]);
    for (const hook of hooks) expect(hook.received.map((r) => Number(r.id))).toEqual(ids);
  });
});

describe("manual retry, test events, secret rotation", () => {
  it("retry sends the event again with its webhook-id; test sends webhook.test to that endpoint only", async () => {
    const hook = await receiver();
    const bystander = await receiver();
    const { id } = await register(t, hook);
    await register(t, bystander);
    const [eventId] = await events(1);
    await deliver();
    const [delivered] = await deliveries(id);
    const retry = await t.app.inject({
      method: "POST",
      url: `/webhooks/${id}/deliveries/${delivered?.id}/retry`,
    });
    expect(retry.statusCode, retry.body).toBe(202);
    expect(retry.json()).toMatchObject({ event_id: eventId, attempt: 2, status: "pending" });
    const test = await t.app.inject({ method: "POST", url: `/webhooks/${id}/test` });
    expect(test.statusCode).toBe(202);
    await deliver();
    expect(hook.received.map((r) => [r.id, r.type, r.verified])).toEqual([
      [String(eventId), "operator.created", true],
      [String(eventId), "operator.created", true],
      [`test_${test.json().id}`, "webhook.test", true],
    ]);
    expect(hook.received[2]?.body.data).toEqual({ webhook_id: id, delivery_id: test.json().id });
    expect(bystander.received).toHaveLength(1);
    expect((await deliveries(id)).map((d) => [d.event_type, d.attempt, d.status])).toEqual([
      ["operator.created", 1, "succeeded"],
      ["operator.created", 2, "succeeded"],
      ["webhook.test", 1, "succeeded"],
    ]);
  });

  it("after rotate_secret the next delivery is signed with the new secret", async () => {
    const hook = await receiver();
    const { id } = await register(t, hook);
    const rotated = await t.app.inject({
      method: "PATCH",
      url: `/webhooks/${id}`,
      payload: { rotate_secret: true },
    });
    const old = hook.secret;
    hook.secret = rotated.json().secret;
    expect(hook.secret).not.toBe(old);
    await events(1);
    await deliver();
    expect(hook.received.map((r) => r.verified)).toEqual([true]);
  });
});

describe("statements per delivery", () => {
  it("a run of events costs one record statement and no renewal, not two statements per event", async () => {
    const statements: string[] = [];
    const counted = await startTestApp(t.testDatabase.url, {
      webhooks: webhookOptions,
      onQuery: (sql) => statements.push(sql),
    });
    others.push(counted);
    const hook = await receiver();
    const { id } = await register(counted, hook);
    const ids = await events(30, counted);
    await settle(counted);
    statements.length = 0;
    await counted.deps.webhookDispatcher.runOnce();
    expect(hook.received.map((r) => Number(r.id))).toEqual(ids);
    const records = statements.filter((sql) => sql.includes("INSERT INTO webhook_deliveries"));
    const renewals = statements.filter((sql) => /^\s*UPDATE webhooks SET lease_until/.test(sql));
    expect(records).toHaveLength(1);
    expect(renewals).toHaveLength(0);
    expect(statements.length).toBeLessThanOrEqual(10);
    const log = await deliveries(id, counted);
    expect(log.map((d) => [d.event_id, d.attempt, d.status])).toEqual(ids.map((e) => [e, 1, "succeeded"]));
  });

  it("a lease lost while a run is sent moves no cursor; the attempts are logged and sent again later", async () => {
    const hook = await receiver();
    const { id } = await register(t, hook);
    const cursorOf = async () =>
      (
        await t.database.pool.query<{ cursor: string }>("SELECT cursor::text FROM webhooks WHERE id = $1", [
          id,
        ])
      ).rows[0]?.cursor;
    const before = await cursorOf();
    hook.reply = (n) => {
      if (n !== 1) return { status: 200 };
      // Another instance takes the endpoint over while the second event is in flight.
      void t.database.pool.query(
        "UPDATE webhooks SET lease_owner = 'other', lease_until = now() + interval '1 hour' WHERE id = $1",
        [id],
      );
      return { status: 200, delayMs: 100 };
    };
    const ids = await events(4);
    await deliver();
    expect(await cursorOf()).toBe(before);
    expect((await deliveries(id)).map((d) => [d.event_id, d.status])).toEqual(
      hook.received.map((r) => [Number(r.id), "succeeded"]),
    );
    await t.database.pool.query(
      "UPDATE webhooks SET lease_until = now() - interval '1 second' WHERE id = $1",
      [id],
    );
    const sentBefore = hook.received.length;
    await deliver();
    // At least once: everything again from the cursor, with the same webhook-ids.
    expect(hook.received.slice(sentBefore).map((r) => Number(r.id))).toEqual(ids);
    expect(await cursorOf()).toBe(String(ids.at(-1)));
  });
});

describe("pipelining", () => {
  it("a run goes out on one connection, up to 16 requests in flight, received in id order", async () => {
    const hook = await receiver();
    hook.reply = () => ({ status: 200, delayMs: 20 }); // answers lag: later requests are sent meanwhile
    const { id } = await register(t, hook);
    const ids = await events(40);
    await deliver();
    expect(hook.received.map((r) => Number(r.id))).toEqual(ids);
    expect(new Set(hook.received.map((r) => r.connection))).toEqual(new Set([1]));
    // Slow start: one in flight first, then 2, 4, 8, 16 as answers succeed, never more.
    expect(hook.maxInFlight).toBe(16);
    const log = await deliveries(id);
    expect(log.map((d) => [d.event_id, d.attempt, d.status])).toEqual(ids.map((e) => [e, 1, "succeeded"]));
  });

  it("with pipelining 1 every request waits for the answer before it", async () => {
    const strict = await startTestApp(t.testDatabase.url, { webhooks: { ...webhookOptions, pipelining: 1 } });
    others.push(strict);
    const hook = await receiver();
    hook.reply = () => ({ status: 200, delayMs: 5 });
    await register(strict, hook);
    const ids = await events(10, strict);
    await deliver(strict);
    expect(hook.received.map((r) => Number(r.id))).toEqual(ids);
    expect(hook.maxInFlight).toBe(1);
  });

  it("a failure inside a pipelined run: the events sent behind it go again after it, with their webhook-ids", async () => {
    const hook = await receiver();
    const ids = await events(0); // none yet: the failing one is chosen by id below
    expect(ids).toEqual([]);
    let failing = "";
    hook.reply = (_n, request) =>
      request.id === failing && hook.received.filter((r) => r.id === failing).length === 1
        ? { status: 500, delayMs: 20 }
        : { status: 200, delayMs: 20 };
    const { id } = await register(t, hook);
    const run = await events(30);
    failing = String(run[20]);
    await deliver();
    const first = hook.received.map((r) => Number(r.id));
    // In order up to the failed one, then whatever was already in flight behind it.
    expect(first.slice(0, 21)).toEqual(run.slice(0, 21));
    const behind = first.slice(21);
    expect(behind).toEqual(run.slice(21, 21 + behind.length));
    expect(behind.length).toBeGreaterThan(0);
    expect(behind.length).toBeLessThan(16);

    advance(SCHEDULE[0] as number);
    await deliver();
    // The failed event again, then every later one, in order: those sent behind it twice.
    expect(hook.received.map((r) => Number(r.id)).slice(first.length)).toEqual(run.slice(20));
    const log = await deliveries(id);
    expect(log.filter((d) => d.event_id === run[20]).map((d) => [d.attempt, d.status])).toEqual([
      [1, "failed"],
      [2, "succeeded"],
    ]);
    // Only answers taken in order are recorded: each later event succeeded once in the log.
    expect(log.filter((d) => d.status === "succeeded").map((d) => d.event_id)).toEqual(run);
  });
});

describe("the delivery thread", () => {
  it("delivers from a worker thread of its own, counts in this process's metrics, and stops", async () => {
    const threaded = await startTestApp(t.testDatabase.url, {
      // The real clock, as the thread's: this file's moved clock would queue the test event in its future.
      webhooks: { allowPrivateUrls: true },
      webhookThread: {
        databaseUrl: t.testDatabase.url,
        poolSize: onRealServer ? 2 : 1,
        statementTimeoutMs: undefined,
        prepareStatements: onRealServer,
        eventPollIntervalMs: 20,
        dispatcher: { allowPrivateUrls: true, pipelining: 16, intervalMs: 100 },
      },
    });
    others.push(threaded);
    const thread = threaded.deps.webhookDelivery as WebhookThread;
    expect(thread).toBeInstanceOf(WebhookThread);
    // No endpoint enabled (the file's earlier ones are disabled): no thread yet.
    thread.start();
    await new Promise((r) => setTimeout(r, 200));
    expect(thread.running).toBe(false);
    const hook = await receiver();
    const { id } = await register(threaded, hook);
    // The registration woke it: the thread starts at once, not at the next 5 s look.
    for (let i = 0; i < 100 && !thread.running; i++) await new Promise((r) => setTimeout(r, 10));
    expect(thread.running).toBe(true);
    const ids = await events(5, threaded);
    const arrived = async (n: number) => {
      for (let i = 0; i < 500 && hook.received.length < n; i++) await new Promise((r) => setTimeout(r, 20));
    };
    await arrived(5);
    expect(hook.received.map((r) => [Number(r.id), r.verified])).toEqual(ids.map((e) => [e, true]));
    // A queued attempt wakes the thread through the main thread's service.
    const test = await threaded.app.inject({ method: "POST", url: `/webhooks/${id}/test` });
    expect(test.statusCode, test.body).toBe(202);
    await arrived(6);
    expect(hook.received[5]?.type).toBe("webhook.test");
    // The thread counts an attempt once the answer is in, a moment after the receiver has it.
    const succeeded = async () => {
      const metrics = await threaded.app.inject({ method: "GET", url: "/metrics" });
      return /^lds_webhook_deliveries_total\{outcome="succeeded"\} (\d+)$/m.exec(metrics.body)?.[1];
    };
    for (let i = 0; i < 250 && (await succeeded()) !== "6"; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await succeeded()).toBe("6");
    await threaded.deps.webhookDelivery.stop();
    await events(1, threaded);
    await new Promise((r) => setTimeout(r, 300));
    expect(hook.received).toHaveLength(6); // stopped: nothing more is sent
  });
});
