// The load generator, run in its own process by worker.ts: autocannon over
// keep-alive connections to POST /appeals. One appeal in five comes from a
// returning lead (an external id sent before); the others from new leads. Each
// request carries a unique message, so the checks can tell exactly which
// appeals were stored, including those still in flight when the time ran out.
import autocannon from "autocannon";
import { authHeaders, type Target } from "./api.js";
import { answer, workerInput } from "./worker.js";

export type LoadInput = {
  target: Target;
  connections: number;
  seconds: number;
  /** Unique per phase: external ids and messages start with it. */
  prefix: string;
  sourceIds: number[];
  /** Every n-th appeal comes from a returning lead. */
  returningEvery: number;
};

export type LoadResult = {
  seconds: number;
  sent: number;
  returning: number;
  statusCounts: Record<string, number>;
  created: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** CPU seconds the load generator itself used. */
  cpuSeconds: number;
  /** Messages of requests that got no answer before the end (they may or may not be stored). */
  inFlight: string[];
};

type Context = { message?: string };

function cpuSecondsUsed(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

async function main(): Promise<void> {
  const input = workerInput<LoadInput>();
  let sent = 0;
  let returning = 0;
  const known: string[] = [];
  const inFlight = new Set<string>();
  const statusCounts: Record<string, number> = {};

  const result = await autocannon({
    url: input.target.baseUrl,
    connections: input.connections,
    pipelining: 1,
    duration: input.seconds,
    headers: { "content-type": "application/json", ...authHeaders(input.target) },
    requests: [
      {
        method: "POST",
        path: "/appeals",
        setupRequest: (request, context: Context) => {
          sent++;
          let externalId: string;
          if (sent % input.returningEvery === 0 && known.length > 0) {
            externalId = known[Math.floor(Math.random() * known.length)] as string;
            returning++;
          } else {
            externalId = `${input.prefix}-lead-${sent}`;
            if (known.length < 100_000) known.push(externalId);
            else known[sent % 100_000] = externalId;
          }
          const message = `${input.prefix} #${sent}`;
          context.message = message;
          inFlight.add(message);
          const sourceId = input.sourceIds[Math.floor(Math.random() * input.sourceIds.length)];
          request.body = JSON.stringify({
            lead_external_id: externalId,
            source_id: sourceId,
            message,
            lead_name: `Lead ${externalId}`,
          });
          return request;
        },
        onResponse: (status, _body, context: Context) => {
          if (context.message !== undefined) inFlight.delete(context.message);
          statusCounts[status] = (statusCounts[status] ?? 0) + 1;
        },
      },
    ],
  });

  const out: LoadResult = {
    seconds: result.duration,
    sent,
    returning,
    statusCounts,
    created: statusCounts["201"] ?? 0,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.mean,
    },
    inFlight: [...inFlight],
    cpuSeconds: cpuSecondsUsed(),
  };
  answer(out);
}

main().catch((error: unknown) => {
  console.error("load generator failed:", error);
  process.exit(1);
});
