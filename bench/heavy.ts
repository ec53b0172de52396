// The bulkhead phase: intake at high concurrency alone, and the same intake while admins
// run 10 lead searches at once and one CSV export of every lead (bench/readers.ts), in
// alternating slices (the machine drifts). The heavy reads run on the service's pool of
// their own; the intake beside them should keep at least 80% of its throughput alone.
import { join } from "node:path";
import { checkOperatorLoads } from "./checks.js";
import { sliceSeconds } from "./config.js";
import type { LoadResult, LoadRun } from "./load.js";
import { checkLoad, type PhaseContext, runLoad } from "./phases.js";
import type { ReadersInput, ReadersResult } from "./readers.js";
import { mergeLoads, withoutLatencies } from "./rounds.js";
import type { Scenario } from "./scenario.js";
import { startWorker } from "./worker.js";

export type HeavyFigures = {
  connections: number;
  alone: LoadResult;
  beside: LoadResult;
  readers: ReadersResult;
  searches: number;
  exports: number;
};

const SEARCHES = 10;
const EXPORTS = 1;

export async function heavyReadsPhase(
  ctx: PhaseContext,
  scenario: Scenario,
  connections: number,
): Promise<HeavyFigures> {
  const label = `c${connections}-heavy`;
  const base = { target: ctx.target, connections, sourceIds: scenario.sourceIds, returningEvery: 5 };
  const slice = sliceSeconds(ctx.seconds, ctx.rounds);
  const alone: LoadRun[] = [];
  const beside: LoadRun[] = [];
  const readers: ReadersResult[] = [];
  const sent = (runs: LoadRun[]) => runs.reduce((total, run) => total + run.sent, 0);
  for (let round = 1; round <= ctx.rounds; round++) {
    ctx.log(
      `${label}: round ${round}/${ctx.rounds}: POST /appeals ${slice} s alone, then ${slice} s beside ${SEARCHES} searches and ${EXPORTS} export`,
    );
    alone.push(
      await runLoad({ ...base, seconds: slice, prefix: `${label}-alone`, firstNumber: sent(alone) }),
    );
    const reading = startWorker<ReadersInput, ReadersResult>(join(import.meta.dirname, "readers.ts"), {
      target: ctx.target,
      searches: SEARCHES,
      exports: EXPORTS,
    });
    try {
      beside.push(
        await runLoad({ ...base, seconds: slice, prefix: `${label}-beside`, firstNumber: sent(beside) }),
      );
    } finally {
      reading.stop();
    }
    readers.push(await reading.result);
  }
  const aloneLoad = mergeLoads(alone);
  const besideLoad = mergeLoads(beside);
  await checkLoad(ctx, `${label}-alone`, aloneLoad);
  await checkLoad(ctx, `${label}-beside`, besideLoad);
  ctx.checks.push(await checkOperatorLoads(ctx.databaseUrl, label));
  const sum = (pick: (r: ReadersResult) => number) => readers.reduce((total, r) => total + pick(r), 0);
  return {
    connections,
    alone: withoutLatencies(aloneLoad),
    beside: withoutLatencies(besideLoad),
    readers: {
      seconds: sum((r) => r.seconds),
      searches: sum((r) => r.searches),
      exports: sum((r) => r.exports),
      exportedBytes: sum((r) => r.exportedBytes),
      failed: sum((r) => r.failed),
    },
    searches: SEARCHES,
    exports: EXPORTS,
  };
}
