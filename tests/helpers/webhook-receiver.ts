// A real HTTP receiver on 127.0.0.1 for webhook tests. It verifies every request's
// signature with the standardwebhooks package (never the service's own code) and answers
// what the test scripts: a status with headers, after a delay, or a reset connection.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

export type Received = {
  id: string;
  timestamp: string;
  type: string;
  body: { type: string; timestamp: string; data: unknown };
  /** The body as sent (what the signature covers) and the webhook-signature header. */
  raw: string;
  signature: string;
  /** Verified by standardwebhooks with the secret the test gave. */
  verified: boolean;
  at: number;
  /** The connection it came on: 1 for the receiver's first, 2 for the next, ... */
  connection: number;
};

export type Reply =
  | { status: number; headers?: Record<string, string>; delayMs?: number; body?: string }
  | "reset";

export type Receiver = {
  url: string;
  port: number;
  received: Received[];
  /** The secret requests are verified with (set it from the registration's answer). */
  secret: string;
  /** The most requests that were on the wire unanswered at once, over all connections (above 1: pipelined). */
  maxInFlight: number;
  /** What to answer the n-th request (0-based); 200 by default. */
  reply: (n: number, request: Received) => Reply;
  close(): Promise<void>;
};

export async function startReceiver(port = 0): Promise<Receiver> {
  const sockets = new Set<import("node:net").Socket>();
  const connections = new WeakMap<import("node:net").Socket, number>();
  // Pipelining as the wire shows it: requests that arrived (their webhook-id header seen in the
  // bytes) before the ones ahead of them were answered. Node's server handles them one at a
  // time, so the handler alone cannot see them.
  let arrived = 0;
  let answered = 0;
  let closedConnections = 0;
  const receiver: Receiver = {
    url: "",
    port: 0,
    received: [],
    secret: "",
    maxInFlight: 0,
    reply: () => ({ status: 200 }),
    close: async () => {},
  };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    response.on("finish", () => answered++);
    request.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const headers = {
        "webhook-id": String(request.headers["webhook-id"]),
        "webhook-timestamp": String(request.headers["webhook-timestamp"]),
        "webhook-signature": String(request.headers["webhook-signature"]),
      };
      let verified = false;
      try {
        new Webhook(receiver.secret).verify(raw, headers);
        verified = true;
      } catch {}
      const body = JSON.parse(raw) as Received["body"];
      const entry: Received = {
        id: headers["webhook-id"],
        timestamp: headers["webhook-timestamp"],
        type: body.type,
        body,
        raw,
        signature: headers["webhook-signature"],
        verified,
        at: Date.now(),
        connection: connections.get(request.socket) ?? 0,
      };
      const n = receiver.received.length;
      receiver.received.push(entry);
      const reply = receiver.reply(n, entry);
      if (reply === "reset") {
        request.socket.destroy();
        return;
      }
      setTimeout(() => {
        if (response.destroyed) return;
        response.writeHead(reply.status, reply.headers).end(reply.body ?? "");
      }, reply.delayMs ?? 0);
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    connections.set(socket, sockets.size + closedConnections);
    let tail = "";
    socket.on("data", (chunk: Buffer) => {
      // The tail of the previous chunk finds a header split between two; matches wholly inside it were counted.
      const text = tail + chunk.toString("latin1");
      for (const match of text.matchAll(/\r\nwebhook-id: /g)) {
        if (match.index + match[0].length > tail.length) arrived++;
      }
      tail = text.slice(-16);
      receiver.maxInFlight = Math.max(receiver.maxInFlight, arrived - answered);
    });
    socket.on("close", () => {
      sockets.delete(socket);
      closedConnections++;
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const address = server.address() as AddressInfo;
  receiver.port = address.port;
  receiver.url = `http://127.0.0.1:${address.port}/hook`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return receiver;
}
