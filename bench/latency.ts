// Latency figures from each request's own time, measured in load.ts: one run
// and the merged slices of a phase are summarised by the same method (merging
// autocannon's per-run percentiles would not give the phase's percentiles).
export type LatencySummary = { p50: number; p90: number; p99: number; max: number; mean: number };

/** Nearest rank: the smallest value with at least p% of the values at or below it. */
function nearestRank(sorted: Float64Array, p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

function round2(ms: number): number {
  return Math.round(ms * 100) / 100;
}

export function summariseLatencies(latenciesMs: readonly number[]): LatencySummary {
  if (latenciesMs.length === 0) {
    return { p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, max: Number.NaN, mean: Number.NaN };
  }
  // A typed array sorts numerically, and fast.
  const sorted = Float64Array.from(latenciesMs).sort();
  const total = sorted.reduce((sum, ms) => sum + ms, 0);
  return {
    p50: nearestRank(sorted, 50),
    p90: nearestRank(sorted, 90),
    p99: nearestRank(sorted, 99),
    max: sorted[sorted.length - 1] as number,
    mean: round2(total / sorted.length),
  };
}

/** Milliseconds since `startedAt` (a performance.now()), to 0.01 ms. */
export function elapsedMs(startedAt: number): number {
  return round2(performance.now() - startedAt);
}
