// The horizon never passes an event that is still to commit, and passes a rolled-back
// id once the transactions that could have held it have ended: on real transactions.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSqlClient } from "../../../src/db/sql.js";
import { EventHorizon } from "../../../src/modules/events/event-horizon.js";
import { EventLogRepository } from "../../../src/modules/events/event-log.repository.js";
import { createTestDatabase, onRealServer, type TestDatabase } from "../../helpers/test-database.js";

let db: TestDatabase;
let pool: pg.Pool;
let log: EventLogRepository;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.reset();
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  // A connection still closing when the teardown drops the database (WITH FORCE) gets a FATAL
  // 57P01; without a listener the pool rethrew it as an unhandled error after every test passed.
  pool.on("error", () => {});
  log = new EventLogRepository(createSqlClient(pool, { prepareStatements: false }));
});
afterAll(async () => {
  await pool.end();
  await db.drop();
});

const insertEvent = (client: pg.PoolClient | pg.Pool, type: string) =>
  client.query<{ id: string }>(
    "INSERT INTO events (actor, type, entity_type, entity_id) VALUES ('test', $1, 'appeal', 1) RETURNING id::text",
    [type],
  );

/**
 * Advances as far as the log allows: a first look, then looks until the transactions it
 * saw running have ended. Transaction ids are cluster-wide, so another test file's
 * transaction can hold a gap open for a while; wait for it (up to 10 s), then look once more.
 */
async function settle(horizon: EventHorizon, wait = true): Promise<bigint> {
  await horizon.advance();
  const deadline = Date.now() + (wait ? 10_000 : 0);
  while (horizon.waiting && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    await horizon.advance();
  }
  await horizon.advance();
  return horizon.horizon;
}

describe("the event horizon", () => {
  it("starts at the newest event without walking the history, then follows new ones", async () => {
    for (let i = 0; i < 3; i++) await insertEvent(pool, "before.start");
    const horizon = new EventHorizon(log);
    expect(await horizon.advance()).toBe(0n); // the first look only learns where the log ends
    expect(await settle(horizon)).toBe(3n);
    await insertEvent(pool, "after.start");
    expect(await settle(horizon)).toBe(4n);
  });

  // Not on the embedded database: one PostgreSQL session serves all its connections, so while a
  // transaction is open on one, a statement on another waits for it to end. No later event can
  // commit past a running one there, which is the case these two tests hold the horizon to.
  it.skipIf(!onRealServer)(
    "stops below an event whose transaction is still running, and moves past it once it commits",
    async () => {
      const horizon = new EventHorizon(log);
      const start = await settle(horizon);
      const slow = await pool.connect();
      try {
        await slow.query("BEGIN");
        const held = BigInt((await insertEvent(slow, "slow")).rows[0]?.id as string);
        const later = BigInt((await insertEvent(pool, "fast")).rows[0]?.id as string);
        expect(later).toBe(held + 1n);
        // However often it looks, the horizon does not pass the running transaction's event.
        expect(held - 1n).toBe(start);
        expect(await settle(horizon, false)).toBe(start);
        expect(await settle(horizon, false)).toBe(start);
        await slow.query("COMMIT");
        expect(await settle(horizon)).toBe(later);
        const read = await log.read(start, later, {}, 10);
        expect(read.map((event) => [event.id, event.type])).toEqual([
          [held, "slow"],
          [later, "fast"],
        ]);
      } finally {
        slow.release();
      }
    },
  );

  it.skipIf(!onRealServer)(
    "passes the id of a rolled-back event once the transactions of that moment have ended",
    async () => {
      const horizon = new EventHorizon(log);
      const start = await settle(horizon);
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const lost = BigInt((await insertEvent(client, "lost")).rows[0]?.id as string);
        const kept = BigInt((await insertEvent(pool, "kept")).rows[0]?.id as string);
        expect(await settle(horizon, false)).toBe(lost - 1n);
        await client.query("ROLLBACK");
        expect(await settle(horizon)).toBe(kept);
        expect((await log.read(start, kept, {}, 10)).map((event) => event.type)).toEqual(["kept"]);
      } finally {
        client.release();
      }
    },
  );

  it("reads only what a filter lets through", async () => {
    const horizon = new EventHorizon(log);
    const start = await settle(horizon);
    await pool.query(
      `INSERT INTO events (actor, type, entity_type, entity_id, operator_id, source_id) VALUES
         ('test', 'appeal.created', 'appeal', 1, 7, 1), ('test', 'appeal.closed', 'appeal', 1, 7, 1),
         ('test', 'appeal.created', 'appeal', 2, 8, 2)`,
    );
    const upTo = await settle(horizon);
    const ids = async (filter: Parameters<EventLogRepository["read"]>[2]) =>
      (await log.read(start, upTo, filter, 10)).map((event) => Number(event.id - start));
    expect(await ids({})).toEqual([1, 2, 3]);
    expect(await ids({ types: ["appeal.created"] })).toEqual([1, 3]);
    expect(await ids({ operatorId: 7 })).toEqual([1, 2]);
    expect(await ids({ sourceIds: [2, 5] })).toEqual([3]);
    expect(await ids({ types: ["appeal.closed"], operatorId: 8 })).toEqual([]);
  });
});
