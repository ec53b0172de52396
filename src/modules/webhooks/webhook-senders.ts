// The dispatcher's connections to its endpoints: one WebhookSender per endpoint, reused across
// claims (a new TCP and TLS connection per claim was a round trip per 2,000 events), opened
// again when the endpoint's URL changed, closed once no worker used it for IDLE_SENDER_MS.
import type { HeldLease } from "./webhook-lease.js";
import { type SenderOptions, WebhookSender } from "./webhook-sender.js";

/** An endpoint's connection unused this long is closed (a later claim opens a new one). */
const IDLE_SENDER_MS = 60_000;

export class WebhookSenders {
  private readonly senders = new Map<number, { sender: WebhookSender; usedAt: number }>();

  constructor(private readonly options: SenderOptions) {}

  /** The endpoint's connection, opened again when its URL changed. */
  for(lease: Pick<HeldLease, "id" | "url">): WebhookSender {
    const now = performance.now();
    let entry = this.senders.get(lease.id);
    if (!entry || entry.sender.rawUrl !== lease.url) {
      if (entry) void entry.sender.close();
      entry = { sender: new WebhookSender(lease.url, this.options), usedAt: now };
      this.senders.set(lease.id, entry);
    }
    entry.usedAt = now;
    return entry.sender;
  }

  /** Closes the connections of endpoints no worker used for a while (deleted, disabled, or quiet). */
  closeIdle(): void {
    const now = performance.now();
    for (const [id, entry] of this.senders) {
      if (now - entry.usedAt < IDLE_SENDER_MS) continue;
      this.senders.delete(id);
      void entry.sender.close();
    }
  }

  /** Closes every connection once its requests in flight are answered. */
  async closeAll(): Promise<void> {
    const entries = [...this.senders.values()];
    this.senders.clear();
    await Promise.all(entries.map((entry) => entry.sender.close()));
  }
}
