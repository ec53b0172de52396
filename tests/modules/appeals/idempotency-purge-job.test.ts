// The idempotency-key purge as the scheduled job of the appeals module (appeal.jobs.ts):
// through the composition root's job queue, due every hour on the hour, forgetting only
// keys older than 24 hours, at most one waiting at a time.
import { beforeAll, describe, expect, it } from "vitest";
import { idempotencyKeyPurge } from "../../../src/modules/appeals/appeal.jobs.js";
import { createSource, unique } from "../../helpers/factories.js";
import { query } from "../../helpers/sql.js";
import { useTestApp } from "../../helpers/test-app.js";

const t = useTestApp();

beforeAll(async () => {
  await t.deps.jobs.start(); // workers off (the tests' default): runDue() runs what is due
});

describe("the idempotency-key purge job", () => {
  it("is a stately queue retried 3 times with backoff, on an hourly cron", async () => {
    const rows = await query(
      t.testDatabase.url,
      "SELECT name, policy, retry_limit, retry_delay, retry_backoff, expire_seconds FROM pgboss.queue WHERE name = $1",
      [idempotencyKeyPurge.name],
    );
    expect(rows).toEqual([
      {
        name: "appeals.idempotency-key-purge",
        policy: "stately",
        retry_limit: 3,
        retry_delay: 60,
        retry_backoff: true,
        expire_seconds: 900,
      },
    ]);
    expect(idempotencyKeyPurge.schedule?.cron).toBe("0 * * * *");
  });

  it("is due on the hour, forgets the keys older than 24 hours and keeps the others", async () => {
    const source = await createSource(t.app);
    const keys: string[] = [];
    for (let i = 0; i < 3; i++) {
      const key = unique("purge-key");
      keys.push(key);
      const answer = await t.app.inject({
        method: "POST",
        url: "/appeals",
        payload: { lead_external_id: unique("lead"), source_id: source.id },
        headers: { "idempotency-key": key },
      });
      expect(answer.statusCode).toBe(201);
    }
    await query(
      t.testDatabase.url,
      `UPDATE idempotency_keys SET created_at = now() - CASE WHEN key = ANY($1) THEN interval '24 hours 1 minute'
                                                         ELSE interval '23 hours 59 minutes' END
       WHERE key = ANY($2)`,
      [keys.slice(0, 2), keys],
    );

    expect(await t.deps.jobs.runDue({ at: new Date("2026-03-01T10:30:00Z") })).toEqual([]);
    const outcomes = await t.deps.jobs.runDue({ at: new Date("2026-03-01T11:00:20Z") });
    expect(outcomes.map(({ queue, state, output }) => ({ queue, state, output }))).toEqual([
      { queue: "appeals.idempotency-key-purge", state: "completed", output: { forgotten: 2 } },
    ]);
    const left = await query<{ key: string }>(
      t.testDatabase.url,
      "SELECT key FROM idempotency_keys WHERE key = ANY($1)",
      [keys],
    );
    expect(left).toEqual([{ key: keys[2] }]);
  });

  it("never piles up: a tick while one purge waits is dropped", async () => {
    const first = await t.deps.jobs.send(idempotencyKeyPurge, {});
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(await t.deps.jobs.send(idempotencyKeyPurge, {})).toBeNull();
    // runDue() also sends every scheduled job once: the other modules' purges run beside it.
    const outcomes = (await t.deps.jobs.runDue()).filter(({ queue }) => queue === idempotencyKeyPurge.name);
    expect(outcomes.map(({ id, state, output }) => ({ id, state, output }))).toEqual([
      { id: first, state: "completed", output: { forgotten: 0 } },
    ]);
  });
});
