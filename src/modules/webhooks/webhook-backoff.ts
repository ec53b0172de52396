// When a failed delivery is tried again: the schedule of API.md (about 5 s, 5 min, 30 min,
// 2 h, 5 h, 10 h, 24 h), each delay with ±20% jitter so endpoints that failed together do
// not come back together, and a receiver's Retry-After honoured when it asks for later.
// Pure, with an injectable random source and schedule (tests shorten it).

/** The delay before retry n (index n - 1) after the first attempt failed; its length is the number of retries. */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  24 * 3_600_000,
];

/** A Retry-After further away than this is read as this (nothing waits longer than the schedule's last step). */
const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

const JITTER = 0.2;

/**
 * The delay after the `failures`-th failed attempt of one event, or null when that was the
 * last attempt allowed (the delivery has failed for good: nothing is retried forever).
 */
export function retryDelayMs(
  failures: number,
  retryAfterMs: number | null,
  schedule: readonly number[] = DEFAULT_RETRY_SCHEDULE_MS,
  random: () => number = Math.random,
): number | null {
  const base = schedule[failures - 1];
  if (base === undefined) return null;
  const jittered = Math.round(base * (1 - JITTER + 2 * JITTER * random()));
  if (retryAfterMs === null) return jittered;
  return Math.max(jittered, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS));
}

/** Retry-After as delta-seconds or an HTTP date (RFC 9110 §10.2.3), in ms from `now`; null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: Date): number | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (/^[0-9]{1,10}$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now.getTime());
}
