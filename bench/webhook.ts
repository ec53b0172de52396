// The webhook phase: intake at high concurrency with one endpoint subscribed to every
// event and a receiver in this process on 127.0.0.1, next to the same intake without it.
// Reports deliveries per second and the time from an event's commit (its occurred_at,
// the statement's start: the intake is one statement) to its arrival at the receiver.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { api } from "./api.js";
import { query } from "./database.js";
import { type LatencySummary, summariseLatencies } from "./latency.js";
import { type IntakeWithReference, intakeWithReference, type PhaseContext } from "./phases.js";
import type { Scenario } from "./scenario.js";

export type WebhookFigures = {
  intake: IntakeWithReference;
  /** Events delivered while the intake ran, per second of its measured time. */
  deliveriesPerSecond: number;
  delivered: number;
  /** Events recorded during the phase that were not delivered within the catch-up wait. */
  undelivered: number;
  commitToDeliveryMs: LatencySummary;
};

type Receiver = { server: Server; url: string; arrivals: { id: string; lagMs: number; at: number }[] };

async function startReceiver(): Promise<Receiver> {
  const arrivals: Receiver["arrivals"] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const at = Date.now();
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { timestamp: string };
      arrivals.push({
        id: String(request.headers["webhook-id"]),
        lagMs: at - Date.parse(body.timestamp),
        at,
      });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/hook`, arrivals };
}

/** The newest event id recorded so far. */
async function newestEvent(ctx: PhaseContext): Promise<number> {
  const [row] = await query<{ id: string | null }>(ctx.databaseUrl, "SELECT max(id)::text AS id FROM events");
  return Number(row?.id ?? 0);
}

export async function webhookPhase(
  ctx: PhaseContext,
  scenario: Scenario,
  connections: number,
): Promise<WebhookFigures> {
  const receiver = await startReceiver();
  const hook = await api<{ id: number }>(ctx.target, "POST", "/webhooks", {
    url: receiver.url,
    event_types: ["*"],
    description: "bench receiver",
  });
  const first = await newestEvent(ctx);
  try {
    const started = Date.now();
    const intake = await intakeWithReference(ctx, scenario, `c${connections}-webhook`, connections);
    const measured = Date.now() - started;
    const last = await newestEvent(ctx);
    // Catch-up: wait (bounded) until the receiver has every event of the phase.
    const expected = last - first;
    const deadline = Date.now() + 120_000;
    while (receiver.arrivals.length < expected && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const during = receiver.arrivals.filter((a) => a.at <= started + measured).length;
    return {
      intake,
      deliveriesPerSecond: during / (measured / 1000),
      delivered: receiver.arrivals.length,
      undelivered: Math.max(0, expected - receiver.arrivals.length),
      commitToDeliveryMs: summariseLatencies(receiver.arrivals.map((a) => a.lagMs)),
    };
  } finally {
    await api(ctx.target, "DELETE", `/webhooks/${hook.id}`);
    await new Promise<void>((resolve) => receiver.server.close(() => resolve()));
  }
}
