// The weighted-random choice, as a pure function: the specification that the
// assignment SQL (distribution.repository.ts, `chooseOperator`) implements in the
// database so that choosing and counting stay one statement. A test checks that
// both pick the same operator for the same candidates and the same draw.

export type Strategy = "weighted" | "weighted_by_free_capacity";

export type Candidate = {
  id: number;
  weight: number;
  maxLoad: number;
  currentLoad: number;
};

/** A candidate's share of the draw under the source's strategy. */
export function shareOf(candidate: Candidate, strategy: Strategy): number {
  return strategy === "weighted_by_free_capacity"
    ? candidate.weight * (candidate.maxLoad - candidate.currentLoad)
    : candidate.weight;
}

/**
 * Picks one candidate with probability share_i / Σ share, given a uniform draw
 * `u` in [0, 1): candidates are lined up by id, each covering a segment as long
 * as its share, and the one whose segment contains u × Σ share wins.
 * Returns undefined when no candidate has a positive share.
 */
export function selectOperator(
  candidates: readonly Candidate[],
  strategy: Strategy,
  u: number,
): Candidate | undefined {
  if (!(u >= 0 && u < 1)) throw new RangeError(`the draw must be in [0, 1), got ${u}`);
  const lined = [...candidates].sort((a, b) => a.id - b.id);
  const total = lined.reduce((sum, candidate) => sum + shareOf(candidate, strategy), 0);
  const threshold = u * total;
  let upTo = 0;
  for (const candidate of lined) {
    upTo += shareOf(candidate, strategy);
    if (upTo > threshold) return candidate;
  }
  return undefined;
}
