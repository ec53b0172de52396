// How far the event log can be read without ever skipping an event that commits late.
//
// Ids are drawn in order but committed in any order: while a transaction that drew id
// 10 is still running, id 11 may already be visible, and a reader that moved past 11
// would never see 10. So readers read only up to the horizon: the highest id such that
// every lower id is visible or will never be (its transaction rolled back). A gap is
// final once every transaction that was running when the gap was seen has ended:
// pg_snapshot_xmin of a later snapshot reaches the xmax of the one that saw it. That
// holds because an event's id default (next_event_id(), migration 20261201160000) takes
// the transaction's id before drawing the event id. Rolled-back ids therefore cost
// readers one wait for the transactions of that moment, a statement's length.
import type { EventLogRepository } from "./event-log.repository.js";

/** Ids looked at per advance; a larger backlog is walked over several. */
const PROBE_LIMIT = 10_000;

export class EventHorizon {
  private safe = 0n;
  /** A gap seen below `upTo`, final once no transaction below `xmax` runs any more. */
  private pending: { upTo: bigint; xmax: bigint } | undefined;
  private started = false;

  constructor(private readonly log: Pick<EventLogRepository, "probe">) {}

  /** Every event with an id up to this one is visible now (or never will be). */
  get horizon(): bigint {
    return this.safe;
  }

  /** A gap (or the first look's backlog) waits for transactions running when it was seen. */
  get waiting(): boolean {
    return this.pending !== undefined;
  }

  /**
   * Moves the horizon as far as the log allows now and returns it. A new horizon starts
   * below every event recorded so far and reaches the newest once the transactions
   * running at its first look have ended.
   */
  async advance(): Promise<bigint> {
    const { xmin, xmax, ids, newest } = await this.log.probe(this.safe, PROBE_LIMIT);
    if (!this.started) {
      // The history is not walked: everything up to the newest id is final once the
      // transactions running now have ended.
      this.started = true;
      this.pending = { upTo: newest, xmax };
      return this.safe;
    }
    if (this.pending && xmin >= this.pending.xmax) {
      if (this.pending.upTo > this.safe) this.safe = this.pending.upTo;
      this.pending = undefined;
    }
    for (const id of ids) {
      if (id <= this.safe) continue;
      if (id !== this.safe + 1n) break;
      this.safe = id;
    }
    const seen = ids.at(-1);
    if (this.pending === undefined && seen !== undefined && seen > this.safe) {
      this.pending = { upTo: seen, xmax };
    }
    return this.safe;
  }
}
