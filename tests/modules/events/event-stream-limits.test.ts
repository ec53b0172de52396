// The live stream's bounds, over real sockets: a client that stops reading is dropped
// (and counted), not buffered for without limit, and resumes without a loss; heartbeat
// comments keep an idle stream alive, past the request deadline; shutting the instance
// down ends its streams instead of waiting for them.
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { query } from "../../helpers/sql.js";
import { parseSse, SseClient, type SseEvent } from "../../helpers/sse-client.js";
import { startTestApp, useTestApp } from "../../helpers/test-app.js";

const AUTH = { mode: "on", host: "127.0.0.1" } as const;
const t = useTestApp({
  auth: AUTH,
  poolSize: 3,
  eventPollIntervalMs: 20,
  // Small enough that a client that reads nothing fills it at once; the drain timeout, short.
  eventStream: { heartbeatMs: 50, maxBufferedBytes: 64 * 1024, drainTimeoutMs: 300, pageSize: 200 },
  http: { requestTimeoutMs: 150 },
});
let baseUrl = "";
let admin = "";
const clients: SseClient[] = [];

beforeAll(async () => {
  baseUrl = await t.app.listen({ port: 0, host: "127.0.0.1" });
  admin = (await t.deps.apiKeys.create({ label: "limits admin", role: "admin" }, "test")).key;
});
afterAll(() => {
  for (const client of clients) client.close();
});

async function open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const client = await SseClient.open(url, "/events/stream", {
    authorization: `Bearer ${admin}`,
    ...headers,
  });
  clients.push(client);
  expect(client.status).toBe(200);
  await client.waitForComments("connected", 1);
  return client;
}

async function newestId(): Promise<number> {
  const [row] = await query<{ id: number }>(
    t.testDatabase.url,
    "SELECT COALESCE(max(id), 0)::int AS id FROM events",
  );
  return row?.id ?? 0;
}

/** `count` events of about `bytes` each, in one statement; returns the last id. */
async function insertLargeEvents(count: number, bytes: number): Promise<number> {
  const [row] = await query<{ id: number }>(
    t.testDatabase.url,
    `WITH inserted AS (
       INSERT INTO events (actor, type, entity_type, entity_id, data)
       SELECT 'test', 'appeal.assigned', 'appeal', n, jsonb_build_object('n', n, 'pad', repeat('x', $2))
       FROM generate_series(1, $1) AS n
       RETURNING id)
     SELECT max(id)::int AS id FROM inserted`,
    [count, bytes],
  );
  return row?.id ?? 0;
}

/** The metric's value in this app's registry. */
async function metric(name: string): Promise<number | undefined> {
  const text = await t.deps.metrics.registry.metrics();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

/** Polls `read` until it returns `expected`, failing after `timeoutMs`: a wait, not an assertion on time. */
async function eventually<T>(read: () => Promise<T>, expected: T, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (value !== expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    value = await read();
  }
  expect(value).toBe(expected);
}

/** A client that sends the request, then never reads: the kernel's buffers fill, then the server's. */
function stalledClient(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => {
      socket.write(
        `GET /events/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nAuthorization: Bearer ${admin}\r\n\r\n`,
      );
      socket.pause();
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

/** Reads what the socket still holds until the server's close, and parses the complete events in it. */
function drainSocket(socket: net.Socket): Promise<SseEvent[]> {
  return new Promise((resolve) => {
    const events: SseEvent[] = [];
    // latin1: one character per byte, so chunk sizes count characters. The body is ASCII.
    let raw = "";
    let body = "";
    let inBody = false;
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      raw += chunk;
      if (!inBody) {
        const end = raw.indexOf("\r\n\r\n");
        if (end === -1) return;
        inBody = true;
        raw = raw.slice(end + 4);
      }
      // Chunked transfer coding: <hex size>\r\n<data>\r\n, as many as are complete.
      for (;;) {
        const line = raw.indexOf("\r\n");
        if (line === -1) break;
        const size = Number.parseInt(raw.slice(0, line), 16);
        if (raw.length < line + 2 + size + 2) break;
        body += raw.slice(line + 2, line + 2 + size);
        raw = raw.slice(line + 2 + size + 2);
      }
      body = parseSse(
        body,
        (event) => events.push(event),
        () => {},
      );
    });
    socket.once("error", () => resolve(events));
    socket.once("close", () => resolve(events));
    socket.resume();
  });
}

describe("a client that stops reading", () => {
  it("is dropped once its buffer stays full past the drain timeout, counted, and resumes losing nothing", async () => {
    const address = t.app.server.address() as net.AddressInfo;
    const before = await newestId();
    const socket = await stalledClient(address.port);
    await eventually(() => metric("lds_stream_clients"), 1);
    // About 6 MB: more than the loopback's socket buffers (about 4 MB) and the 64 KiB the stream may hold.
    const last = await insertLargeEvents(1500, 4000);

    await eventually(() => metric("lds_stream_clients_dropped_total"), 1);
    await eventually(() => metric("lds_stream_clients"), 0);
    const received = await drainSocket(socket);
    // What reached the client is a prefix of the log, in order; the drop cut it short.
    const receivedIds = received.map((event) => Number(event.id));
    expect(receivedIds.length).toBeGreaterThan(0);
    expect(receivedIds.length).toBeLessThan(1500);
    expect(receivedIds).toEqual(receivedIds.map((_, i) => before + 1 + i));

    // The reconnect picks up after the last whole event it got.
    const resumed = await open(baseUrl, { "last-event-id": String(receivedIds.at(-1)) });
    const rest = await resumed.waitForEvents(last - (receivedIds.at(-1) ?? 0), 20_000);
    expect(rest.map((event) => Number(event.id))).toEqual(
      rest.map((_, i) => (receivedIds.at(-1) ?? 0) + 1 + i),
    );
    expect(rest.at(-1)?.id).toBe(String(last));
    resumed.close();
    await resumed.ended;
    await eventually(() => metric("lds_stream_clients"), 0);
    expect(await metric("lds_stream_clients_dropped_total")).toBe(1);
  });
});

describe("an idle stream", () => {
  it("gets a heartbeat comment every interval and outlives the request deadline", async () => {
    const client = await open(baseUrl);
    // 50 ms apart: six of them outlast the 150 ms request deadline.
    await client.waitForComments("heartbeat", 6);
    const before = await newestId();
    const last = await insertLargeEvents(1, 10);
    expect(last).toBe(before + 1);
    const [event] = await client.waitForEvents(1);
    expect(event?.id).toBe(String(last));
    expect(client.events).toHaveLength(1);
  });
});

describe("shutting the instance down", () => {
  it("ends its open streams, so the close does not wait for them", async () => {
    const instance = await startTestApp(t.testDatabase.url, {
      auth: AUTH,
      poolSize: 1,
      eventPollIntervalMs: 20,
    });
    const url = await instance.app.listen({ port: 0, host: "127.0.0.1" });
    const client = await open(url);
    const closed = instance.close();
    await client.ended;
    await closed;
    expect(client.response.complete).toBe(true);
  });
});
