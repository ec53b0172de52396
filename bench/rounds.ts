// An intake phase runs in rounds (a service slice, then a pgbench slice, and
// again, see config.ts); these merge the slices' figures into the phase's.
import { summariseLatencies } from "./latency.js";
import type { LoadResult, LoadRun } from "./load.js";
import type { ReferenceFigures } from "./reference.js";

function sum<T>(items: readonly T[], pick: (item: T) => number): number {
  return items.reduce((total, item) => total + pick(item), 0);
}

function mergeStatusCounts(runs: readonly LoadRun[]): Record<string, number> {
  const merged: Record<string, number> = {};
  for (const run of runs) {
    for (const [status, count] of Object.entries(run.statusCounts)) {
      merged[status] = (merged[status] ?? 0) + count;
    }
  }
  return merged;
}

/** Counts and times summed; the percentiles computed once over every request of every slice. */
export function mergeLoads(runs: readonly LoadRun[]): LoadRun {
  const latenciesMs = runs.flatMap((run) => run.latenciesMs);
  return {
    seconds: sum(runs, (run) => run.seconds),
    sent: sum(runs, (run) => run.sent),
    returning: sum(runs, (run) => run.returning),
    statusCounts: mergeStatusCounts(runs),
    created: sum(runs, (run) => run.created),
    non2xx: sum(runs, (run) => run.non2xx),
    errors: sum(runs, (run) => run.errors),
    timeouts: sum(runs, (run) => run.timeouts),
    latencyMs: summariseLatencies(latenciesMs),
    cpuSeconds: sum(runs, (run) => run.cpuSeconds),
    inFlight: runs.flatMap((run) => run.inFlight),
    latenciesMs,
  };
}

/** The figures to report and write out: every latency would bloat BENCH_OUTPUT. */
export function withoutLatencies(run: LoadRun): LoadResult {
  const { latenciesMs: _latencies, ...figures } = run;
  return figures;
}

/** The time pgbench's tps is over: its run without the connection time (tps 0 ran no transaction). */
function transactingSeconds(slice: ReferenceFigures): number {
  return slice.tps > 0 ? slice.transactions / slice.tps : 0;
}

/**
 * Transactions over the time spent on them, as pgbench's own tps (connection
 * time left out); the latency weighted by transactions; CPU summed.
 */
export function mergeReferences(slices: readonly ReferenceFigures[]): ReferenceFigures {
  const transactions = sum(slices, (slice) => slice.transactions);
  const seconds = sum(slices, transactingSeconds);
  return {
    tps: seconds > 0 ? transactions / seconds : 0,
    latencyMs:
      transactions > 0 ? sum(slices, (slice) => slice.latencyMs * slice.transactions) / transactions : 0,
    transactions,
    failed: sum(slices, (slice) => slice.failed),
    seconds: sum(slices, (slice) => slice.seconds),
    dbCpuSeconds: sum(slices, (slice) => slice.dbCpuSeconds),
    clientCpuSeconds: sum(slices, (slice) => slice.clientCpuSeconds),
  };
}
