// The endpoint a dispatcher worker holds: its id, the settings it sends with, and when its
// lease was last extended, so it is renewed only when needed, not before every attempt.
import type { WebhookDispatchRepository } from "./webhook-dispatch.repository.js";

export type LeaseTerms = { owner: string; leaseMs: number; timeoutMs: number };

export class HeldLease {
  /**
   * Renewed before an attempt once this long has passed since the claim or the last renewal
   * (measured from before the statement was sent, so on the safe side of the database's
   * clock): every attempt starts with at least two thirds of the lease, and at least twice
   * its deadline, left, so the lease never expires while this instance sends. By default a
   * third of 30 s, with a 10 s deadline.
   */
  private readonly renewAfterMs: number;

  constructor(
    readonly id: number,
    public url: string,
    public secret: string,
    /** performance.now() from before the claim's statement was sent. */
    private renewedAt: number,
    private readonly terms: LeaseTerms,
  ) {
    this.renewAfterMs = Math.min(terms.leaseMs / 3, Math.max(0, terms.leaseMs - 2 * terms.timeoutMs));
  }

  get renewalDue(): boolean {
    return performance.now() - this.renewedAt >= this.renewAfterMs;
  }

  /**
   * Extends the lease and takes the settings it returns (a PATCH of the URL or a rotated
   * secret applies from here on: from the claim or the renewal after it). False when the
   * lease is lost or the endpoint was disabled or deleted.
   */
  async renew(repository: Pick<WebhookDispatchRepository, "renew">): Promise<boolean> {
    const started = performance.now();
    const settings = await repository.renew(this.id, this.terms.owner, this.terms.leaseMs);
    if (!settings) return false;
    this.url = settings.url;
    this.secret = settings.secret;
    this.renewedAt = started;
    return true;
  }
}
