// Counts failed authentications (an unknown or revoked key) per client address in
// fixed one-minute windows, in memory. A made-up key costs a database lookup, so an
// address over its share stops getting lookups until its window ends. Own code rather
// than @fastify/rate-limit: this must be read before the lookup and counted only after
// it failed, and its store reads the wall clock where tests need an injected one.

export type FailedAuthLimiterOptions = {
  /** Failures an address may have in a window; the next ones are refused. */
  maxFailures: number;
  windowMs?: number;
  /** Addresses tracked at once; beyond, the oldest window is dropped (memory stays bounded). */
  maxAddresses?: number;
  now?: () => number;
};

type Window = { startedAt: number; failures: number };

export class FailedAuthLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly windowMs: number;
  private readonly maxAddresses: number;
  private readonly now: () => number;

  constructor(private readonly options: FailedAuthLimiterOptions) {
    this.windowMs = options.windowMs ?? 60_000;
    this.maxAddresses = options.maxAddresses ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Whole seconds until `address` gets lookups again (at least 1); 0 when it gets them now. */
  retryAfterSeconds(address: string): number {
    const window = this.current(address);
    if (!window || window.failures < this.options.maxFailures) return 0;
    return Math.max(1, Math.ceil((window.startedAt + this.windowMs - this.now()) / 1000));
  }

  recordFailure(address: string): void {
    const window = this.current(address);
    if (window) {
      window.failures += 1;
      return;
    }
    if (this.windows.size >= this.maxAddresses) {
      const oldest = this.windows.keys().next();
      if (!oldest.done) this.windows.delete(oldest.value);
    }
    this.windows.set(address, { startedAt: this.now(), failures: 1 });
  }

  /** The address's window while it runs; an ended one is dropped. */
  private current(address: string): Window | undefined {
    const window = this.windows.get(address);
    if (window && this.now() - window.startedAt >= this.windowMs) {
      this.windows.delete(address);
      return undefined;
    }
    return window;
  }
}
