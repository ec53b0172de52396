// The bookings phase: 64 clients booking random slots of a few resources at once for a bounded
// time, many of them colliding, some a game with the rest room after it. The exclusion constraint
// decides who gets a slot: the figures are bookings/s and 409s/s, and the check reads the stored
// items back to prove no two non-cancelled items of a resource overlap, and that every 201 is
// one stored booking.
import { api, authHeaders, type Target } from "./api.js";
import type { Check } from "./checks.js";
import { query } from "./database.js";
import { elapsedMs, type LatencySummary, summariseLatencies } from "./latency.js";
import type { PhaseContext } from "./phases.js";
import type { Scenario } from "./scenario.js";

/** Fields booked at random; each game may take the one rest room after it. */
const FIELDS = 3;
const REST_ROOMS = 1;
const LEADS = 20;
/** The period booked: two days of quarter hours. */
const SLOTS = 2 * 24 * 4;
const QUARTER_MS = 15 * 60_000;
const DURATIONS = [30, 60, 90, 120];

export type BookingFigures = {
  connections: number;
  seconds: number;
  created: number;
  conflicts: number;
  /** Answers other than 201 and 409, and requests that failed. */
  failed: number;
  /** Deadlocks PostgreSQL broke in the scratch database meanwhile (overlapping inserts; each retried). */
  deadlocks: number;
  latencyMs: LatencySummary;
  /** The first few unexpected answers, for the log. */
  samples: string[];
};

type Setup = { fields: number[]; restRooms: number[]; leads: string[]; base: number };

async function setUp(ctx: PhaseContext, scenario: Scenario, label: string): Promise<Setup> {
  const resource = async (name: string, kind: string) =>
    (await api<{ id: number }>(ctx.target, "POST", "/resources", { name: `${label} ${name}`, kind })).id;
  const fields = [];
  for (let i = 1; i <= FIELDS; i++) fields.push(await resource(`field ${i}`, "field"));
  const restRooms = [];
  for (let i = 1; i <= REST_ROOMS; i++) restRooms.push(await resource(`rest room ${i}`, "rest_room"));
  const leads = [];
  for (let i = 1; i <= LEADS; i++) {
    const externalId = `${label}-lead-${i}`;
    await api(ctx.target, "POST", "/appeals", {
      lead_external_id: externalId,
      source_id: scenario.sourceIds[i % scenario.sourceIds.length],
      message: `${label} lead ${i}`,
    });
    leads.push(externalId);
  }
  // Tomorrow, on the hour: every booking is ahead, so each sends its reminder job as in real use.
  const base = Math.ceil((Date.now() + 86_400_000) / 3_600_000) * 3_600_000;
  return { fields, restRooms, leads, base };
}

const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)] as T;

/** A random game, a third of the time with a rest room for the hour after it. */
function randomBooking(setup: Setup): object {
  const start = setup.base + Math.floor(Math.random() * SLOTS) * QUARTER_MS;
  const minutes = pick(DURATIONS);
  const items = [
    { resource_id: pick(setup.fields), starts_at: new Date(start).toISOString(), duration_minutes: minutes },
  ];
  if (Math.random() < 1 / 3) {
    items.push({
      resource_id: pick(setup.restRooms),
      starts_at: new Date(start + minutes * 60_000).toISOString(),
      duration_minutes: 60,
    });
  }
  return {
    lead_external_id: pick(setup.leads),
    items,
    players: 1 + Math.floor(Math.random() * 20),
    kind: "bench",
  };
}

/** One client: books until the deadline, one request at a time; the last one is awaited, so none is left in flight. */
async function client(
  target: Target,
  setup: Setup,
  deadline: number,
  figures: BookingFigures,
  latencies: number[],
) {
  while (performance.now() < deadline) {
    const startedAt = performance.now();
    try {
      const response = await fetch(`${target.baseUrl}/bookings`, {
        method: "POST",
        headers: { ...authHeaders(target), "content-type": "application/json" },
        body: JSON.stringify(randomBooking(setup)),
      });
      const text = await response.text();
      latencies.push(elapsedMs(startedAt));
      if (response.status === 201) figures.created += 1;
      else if (response.status === 409 && text.includes('"booking_conflict"')) figures.conflicts += 1;
      else {
        figures.failed += 1;
        if (figures.samples.length < 5) figures.samples.push(`${response.status} ${text.slice(0, 200)}`);
      }
    } catch (error) {
      figures.failed += 1;
      if (figures.samples.length < 5) figures.samples.push(String(error));
    }
  }
}

/** No two items not cancelled of one resource overlap, and every 201 is one stored booking. */
async function checkNoDoubleBooking(
  url: string,
  label: string,
  setup: Setup,
  created: number,
): Promise<Check[]> {
  const resources = [...setup.fields, ...setup.restRooms];
  const [overlaps] = await query<{ n: number }>(
    url,
    `SELECT count(*)::int AS n FROM booking_items a JOIN booking_items b
       ON a.resource_id = b.resource_id AND a.id < b.id
      AND tstzrange(a.starts_at, a.ends_at, '[)') && tstzrange(b.starts_at, b.ends_at, '[)')
     WHERE a.resource_id = ANY($1::int[]) AND a.status <> 'cancelled' AND b.status <> 'cancelled'`,
    [resources],
  );
  const [stored] = await query<{ bookings: number; items: number }>(
    url,
    `SELECT count(DISTINCT booking_id)::int AS bookings, count(*)::int AS items
     FROM booking_items WHERE resource_id = ANY($1::int[])`,
    [resources],
  );
  return [
    {
      name: `${label}: no two stored items of a resource overlap`,
      ok: overlaps?.n === 0,
      detail: `${overlaps?.n} overlapping pairs among ${stored?.items} items of ${resources.length} resources`,
    },
    {
      name: `${label}: every 201 is one stored booking`,
      ok: stored?.bookings === created,
      detail: `${created} answered 201, ${stored?.bookings} bookings stored`,
    },
  ];
}

/** pg_stat_database's count of deadlocks in the scratch database (the statistics lag by up to a second). */
async function deadlocks(url: string): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const [row] = await query<{ n: number }>(
    url,
    "SELECT deadlocks::int AS n FROM pg_stat_database WHERE datname = current_database()",
  );
  return row?.n ?? 0;
}

export async function bookingsPhase(
  ctx: PhaseContext,
  scenario: Scenario,
  connections: number,
): Promise<BookingFigures> {
  const label = `c${connections}-bookings`;
  const setup = await setUp(ctx, scenario, label);
  ctx.log(
    `${label}: ${connections} clients booking ${FIELDS} fields and ${REST_ROOMS} rest room over ${SLOTS} quarter hours for ${ctx.seconds} s`,
  );
  const figures: BookingFigures = {
    connections,
    seconds: ctx.seconds,
    created: 0,
    conflicts: 0,
    failed: 0,
    deadlocks: 0,
    latencyMs: summariseLatencies([]),
    samples: [],
  };
  const latencies: number[] = [];
  const deadlocksBefore = await deadlocks(ctx.databaseUrl);
  const started = performance.now();
  const deadline = started + ctx.seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, () => client(ctx.target, setup, deadline, figures, latencies)),
  );
  figures.seconds = (performance.now() - started) / 1000;
  figures.latencyMs = summariseLatencies(latencies);
  figures.deadlocks = (await deadlocks(ctx.databaseUrl)) - deadlocksBefore;
  for (const sample of figures.samples) ctx.log(`${label}: unexpected answer: ${sample}`);
  ctx.checks.push(...(await checkNoDoubleBooking(ctx.databaseUrl, label, setup, figures.created)));
  return figures;
}
