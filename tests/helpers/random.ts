/** mulberry32: a tiny seeded PRNG, so draws in tests are reproducible. Returns values in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random source that returns the queued draws first, then falls back to `rest`. */
export function scriptedRandom(rest: () => number = Math.random): {
  random: () => number;
  queue(...draws: number[]): void;
} {
  const queued: number[] = [];
  return {
    random: () => queued.shift() ?? rest(),
    queue: (...draws) => queued.push(...draws),
  };
}
