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
  /** Verified by standardwebhooks with the secret the test gave. */
  verified: boolean;
  at: number;
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
  /** What to answer the n-th request (0-based); 200 by default. */
  reply: (n: number, request: Received) => Reply;
  close(): Promise<void>;
};

export async function startReceiver(port = 0): Promise<Receiver> {
  const sockets = new Set<import("node:net").Socket>();
  const receiver: Receiver = {
    url: "",
    port: 0,
    received: [],
    secret: "",
    reply: () => ({ status: 200 }),
    close: async () => {},
  };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
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
        verified,
        at: Date.now(),
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
    socket.on("close", () => sockets.delete(socket));
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
