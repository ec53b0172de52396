// The data checks after each load phase: every appeal stored once and only
// once, no orphan lead, no operator over its limit or with a wrong counter, and
// no appeal left pending while a candidate operator has room.
import { query } from "./database.js";

export type Check = { name: string; ok: boolean; detail: string };

/**
 * Every 201 is one stored appeal, nothing is stored twice, and nothing is
 * stored that was not sent. The requests still in flight when the load
 * generator stopped may or may not have been stored: they are counted apart.
 */
export async function checkStoredOnce(
  url: string,
  phase: string,
  created: number,
  inFlight: string[],
): Promise<Check> {
  const [row] = await query<{ stored: number; distinct_messages: number; stored_in_flight: number }>(
    url,
    `SELECT count(*)::int AS stored, count(DISTINCT message)::int AS distinct_messages,
            count(*) FILTER (WHERE message = ANY($2::text[]))::int AS stored_in_flight
     FROM appeals WHERE starts_with(message, $1 || ' #')`,
    [phase, inFlight],
  );
  if (!row) throw new Error("no row");
  const ok = row.stored === row.distinct_messages && row.stored - row.stored_in_flight === created;
  return {
    name: `${phase}: every appeal stored once`,
    ok,
    detail:
      `${created} answered 201, ${row.stored} stored (${row.stored_in_flight} of ${inFlight.length} ` +
      `unanswered at the stop), ${row.distinct_messages} distinct`,
  };
}

/** A lead exists only with its appeal: a failed intake leaves no lead behind. */
export async function checkNoOrphanLeads(url: string, phase: string): Promise<Check> {
  const [row] = await query<{ leads: number; orphans: number }>(
    url,
    `SELECT count(*)::int AS leads,
            count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM appeals a WHERE a.lead_id = l.id))::int AS orphans
     FROM leads l WHERE starts_with(l.external_id, $1 || '-lead-')`,
    [phase],
  );
  if (!row) throw new Error("no row");
  return {
    name: `${phase}: no orphan lead`,
    ok: row.orphans === 0,
    detail: `${row.leads} leads, ${row.orphans} without an appeal`,
  };
}

/** No operator over its limit, and every counter equal to the count of its active appeals. */
export async function checkOperatorLoads(url: string, label: string): Promise<Check> {
  const rows = await query<{ id: number; max_load: number; active_load: number; active: number }>(
    url,
    `SELECT o.id, o.max_load, o.active_load, COALESCE(a.active, 0)::int AS active
     FROM operators o
     LEFT JOIN (SELECT operator_id, count(*) AS active FROM appeals WHERE status = 'active' GROUP BY operator_id) a
       ON a.operator_id = o.id
     WHERE o.active_load > o.max_load OR o.active_load <> COALESCE(a.active, 0)
     ORDER BY o.id`,
  );
  const [total] = await query<{ operators: number; active: number }>(
    url,
    "SELECT count(*)::int AS operators, COALESCE(sum(active_load), 0)::int AS active FROM operators",
  );
  return {
    name: `${label}: no operator over its limit, counters exact`,
    ok: rows.length === 0,
    detail:
      rows.length === 0
        ? `${total?.operators} operators, ${total?.active} active appeals`
        : rows
            .slice(0, 5)
            .map((r) => `operator ${r.id}: load ${r.active_load}/${r.max_load}, ${r.active} active`)
            .join("; "),
  };
}

/** No appeal waits while an operator weighted for its source is active and below its limit. */
export async function checkNoStarvedPending(url: string, label: string): Promise<Check> {
  const rows = await query<{ source_id: number; starved: number }>(
    url,
    `SELECT a.source_id, count(*)::int AS starved FROM appeals a
     WHERE a.status = 'pending' AND EXISTS (
       SELECT 1 FROM operator_weights w JOIN operators o ON o.id = w.operator_id
       WHERE w.source_id = a.source_id AND o.is_active AND o.active_load < o.max_load)
     GROUP BY a.source_id ORDER BY a.source_id`,
  );
  const [pending] = await query<{ n: number }>(
    url,
    "SELECT count(*)::int AS n FROM appeals WHERE status = 'pending'",
  );
  return {
    name: `${label}: no appeal pending while a candidate has room`,
    ok: rows.length === 0,
    detail:
      rows.length === 0
        ? `${pending?.n} pending, none assignable`
        : rows.map((r) => `source ${r.source_id}: ${r.starved} pending with room`).join("; "),
  };
}

/**
 * The message phase's checkStoredOnce: every 201 is one stored message, none twice, none
 * that was not sent (the unanswered ones may or may not be stored: counted apart).
 */
export async function checkMessagesStoredOnce(
  url: string,
  phase: string,
  created: number,
  inFlight: string[],
): Promise<Check> {
  const [row] = await query<{ stored: number; distinct_texts: number; stored_in_flight: number }>(
    url,
    `SELECT count(*)::int AS stored, count(DISTINCT text)::int AS distinct_texts,
            count(*) FILTER (WHERE text = ANY($2::text[]))::int AS stored_in_flight
     FROM messages WHERE starts_with(text, $1 || ' #')`,
    [phase, inFlight],
  );
  if (!row) throw new Error("no row");
  const ok = row.stored === row.distinct_texts && row.stored - row.stored_in_flight === created;
  return {
    name: `${phase}: every message stored once`,
    ok,
    detail:
      `${created} answered 201, ${row.stored} stored (${row.stored_in_flight} of ${inFlight.length} ` +
      `unanswered at the stop), ${row.distinct_texts} distinct`,
  };
}
