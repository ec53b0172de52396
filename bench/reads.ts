// Times reads one at a time (no other load), as an admin's screen would issue
// them: one unmeasured request first, then `repeats` measured ones.
import { authHeaders, type Target } from "./api.js";

export type ReadTiming = { path: string; status: number; bytes: number; medianMs: number; maxMs: number };

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export async function timeRead(target: Target, path: string, repeats: number): Promise<ReadTiming> {
  let status = 0;
  let bytes = 0;
  const times: number[] = [];
  for (let i = 0; i <= repeats; i++) {
    const started = performance.now();
    const response = await fetch(`${target.baseUrl}${path}`, { headers: authHeaders(target) });
    const body = await response.arrayBuffer();
    const elapsed = performance.now() - started;
    status = response.status;
    bytes = body.byteLength;
    if (i > 0) times.push(elapsed);
  }
  return { path, status, bytes, medianMs: median(times), maxMs: Math.max(...times) };
}
