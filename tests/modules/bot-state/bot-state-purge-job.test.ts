// The idle purge as the scheduled job of the bot-state module (bot-state.jobs.ts): through the
// composition root's job queue, due every hour at minute 15, forgetting the states (and the
// tombstones of deleted ones) not written for BOT_STATE_TTL_DAYS by the service's clock.
import { beforeAll, describe, expect, it } from "vitest";
import { botStatePurge } from "../../../src/modules/bot-state/bot-state.jobs.js";
import { createSource } from "../../helpers/factories.js";
import { query } from "../../helpers/sql.js";
import { useTestApp } from "../../helpers/test-app.js";

/** The tests' clock: it stamps every write, and the purge measures idleness by it. */
const clock = { at: new Date("2026-03-01T09:00:00.000Z") };
const DAY_MS = 24 * 60 * 60 * 1000;

const t = useTestApp({ clock: { now: () => clock.at }, botStateTtlDays: 7 });
let sourceId: number;

beforeAll(async () => {
  await t.deps.jobs.start(); // workers off (the tests' default): runDue() runs what is due
  sourceId = (await createSource(t.app)).id;
});

const put = async (chat: string, state: string) => {
  const response = await t.app.inject({
    method: "PUT",
    url: `/bot-state/${sourceId}/${chat}`,
    payload: { state, data: { chat } },
  });
  expect(response.statusCode, response.body).toBeLessThan(300);
};
const chatsLeft = async () =>
  (
    await query<{ chat_id: string; state: string | null }>(
      t.testDatabase.url,
      "SELECT chat_id, state FROM bot_states WHERE source_id = $1 ORDER BY chat_id",
      [sourceId],
    )
  ).map((row) => [row.chat_id, row.state]);

describe("the bot-state idle purge job", () => {
  it("is a stately queue retried 3 times with backoff, on an hourly cron at minute 15", async () => {
    const rows = await query(
      t.testDatabase.url,
      "SELECT name, policy, retry_limit, retry_delay, retry_backoff, expire_seconds FROM pgboss.queue WHERE name = $1",
      [botStatePurge.name],
    );
    expect(rows).toEqual([
      {
        name: "bot-state.idle-purge",
        policy: "stately",
        retry_limit: 3,
        retry_delay: 60,
        retry_backoff: true,
        expire_seconds: 900,
      },
    ]);
    expect(botStatePurge.schedule?.cron).toBe("15 * * * *");
  });

  it("at its tick forgets what was idle longer than the TTL, tombstones too, and keeps the rest", async () => {
    // Written 8 days before the tick: idle. One of them deleted then, leaving its tombstone.
    clock.at = new Date("2026-03-02T10:00:00.000Z");
    await put("idle", "asleep");
    await put("deleted", "gone");
    expect((await t.app.inject({ method: "DELETE", url: `/bot-state/${sourceId}/deleted` })).statusCode).toBe(
      204,
    );
    // Written then too, and again a day before the tick: its last write counts.
    await put("rewritten", "old");
    clock.at = new Date("2026-03-09T10:00:00.000Z");
    await put("rewritten", "new");
    // Written a minute inside the TTL at the tick.
    clock.at = new Date(new Date("2026-03-10T11:15:00.000Z").getTime() - 7 * DAY_MS + 60_000);
    await put("fresh", "awake");
    expect(await chatsLeft()).toEqual([
      ["deleted", null],
      ["fresh", "awake"],
      ["idle", "asleep"],
      ["rewritten", "new"],
    ]);

    clock.at = new Date("2026-03-10T11:15:20.000Z");
    expect(await t.deps.jobs.runDue({ at: new Date("2026-03-10T11:14:20Z") })).toEqual([]);
    const outcomes = await t.deps.jobs.runDue({ at: clock.at });
    expect(outcomes.map(({ queue, state, output }) => ({ queue, state, output }))).toEqual([
      { queue: "bot-state.idle-purge", state: "completed", output: { forgotten: 2 } },
    ]);
    expect(await chatsLeft()).toEqual([
      ["fresh", "awake"],
      ["rewritten", "new"],
    ]);
    const idle = await t.app.inject({ method: "GET", url: `/bot-state/${sourceId}/idle` });
    expect(idle.statusCode).toBe(404);
    // Forgotten means forgotten: the chat starts again at version 1.
    const again = await t.app.inject({
      method: "PUT",
      url: `/bot-state/${sourceId}/idle`,
      payload: { state: "back" },
    });
    expect(again.statusCode).toBe(201);
    expect(again.json()).toMatchObject({ state: "back", version: 1 });
  });

  it("works in batches until none is left, and never piles up: a tick while one purge waits is dropped", async () => {
    clock.at = new Date("2026-04-01T00:00:00.000Z");
    for (let i = 0; i < 5; i++) await put(`batch-${i}`, "idle");
    clock.at = new Date("2026-04-09T00:00:00.000Z");
    // And the three the test above left, idle by now: four full batches, then an empty one.
    expect(await t.deps.botStates.forgetIdle({ batchSize: 2 })).toBe(8);
    expect(await chatsLeft()).toEqual([]);

    clock.at = new Date("2026-04-01T00:00:00.000Z");
    await put("late", "idle");
    clock.at = new Date("2026-04-09T00:00:00.000Z");
    const first = await t.deps.jobs.send(botStatePurge, {});
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(await t.deps.jobs.send(botStatePurge, {})).toBeNull();
    // runDue() also sends every scheduled job once: the idempotency-key purge runs beside it.
    const outcomes = (await t.deps.jobs.runDue()).filter(({ queue }) => queue === botStatePurge.name);
    expect(outcomes.map(({ id, state, output }) => ({ id, state, output }))).toEqual([
      { id: first, state: "completed", output: { forgotten: 1 } },
    ]);
    expect(await chatsLeft()).toEqual([]);
  });
});
