// Idempotency keys belong to the API key that sent them, and are forgotten by
// the database's clock, in batches.
import { beforeAll, describe, expect, it } from "vitest";
import { unique } from "../../helpers/factories.js";
import { query } from "../../helpers/sql.js";
import { useTestApp } from "../../helpers/test-app.js";

const t = useTestApp({ auth: { mode: "on", host: "127.0.0.1" } });
const bots = { one: "", two: "" };

beforeAll(async () => {
  bots.one = (await t.deps.apiKeys.create({ label: "bot one", role: "intake" }, "test")).key;
  bots.two = (await t.deps.apiKeys.create({ label: "bot two", role: "intake" }, "test")).key;
});

const post = (key: string, payload: object, idempotencyKey: string) =>
  t.app.inject({
    method: "POST",
    url: "/appeals",
    payload,
    headers: { authorization: `Bearer ${key}`, "idempotency-key": idempotencyKey },
  });

describe("two bots that number their updates the same way", () => {
  it("each get their own appeal, never the other's and never a 422", async () => {
    const source = await createSourceAsAdmin();
    const key = unique("tg-update");
    const one = await post(bots.one, { source_id: source, lead_external_id: unique("lead") }, key);
    const two = await post(bots.two, { source_id: source, lead_external_id: unique("lead") }, key);
    expect([one.statusCode, two.statusCode]).toEqual([201, 201]);
    expect(two.json().appeal_id).not.toBe(one.json().appeal_id);
    expect(two.headers["idempotency-replayed"]).toBeUndefined();

    // Each bot's retry replays its own first answer.
    const retryTwo = await post(bots.two, { source_id: source, lead_external_id: "other body" }, key);
    expect(retryTwo.statusCode).toBe(422);
    const sameBody = JSON.parse(two.payload);
    const replay = await post(
      bots.two,
      { source_id: source, lead_external_id: sameBody.lead_external_id },
      key,
    );
    expect([replay.statusCode, replay.json().appeal_id, replay.headers["idempotency-replayed"]]).toEqual([
      201,
      sameBody.appeal_id,
      "true",
    ]);
    const [stored] = await query<{ n: number }>(
      t.testDatabase.url,
      "SELECT count(*)::int AS n FROM idempotency_keys WHERE key = $1",
      [key],
    );
    expect(stored?.n).toBe(2);
  });
});

describe("forgetting keys", () => {
  it("forgets, in batches, the keys older than 24 hours by the database's clock, and only those", async () => {
    const source = await createSourceAsAdmin();
    const keys = [];
    for (let i = 0; i < 5; i++) {
      const key = unique("old");
      keys.push(key);
      expect(
        (await post(bots.one, { source_id: source, lead_external_id: unique("lead") }, key)).statusCode,
      ).toBe(201);
    }
    // Three keys were stored 24 hours and a minute ago, two 23 hours and 59 minutes ago.
    await query(
      t.testDatabase.url,
      `UPDATE idempotency_keys SET created_at = now() - CASE WHEN key = ANY($1) THEN interval '24 hours 1 minute'
                                                         ELSE interval '23 hours 59 minutes' END
       WHERE key = ANY($2)`,
      [keys.slice(0, 3), keys],
    );
    const batches: number[] = [];
    const forgotten = await t.deps.appeals.forgetOldIdempotencyKeys({
      batchSize: 2,
      onBatch: (count) => batches.push(count),
    });
    expect(forgotten).toBe(3);
    expect(batches).toEqual([2, 1]);
    const left = await query<{ key: string }>(
      t.testDatabase.url,
      "SELECT key FROM idempotency_keys WHERE key = ANY($1) ORDER BY key",
      [keys],
    );
    expect(left.map((row) => row.key)).toEqual(keys.slice(3).sort());
  });
});

/** Through the service: the test's keys are intake keys. */
async function createSourceAsAdmin(): Promise<number> {
  return (await t.deps.sources.create({ name: unique("source"), strategy: "weighted" }, "test")).id;
}
