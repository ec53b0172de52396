// Drives webhook delivery in tests without sleeping through anything: lets the event feed's
// horizon reach every committed event, then has the dispatcher deliver what is due once.
import { expect } from "vitest";
import type { RunningApp } from "./test-app.js";

/**
 * Lets the feed's horizon reach every committed event. The horizon waits for the transactions
 * running at its look, of the whole server (other test files' too), so it may take a few looks
 * under load.
 */
export async function settle(app: RunningApp): Promise<void> {
  const [row] = (
    await app.database.pool.query<{ newest: string }>(
      "SELECT COALESCE(max(id), 0)::text AS newest FROM events",
    )
  ).rows;
  const newest = BigInt(row?.newest ?? "0");
  for (let i = 0; i < 500 && app.deps.eventFeed.current < newest; i++) {
    await app.deps.eventFeed.poll();
    if (app.deps.eventFeed.current < newest) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(app.deps.eventFeed.current).toBeGreaterThanOrEqual(newest);
}

/** Every committed event seen, then one round of delivery of what is due. */
export async function deliver(app: RunningApp): Promise<void> {
  await settle(app);
  await app.deps.webhookDispatcher.runOnce();
}
