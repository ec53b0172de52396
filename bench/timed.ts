// Sequential requests as one admin issues them, bounded by a count and a time: one unmeasured
// request first (plans cached, pages warm), then the paths in turn until either bound is reached.
// The first answer of each path is kept for the phase's checks.
import { authHeaders, type Target } from "./api.js";
import { elapsedMs, type LatencySummary, summariseLatencies } from "./latency.js";

export type Bound = { count: number; seconds: number };

export type TimedFigures = {
  label: string;
  requests: number;
  latencyMs: LatencySummary;
  /** Answers other than 200. */
  failed: number;
};

export type Answer = { status: number; body: unknown };

export async function timeSequential(
  target: Target,
  label: string,
  paths: readonly string[],
  bound: Bound,
): Promise<{ figures: TimedFigures; answers: Map<string, Answer> }> {
  const answers = new Map<string, Answer>();
  const get = async (path: string) => {
    const response = await fetch(`${target.baseUrl}${path}`, { headers: authHeaders(target) });
    const text = await response.text();
    if (!answers.has(path)) answers.set(path, { status: response.status, body: parsed(text) });
    return response.status;
  };
  await get(paths[0] as string);
  const latencies: number[] = [];
  let failed = 0;
  const deadline = performance.now() + bound.seconds * 1000;
  for (let n = 0; n < bound.count && performance.now() < deadline; n++) {
    const started = performance.now();
    const status = await get(paths[n % paths.length] as string);
    latencies.push(elapsedMs(started));
    if (status !== 200) failed++;
  }
  return {
    figures: { label, requests: latencies.length, latencyMs: summariseLatencies(latencies), failed },
    answers,
  };
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
