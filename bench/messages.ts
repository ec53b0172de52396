// The message phase: bots posting messages (POST /appeals/{id}/messages) at high
// concurrency on appeals that are open, against a pgbench reference that inserts the
// same row into a table of the same shape (bench_ref.message, reference-setup.sql).
// The service's statement does more than that insert (it locks the appeal FOR SHARE,
// checks it is open, dedups by external id, writes the message.created event), so the
// ratio says what those rules cost over the bare row.
import { join } from "node:path";
import { api } from "./api.js";
import { checkMessagesStoredOnce } from "./checks.js";
import { query } from "./database.js";
import { alternateWithReference, type Measured, type PhaseContext } from "./phases.js";
import type { Scenario } from "./scenario.js";

/** Open appeals the messages are spread over, in the service and in the reference. */
const APPEALS = 1000;
/** Concurrent POST /appeals while setting up. */
const SETUP_CONNECTIONS = 16;

/** Opens APPEALS appeals through the API (each lead its own), every one active. */
async function openAppeals(ctx: PhaseContext, scenario: Scenario, prefix: string): Promise<number[]> {
  const ids: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < APPEALS) {
      const n = ++next;
      const source = scenario.sourceIds[n % scenario.sourceIds.length];
      const created = await api<{ appeal_id: number; status: string }>(ctx.target, "POST", "/appeals", {
        lead_external_id: `${prefix}-lead-${n}`,
        source_id: source,
        message: `${prefix} #${n}`,
      });
      if (created.status !== "active")
        throw new Error(`setup appeal ${created.appeal_id} is ${created.status}`);
      ids.push(created.appeal_id);
    }
  };
  await Promise.all(Array.from({ length: SETUP_CONNECTIONS }, worker));
  return ids;
}

/** As many appeals in the reference's tables, to spread its inserts the same way: their id range. */
async function referenceAppeals(ctx: PhaseContext): Promise<{ first: number; last: number }> {
  const [row] = await query<{ first: string; last: string }>(
    ctx.databaseUrl,
    `WITH l AS (
       INSERT INTO bench_ref.lead (external_id, name) VALUES ('message-phase', 'Message phase')
       ON CONFLICT (external_id) DO UPDATE SET name = EXCLUDED.name RETURNING id
     ), a AS (
       INSERT INTO bench_ref.appeal (lead_id, source_id, operator_id, status)
       SELECT l.id, 1, 1, 'active' FROM l, generate_series(1, ${APPEALS})
       RETURNING id
     )
     SELECT min(id)::text AS first, max(id)::text AS last FROM a`,
  );
  if (!row) throw new Error("no reference appeals");
  return { first: Number(row.first), last: Number(row.last) };
}

export async function messagePhase(
  ctx: PhaseContext,
  scenario: Scenario,
  connections: number,
): Promise<Measured> {
  const label = `c${connections}-messages`;
  ctx.log(`${label}: opening ${APPEALS} appeals through the API`);
  const appealIds = await openAppeals(ctx, scenario, `${label}-setup`);
  const range = await referenceAppeals(ctx);
  const { load, measured } = await alternateWithReference(
    ctx,
    { label, connections, load: { kind: "messages", target: ctx.target, connections, appealIds } },
    { file: join(ctx.referenceDir, "reference-message.sql"), defines: range },
    "POST /appeals/{id}/messages",
  );
  ctx.checks.push(await checkMessagesStoredOnce(ctx.databaseUrl, label, load.created, load.inFlight));
  return measured;
}
