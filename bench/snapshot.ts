// The pending-heavy drain under a long snapshot (a backup or a report holding one
// open). Every appeal drained while the snapshot is open leaves a dead entry in the
// pending index that nothing can remove until the snapshot ends; a lookup that walks
// them costs O(dead entries). Measured: how long N pending appeals take to drain with
// such a snapshot open, then the intake's latency on that source with the snapshot
// still open, after it ends, and after VACUUM.
import { api, type Target } from "./api.js";
import { checkNoStarvedPending, checkOperatorLoads } from "./checks.js";
import { query, withClient } from "./database.js";
import { summariseLatencies } from "./latency.js";
import type { PhaseContext } from "./phases.js";

const OPERATORS = 4;
/** The drain is given this long; the code before the floors needed far longer for 10,000 appeals. */
const DRAIN_CAP_SECONDS = 90;
const PROBES = 200;
/** The API's largest max_load: four operators at it hold 40,000 appeals. */
const MAX_LOAD = 10_000;

export type SnapshotFigures = {
  appeals: number;
  drainSeconds: number;
  drained: number;
  finished: boolean;
  /** Median ms of one POST /appeals into the drained source, one at a time. */
  intakeMs: { underSnapshot: number; afterSnapshot: number; afterVacuum: number };
};

export async function snapshotDrain(ctx: PhaseContext, appeals: number): Promise<SnapshotFigures> {
  const { target, databaseUrl: url } = ctx;
  const source = await api<{ id: number }>(target, "POST", "/sources", { name: "snapshot source" });
  const operators: number[] = [];
  for (let k = 1; k <= OPERATORS; k++) {
    operators.push(
      (
        await api<{ id: number }>(target, "POST", "/operators", {
          name: `snapshot operator ${k}`,
          max_load: 0,
        })
      ).id,
    );
  }
  await api(
    target,
    "PUT",
    `/sources/${source.id}/weights`,
    operators.map((id) => ({ operator_id: id, weight: 1 })),
  );
  await query(
    url,
    `WITH lead AS (INSERT INTO leads (external_id) VALUES ('snapshot lead') RETURNING id)
     INSERT INTO appeals (lead_id, source_id, status) SELECT lead.id, $1, 'pending' FROM lead, generate_series(1, $2)`,
    [source.id, appeals],
  );
  await query(url, "VACUUM ANALYZE appeals");
  ctx.log(`snapshot: ${appeals} pending appeals, a REPEATABLE READ snapshot held open, capacity raised`);

  return withClient(url, async (holder) => {
    await holder.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
    await holder.query("SELECT count(*) FROM appeals");
    const started = performance.now();
    // Each PATCH drains what its request may; the sweep (or, before it, the request itself) the rest.
    await Promise.all(
      operators.map((id) =>
        api(target, "PATCH", `/operators/${id}`, { max_load: Math.min(appeals, MAX_LOAD) }).catch(
          (error: Error) => ctx.log(`snapshot: PATCH /operators/${id}: ${error.message.slice(0, 120)}`),
        ),
      ),
    );
    let pending = appeals;
    while (pending > 0 && performance.now() - started < DRAIN_CAP_SECONDS * 1000) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      pending = await countPending(url, source.id);
    }
    const drainSeconds = (performance.now() - started) / 1000;
    ctx.log(`snapshot: ${appeals - pending} drained in ${drainSeconds.toFixed(1)} s`);
    const underSnapshot = await probeIntake(target, source.id, "under");
    await holder.query("COMMIT");
    const afterSnapshot = await probeIntake(target, source.id, "after");
    await query(url, "VACUUM appeals");
    const afterVacuum = await probeIntake(target, source.id, "vacuumed");
    ctx.checks.push(await checkOperatorLoads(url, "snapshot"));
    ctx.checks.push(await checkNoStarvedPending(url, "snapshot"));
    return {
      appeals,
      drainSeconds,
      drained: appeals - pending,
      finished: pending === 0,
      intakeMs: { underSnapshot, afterSnapshot, afterVacuum },
    };
  });
}

async function countPending(url: string, sourceId: number): Promise<number> {
  const [row] = await query<{ n: number }>(
    url,
    "SELECT count(*)::int AS n FROM appeals WHERE source_id = $1 AND status = 'pending'",
    [sourceId],
  );
  return row?.n ?? 0;
}

/** Median latency of PROBES sequential appeals into the source. */
async function probeIntake(target: Target, sourceId: number, label: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < PROBES; i++) {
    const began = performance.now();
    await api(target, "POST", "/appeals", {
      source_id: sourceId,
      lead_external_id: `snapshot-${label}-${i}`,
    });
    times.push(performance.now() - began);
  }
  return summariseLatencies(times).p50;
}
