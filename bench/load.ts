// The load generator, run in its own process by worker.ts: autocannon over
// keep-alive connections, to POST /appeals or (kind "messages") to
// POST /appeals/{id}/messages. Appeals: one in five comes from a returning lead
// (an external id sent before), the others from new leads. Messages: a bot's
// message on one of the given appeals, chosen at random, with its own external id.
// Each request carries a unique text, so the checks can tell exactly what was
// stored, including the requests still in flight when the time ran out.
// Every request's latency is recorded, so the slices of a phase can be merged.
import autocannon from "autocannon";
import { authHeaders, type Target } from "./api.js";
import { elapsedMs, type LatencySummary, summariseLatencies } from "./latency.js";
import { answer, workerInput } from "./worker.js";

export type LoadInput = {
  target: Target;
  connections: number;
  seconds: number;
  /** Unique per phase: external ids and messages start with it. */
  prefix: string;
  /**
   * Requests are numbered from firstNumber + 1 (default 1): the slices of a
   * phase share its prefix, so each continues where the one before stopped.
   */
  firstNumber?: number;
} & LoadKind;

/** What a load posts: appeals (the default) or messages. */
export type LoadKind =
  | {
      kind?: "appeals";
      sourceIds: number[];
      /** Every n-th appeal comes from a returning lead. */
      returningEvery: number;
    }
  | {
      kind: "messages";
      /** Open appeals the messages go to. */
      appealIds: number[];
    };

/** What one request sends: its path, its body, and the unique text it carries. */
type Outgoing = { path: string; body: string; text: string };

export type LoadResult = {
  seconds: number;
  sent: number;
  returning: number;
  statusCounts: Record<string, number>;
  created: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** From every answered request's own time (see latency.ts). */
  latencyMs: LatencySummary;
  /** CPU seconds the load generator itself used. */
  cpuSeconds: number;
  /** Messages of requests that got no answer before the end (they may or may not be stored). */
  inFlight: string[];
};

/** What one run answers: the figures and every answered request's latency, to merge slices. */
export type LoadRun = LoadResult & { latenciesMs: number[] };

/** autocannon's context of a connection, fresh for each request: the request under way. */
type Context = { message?: string; startedAt?: number };

/** CPU seconds since `since` (process.cpuUsage()): the run only, not the start of this process. */
function cpuSecondsUsed(since: NodeJS.CpuUsage): number {
  const usage = process.cpuUsage(since);
  return (usage.user + usage.system) / 1e6;
}

/** The next POST /appeals: a new lead, or every n-th time a returning one. */
function appealRequests(input: Extract<LoadInput, { sourceIds: number[] }>) {
  const known: string[] = [];
  let returning = 0;
  const next = (n: number): Outgoing => {
    let externalId: string;
    if (n % input.returningEvery === 0 && known.length > 0) {
      externalId = known[Math.floor(Math.random() * known.length)] as string;
      returning++;
    } else {
      externalId = `${input.prefix}-lead-${n}`;
      if (known.length < 100_000) known.push(externalId);
      else known[n % 100_000] = externalId;
    }
    const text = `${input.prefix} #${n}`;
    const sourceId = input.sourceIds[Math.floor(Math.random() * input.sourceIds.length)];
    const body = JSON.stringify({
      lead_external_id: externalId,
      source_id: sourceId,
      message: text,
      lead_name: `Lead ${externalId}`,
    });
    return { path: "/appeals", body, text };
  };
  return { next, returning: () => returning };
}

/** The next bot message, on a random one of the appeals, with its own external id. */
function messageRequests(input: Extract<LoadInput, { kind: "messages" }>) {
  const next = (n: number): Outgoing => {
    const appealId = input.appealIds[Math.floor(Math.random() * input.appealIds.length)];
    const text = `${input.prefix} #${n}`;
    const body = JSON.stringify({ text, sender: "bot", external_id: `${input.prefix}-${n}` });
    return { path: `/appeals/${appealId}/messages`, body, text };
  };
  return { next, returning: () => 0 };
}

async function main(): Promise<void> {
  const input = workerInput<LoadInput>();
  const firstNumber = input.firstNumber ?? 0;
  const requests = input.kind === "messages" ? messageRequests(input) : appealRequests(input);
  let sent = 0;
  const inFlight = new Set<string>();
  const statusCounts: Record<string, number> = {};
  const latenciesMs: number[] = [];

  const cpuAtStart = process.cpuUsage();
  const result = await autocannon({
    url: input.target.baseUrl,
    connections: input.connections,
    pipelining: 1,
    duration: input.seconds,
    headers: { "content-type": "application/json", ...authHeaders(input.target) },
    requests: [
      {
        method: "POST",
        setupRequest: (request, context: Context) => {
          sent++;
          const outgoing = requests.next(firstNumber + sent);
          context.message = outgoing.text;
          inFlight.add(outgoing.text);
          request.path = outgoing.path;
          request.body = outgoing.body;
          // autocannon writes the request right after this returns.
          context.startedAt = performance.now();
          return request;
        },
        onResponse: (status, _body, context: Context) => {
          if (context.message !== undefined) inFlight.delete(context.message);
          if (context.startedAt !== undefined) latenciesMs.push(elapsedMs(context.startedAt));
          statusCounts[status] = (statusCounts[status] ?? 0) + 1;
        },
      },
    ],
  });

  const out: LoadRun = {
    seconds: result.duration,
    sent,
    returning: requests.returning(),
    statusCounts,
    created: statusCounts["201"] ?? 0,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyMs: summariseLatencies(latenciesMs),
    inFlight: [...inFlight],
    cpuSeconds: cpuSecondsUsed(cpuAtStart),
    latenciesMs,
  };
  answer(out);
}

main().catch((error: unknown) => {
  console.error("load generator failed:", error);
  process.exit(1);
});
