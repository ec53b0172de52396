// The benchmark's phases, each on the running service and the scratch database:
// intake at a concurrency (in rounds alternating with its pgbench reference),
// the small-limits scenario with a concurrent closer, and the 1M-appeals scenario.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Target } from "./api.js";
import {
  type Check,
  checkMessagesStoredOnce,
  checkNoOrphanLeads,
  checkNoStarvedPending,
  checkOperatorLoads,
  checkStoredOnce,
} from "./checks.js";
import type { CloserInput, CloserResult } from "./closer.js";
import { sliceSeconds } from "./config.js";
import { CpuMeter } from "./cpu.js";
import { query, waitForQuiet } from "./database.js";
import type { LoadInput, LoadKind, LoadResult, LoadRun } from "./load.js";
import { type ReadTiming, timeRead } from "./reads.js";
import { assignScript, type PgbenchScript, type ReferenceFigures, runPgbench } from "./reference.js";
import { mergeLoads, mergeReferences, withoutLatencies } from "./rounds.js";
import type { RssSampler } from "./rss.js";
import { loadScenario, type Scenario, setWeights } from "./scenario.js";
import { startWorker } from "./worker.js";

export type PhaseContext = {
  target: Target;
  databaseUrl: string;
  referenceDir: string;
  seconds: number;
  /** Rounds of an intake phase (see config.ts). */
  rounds: number;
  warmupSeconds: number;
  rss: RssSampler;
  log: (line: string) => void;
  checks: Check[];
};

export type IntakeFigures = {
  label: string;
  connections: number;
  load: LoadResult;
  rssPeakMb: number;
  /** CPU seconds the service used during the measured slices. */
  cpuSeconds: number;
  /** CPU seconds the PostgreSQL backends of the scratch database used meanwhile. */
  dbCpuSeconds: number;
};

const here = import.meta.dirname;

export function runLoad(input: LoadInput): Promise<LoadRun> {
  return startWorker<LoadInput, LoadRun>(join(here, "load.ts"), input).result;
}

/** Once the requests still in flight are finished: every appeal stored once, no orphan lead. */
export async function checkLoad(ctx: PhaseContext, prefix: string, load: LoadResult): Promise<void> {
  await waitForQuiet(ctx.databaseUrl);
  ctx.checks.push(await checkStoredOnce(ctx.databaseUrl, prefix, load.created, load.inFlight));
  ctx.checks.push(await checkNoOrphanLeads(ctx.databaseUrl, prefix));
}

type ServiceSlice = { load: LoadRun; cpuSeconds: number; dbCpuSeconds: number };

/** One service slice: the load, the service's CPU meanwhile and its PostgreSQL backends'. */
async function serviceSlice(ctx: PhaseContext, input: LoadInput): Promise<ServiceSlice> {
  const meter = new CpuMeter(ctx.databaseUrl);
  await meter.start();
  // The phase's sampler counts from resetPhase(); only the service slices' deltas are the service's.
  const cpuBefore = ctx.rss.phaseCpuSeconds();
  const load = await runLoad(input);
  const cpuSeconds = ctx.rss.phaseCpuSeconds() - cpuBefore;
  const dbCpuSeconds = (await meter.stop()).backendSeconds;
  return { load, cpuSeconds, dbCpuSeconds };
}

/** One pgbench slice, with the CPU of its backends and of pgbench itself. */
async function referenceSlice(
  ctx: PhaseContext,
  script: PgbenchScript,
  clients: number,
  seconds: number,
): Promise<ReferenceFigures> {
  let pgbenchPid: number | undefined;
  const meter = new CpuMeter(ctx.databaseUrl, () => [pgbenchPid]);
  await meter.start();
  const started = performance.now();
  const result = await runPgbench(ctx.databaseUrl, script, clients, seconds, (pid) => {
    pgbenchPid = pid;
  });
  const wallSeconds = (performance.now() - started) / 1000;
  const cpu = await meter.stop();
  return {
    ...result,
    seconds: wallSeconds,
    dbCpuSeconds: cpu.backendSeconds,
    clientCpuSeconds: cpu.extraSeconds,
  };
}

/** A measured phase: the load's figures and, measured in alternating slices, its reference's. */
export type Measured = { figures: IntakeFigures; reference: ReferenceFigures };

export type IntakeWithReference = Measured;

/**
 * Warm-up, then the measured time in rounds: a service slice, then a pgbench
 * slice at the same concurrency, and again. This VM's speed drifts by ±25%
 * over tens of seconds; one run of each after the other compared two different
 * machines, alternating slices give both the same. `load` is the phase's load
 * without its timing (the prefix is the phase's label, numbers continuing across
 * slices); the checks are the caller's, over the merged load.
 */
export async function alternateWithReference(
  ctx: PhaseContext,
  phase: { label: string; connections: number; load: Pick<LoadInput, "target" | "connections"> & LoadKind },
  script: PgbenchScript,
  describe: string,
): Promise<{ load: LoadRun; measured: Measured }> {
  const { label, connections } = phase;
  ctx.log(`${label}: warm-up ${ctx.warmupSeconds} s at ${connections} connections`);
  await checkedWarmUp(ctx, { ...phase.load, seconds: ctx.warmupSeconds, prefix: `${label}-warmup` });
  const slice = sliceSeconds(ctx.seconds, ctx.rounds);
  ctx.rss.resetPhase();
  const services: ServiceSlice[] = [];
  const references: ReferenceFigures[] = [];
  let rssPeakMb = 0;
  for (let round = 1; round <= ctx.rounds; round++) {
    ctx.log(
      `${label}: round ${round}/${ctx.rounds}: ${describe} ${slice} s, then pgbench ${slice} s, both at ${connections}`,
    );
    const firstNumber = services.reduce((sent, done) => sent + done.load.sent, 0);
    services.push(await serviceSlice(ctx, { ...phase.load, seconds: slice, prefix: label, firstNumber }));
    // The peak since resetPhase(), read after the service's slice (it idles during pgbench's).
    rssPeakMb = ctx.rss.phasePeakMb();
    // The requests in flight at the stop finish first, so pgbench runs alone.
    await waitForQuiet(ctx.databaseUrl);
    references.push(await referenceSlice(ctx, script, connections, slice));
  }
  const load = mergeLoads(services.map((done) => done.load));
  const figures: IntakeFigures = {
    label,
    connections,
    load: withoutLatencies(load),
    rssPeakMb,
    cpuSeconds: services.reduce((total, done) => total + done.cpuSeconds, 0),
    dbCpuSeconds: services.reduce((total, done) => total + done.dbCpuSeconds, 0),
  };
  return { load, measured: { figures, reference: mergeReferences(references) } };
}

/** The warm-up's load, checked like a measured one (it stores data the checks count). */
async function checkedWarmUp(ctx: PhaseContext, input: LoadInput): Promise<void> {
  const load = await runLoad(input);
  if (input.kind === "messages") {
    await waitForQuiet(ctx.databaseUrl);
    ctx.checks.push(
      await checkMessagesStoredOnce(ctx.databaseUrl, input.prefix, load.created, load.inFlight),
    );
  } else {
    await checkLoad(ctx, input.prefix, load);
  }
}

/** POST /appeals at a concurrency, against the reference of one appeal in one statement. */
export async function intakeWithReference(
  ctx: PhaseContext,
  scenario: Scenario,
  label: string,
  connections: number,
): Promise<IntakeWithReference> {
  const { load, measured } = await alternateWithReference(
    ctx,
    {
      label,
      connections,
      load: { target: ctx.target, connections, sourceIds: scenario.sourceIds, returningEvery: 5 },
    },
    assignScript(ctx.referenceDir),
    "POST /appeals",
  );
  await checkLoad(ctx, label, load);
  ctx.checks.push(await checkOperatorLoads(ctx.databaseUrl, label));
  ctx.checks.push(await checkNoStarvedPending(ctx.databaseUrl, label));
  return measured;
}

/**
 * Operators finish their work between phases: every active appeal is closed
 * and the counters go back to zero, in one transaction, so the next phase
 * starts with the same free capacity (the limits stay far from reached).
 */
export async function closeEverything(ctx: PhaseContext): Promise<void> {
  await query(
    ctx.databaseUrl,
    `BEGIN;
     UPDATE appeals SET status = 'closed', closed_at = now() WHERE status = 'active';
     UPDATE operators SET active_load = 0 WHERE active_load <> 0;
     COMMIT;`,
  );
}

export type SmallLimitsFigures = {
  load: LoadResult;
  closer: CloserResult;
  pendingAtEnd: number;
  activeAtEnd: number;
  assignedTotal: number;
  rssPeakMb: number;
};

/** Limits 1..5: most appeals wait, a concurrent closer frees slots, pending ones drain. */
export async function smallLimits(ctx: PhaseContext, connections: number): Promise<SmallLimitsFigures> {
  const scenario = await loadScenario(ctx.target, { prefix: "small", maxLoad: (k) => (k % 5) + 1 });
  ctx.log(`small limits: POST /appeals for ${ctx.seconds} s at ${connections} connections, closer running`);
  const closer = startWorker<CloserInput, CloserResult>(join(here, "closer.ts"), {
    target: ctx.target,
    sourceIds: scenario.sourceIds,
  });
  ctx.rss.resetPhase();
  let load: LoadRun;
  try {
    load = await runLoad({
      target: ctx.target,
      connections,
      seconds: ctx.seconds,
      prefix: "small",
      sourceIds: scenario.sourceIds,
      returningEvery: 5,
    });
  } finally {
    closer.stop();
  }
  const closed = await closer.result;
  const rssPeakMb = ctx.rss.phasePeakMb();
  await checkLoad(ctx, "small", load);
  // The final drain trigger: setting the weights again drains every source.
  await setWeights(ctx.target, scenario);
  ctx.checks.push(await checkOperatorLoads(ctx.databaseUrl, "small"));
  ctx.checks.push(await checkNoStarvedPending(ctx.databaseUrl, "small"));
  const [counts] = await query<{ pending: number; active: number; assigned: number }>(
    ctx.databaseUrl,
    `SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending,
            count(*) FILTER (WHERE status = 'active')::int AS active,
            count(*) FILTER (WHERE assigned_at IS NOT NULL)::int AS assigned
     FROM appeals WHERE source_id = ANY($1::int[])`,
    [scenario.sourceIds],
  );
  return {
    load: withoutLatencies(load),
    closer: closed,
    pendingAtEnd: counts?.pending ?? 0,
    activeAtEnd: counts?.active ?? 0,
    assignedTotal: counts?.assigned ?? 0,
    rssPeakMb,
  };
}

/** Fills the database to 1,000,000 closed appeals and 200,000 leads (more, with the earlier phases'). */
export async function prefill(
  ctx: PhaseContext,
): Promise<{ seconds: number; appeals: number; leads: number }> {
  ctx.log("prefill: 1,000,000 closed appeals and 200,000 leads (SQL), then VACUUM ANALYZE");
  const started = performance.now();
  await query(ctx.databaseUrl, await readFile(join(here, "prefill.sql"), "utf8"));
  await query(ctx.databaseUrl, "VACUUM ANALYZE appeals, leads");
  await settleWrites(ctx);
  const [row] = await query<{ appeals: number; leads: number }>(
    ctx.databaseUrl,
    "SELECT (SELECT count(*) FROM appeals)::int AS appeals, (SELECT count(*) FROM leads)::int AS leads",
  );
  return {
    seconds: (performance.now() - started) / 1000,
    appeals: row?.appeals ?? 0,
    leads: row?.leads ?? 0,
  };
}

/**
 * Flushes the prefill's gigabyte of writes before the intake is measured: a database
 * that grew to a million appeals over months is not in the middle of writing them
 * out. Without it the checkpoint the prefill triggers runs during the measured
 * phase, and its full-page writes and flushing are billed to the intake.
 * CHECKPOINT needs a superuser or pg_checkpoint: without, the phase runs unsettled.
 */
async function settleWrites(ctx: PhaseContext): Promise<void> {
  try {
    await query(ctx.databaseUrl, "CHECKPOINT");
  } catch (error) {
    ctx.log(`prefill: CHECKPOINT refused (${(error as Error).message}); measuring while its writes flush`);
  }
}

export const TIMED_READS = ["/stats/distribution", "/operators", "/appeals?status=pending"];

export async function reads(ctx: PhaseContext, repeats: number): Promise<ReadTiming[]> {
  const timings: ReadTiming[] = [];
  for (const path of TIMED_READS) {
    ctx.log(`reads: GET ${path} x ${repeats}`);
    timings.push(await timeRead(ctx.target, path, repeats));
  }
  return timings;
}
