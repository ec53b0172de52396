// Two V8 settings that keep the server's memory near what it uses (the target: peak
// RSS under 250 MB at 64 concurrent requests; measured in docs/PERFORMANCE.md).
// Set at run time by server.ts, before the database opens (PGlite's WebAssembly)
// and before the first Prisma query, so they hold however the server is started
// (npm start, the Dockerfile, the benchmark); tests and tools keep V8's defaults.
import v8 from "node:v8";

/**
 * V8 lets the old generation grow to up to 4 times what survived the last full
 * collection before collecting again, and sizes that for a machine's whole
 * memory: under load the heap reached 160 MB around 50 MB of live objects. Growing
 * by 30% instead keeps it near 80 MB; full collections of a heap that small are
 * cheap (no change in CPU per request was measurable).
 */
const HEAP_GROWING_PERCENT = 30;

export function limitMemoryGrowth({ embeddedDatabase }: { embeddedDatabase: boolean }): void {
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  // Prisma's query compiler is a large WebAssembly module. V8 compiles it a second
  // time with its optimising tier, and those compilations leave ~70 MB of malloc
  // arenas behind for good (RSS 200 MB instead of 130 MB after the first query).
  // The baseline tier is enough: the compiler runs once per query shape (Prisma
  // caches plans) and not at all on the appeal hot path. Not with the embedded
  // database: PGlite is PostgreSQL compiled to WebAssembly and needs the fast tier.
  // Must run before the first Prisma query compiles the module.
  if (!embeddedDatabase) v8.setFlagsFromString("--liftoff-only");
}
