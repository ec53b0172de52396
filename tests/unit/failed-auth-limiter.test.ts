import { describe, expect, it } from "vitest";
import { FailedAuthLimiter } from "../../src/modules/auth/failed-auth-limiter.js";

function limiter(maxFailures: number, extra: { maxAddresses?: number; windowMs?: number } = {}) {
  const clock = { now: 500_000 };
  return { limiter: new FailedAuthLimiter({ maxFailures, now: () => clock.now, ...extra }), clock };
}

describe("FailedAuthLimiter", () => {
  it("refuses an address once it has had maxFailures in its window, until the window ends", () => {
    const { limiter: l, clock } = limiter(2);
    expect(l.retryAfterSeconds("a")).toBe(0);
    l.recordFailure("a");
    expect(l.retryAfterSeconds("a")).toBe(0);
    clock.now += 10_000;
    l.recordFailure("a");
    expect(l.retryAfterSeconds("a")).toBe(50); // the window started at the first failure
    clock.now += 49_001;
    expect(l.retryAfterSeconds("a")).toBe(1);
    clock.now += 998;
    expect(l.retryAfterSeconds("a")).toBe(1); // 1 ms left: still a whole second
    clock.now += 1;
    expect(l.retryAfterSeconds("a")).toBe(0);
    l.recordFailure("a"); // a new window
    expect(l.retryAfterSeconds("a")).toBe(0);
  });

  it("keeps one window per address", () => {
    const { limiter: l } = limiter(1);
    l.recordFailure("a");
    expect(l.retryAfterSeconds("a")).toBe(60);
    expect(l.retryAfterSeconds("b")).toBe(0);
  });

  it("takes its window length from windowMs", () => {
    const { limiter: l } = limiter(1, { windowMs: 5_000 });
    l.recordFailure("a");
    expect(l.retryAfterSeconds("a")).toBe(5);
  });

  it("tracks at most maxAddresses, dropping the oldest window", () => {
    const { limiter: l } = limiter(1, { maxAddresses: 2 });
    l.recordFailure("a");
    l.recordFailure("b");
    l.recordFailure("b");
    expect(l.retryAfterSeconds("a")).toBe(60);
    l.recordFailure("c");
    expect(l.retryAfterSeconds("a")).toBe(0);
    expect(l.retryAfterSeconds("b")).toBe(60);
    expect(l.retryAfterSeconds("c")).toBe(60);
  });
});
