// The benchmark's settings, read once from the environment (the bench is a
// tool beside the service, not part of it, so it reads process.env itself).
import { resolve } from "node:path";

export type BenchConfig = Readonly<{
  /** The PostgreSQL server; the bench creates and drops its own scratch database on it. */
  adminUrl: string;
  /** Measured seconds of each load phase. */
  seconds: number;
  /**
   * Rounds an intake phase's measured seconds are split into: a service slice,
   * then a pgbench slice, and again. The VM's speed drifts over tens of
   * seconds; alternating short slices give the service and its reference the
   * same conditions.
   */
  rounds: number;
  /** Seconds of unmeasured warm-up before each load phase. */
  warmupSeconds: number;
  /** DATABASE_POOL_SIZE given to the service. */
  poolSize: number;
  /** Concurrencies of the empty-database intake scenario (none with BENCH_INTAKE=0: a scenario alone). */
  concurrencies: readonly number[];
  /** Concurrency of the 1M-appeals and small-limits scenarios. */
  highConcurrency: number;
  /**
   * Which scenarios run: intake (always), messages, bookings, webhook, prefill, heavy (after
   * prefill when both run), small, snapshot, contacts (last: its million leads would change the
   * others' data).
   */
  scenarios: ReadonlySet<Scenario>;
  /** Pending appeals the snapshot scenario drains. */
  snapshotAppeals: number;
  /** Sequential requests per read when timing the reads at 1M appeals. */
  readRepeats: number;
  /** Sequential requests per figure of the contacts phase, and the seconds each may take at most. */
  contactsRequests: number;
  contactsSeconds: number;
  /** Keep the scratch database at the end (for EXPLAIN ANALYZE afterwards). */
  keepDatabase: boolean;
  /** When set, the service runs with --cpu-prof and writes its profile here. */
  cpuProfileDir: string | undefined;
  /** Where reference-setup.sql, reference-assign.sql and reference-message.sql live. */
  referenceDir: string;
  /** The repository root (where package.json is). */
  root: string;
  /**
   * Where the service to measure is built (dist/src/server.js under it): the
   * repository root, or another checkout to compare an optimisation before it lands.
   */
  serviceDir: string;
  /** NODE_OPTIONS for the service (e.g. --max-old-space-size=128); none by default. */
  serviceNodeOptions: string | undefined;
  /** When set, every figure is also written there as JSON. */
  outputFile: string | undefined;
}>;

const root = resolve(import.meta.dirname, "..");

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

const SCENARIOS = [
  "messages",
  "bookings",
  "webhook",
  "prefill",
  "heavy",
  "small",
  "snapshot",
  "contacts",
] as const;
type Scenario = (typeof SCENARIOS)[number];
const isScenario = (s: string): s is Scenario => (SCENARIOS as readonly string[]).includes(s);

export function loadBenchConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const scenarios = (env.BENCH_SCENARIOS ?? SCENARIOS.join(",")).split(",").map((s) => s.trim());
  for (const s of scenarios) {
    if (s !== "" && s !== "none" && !isScenario(s)) {
      throw new Error(`BENCH_SCENARIOS lists ${SCENARIOS.join(", ")} (or none), got "${s}"`);
    }
  }
  return Object.freeze({
    adminUrl: env.DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/postgres",
    seconds: positiveInt(env, "BENCH_SECONDS", 20),
    rounds: positiveInt(env, "BENCH_ROUNDS", 4),
    warmupSeconds: positiveInt(env, "BENCH_WARMUP_SECONDS", 3),
    poolSize: positiveInt(env, "BENCH_POOL_SIZE", 16),
    concurrencies: env.BENCH_INTAKE === "0" || env.BENCH_INTAKE === "false" ? [] : [16, 64],
    highConcurrency: 64,
    scenarios: new Set(scenarios.filter(isScenario)),
    snapshotAppeals: positiveInt(env, "BENCH_SNAPSHOT_APPEALS", 10_000),
    readRepeats: positiveInt(env, "BENCH_READ_REPEATS", 20),
    contactsRequests: positiveInt(env, "BENCH_CONTACTS_REQUESTS", 200),
    contactsSeconds: positiveInt(env, "BENCH_CONTACTS_SECONDS", 10),
    keepDatabase: env.BENCH_KEEP_DB === "1" || env.BENCH_KEEP_DB === "true",
    cpuProfileDir: env.BENCH_CPU_PROF ? resolve(env.BENCH_CPU_PROF) : undefined,
    referenceDir: resolve(env.BENCH_REFERENCE_DIR ?? resolve(root, "bench")),
    root,
    serviceDir: env.BENCH_SERVICE_DIR ? resolve(env.BENCH_SERVICE_DIR) : root,
    serviceNodeOptions: env.BENCH_SERVICE_NODE_OPTIONS || undefined,
    outputFile: env.BENCH_OUTPUT ? resolve(env.BENCH_OUTPUT) : undefined,
  });
}

/**
 * The length of one slice of a round, the same for the service and pgbench:
 * whole seconds, because pgbench's -T takes an integer.
 */
export function sliceSeconds(seconds: number, rounds: number): number {
  return Math.max(1, Math.round(seconds / rounds));
}
