// OWN APPEALS under concurrency (distribution.sql.ts): an operator key closes and transfers
// its own appeals only, checked on the locked appeal row, so a move that commits first takes
// the appeal out of the key's reach for a request already waiting behind it. On a real
// PostgreSQL server, over two app instances on one database. AUTH=off: the factories need no
// key, and an operator key still names its operator.
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAppeal, createOperator, createSource, setWeights } from "../../helpers/factories.js";
import { invariantViolations, query } from "../../helpers/sql.js";
import { type AppOptions, type RunningApp, startTestApp, useTestApp } from "../../helpers/test-app.js";
import { onRealServer } from "../../helpers/test-database.js";

const options: AppOptions = { poolSize: 10, auth: { mode: "off", host: "127.0.0.1" } };
const ROUNDS = 20;

describe.skipIf(!onRealServer)("an operator key's moves racing other moves, on two instances", () => {
  const t = useTestApp(options);
  let second: RunningApp;
  let instances: FastifyInstance[];
  beforeAll(async () => {
    second = await startTestApp(t.testDatabase.url, options);
    instances = [t.app, second.app];
  });
  afterAll(async () => {
    await second?.close();
  });
  beforeEach(async () => {
    await t.testDatabase.reset();
  });

  /** Operator A with ROUNDS active appeals and A's key; B and C able to take them all. */
  async function setUp() {
    const [a, b, c] = [
      await createOperator(t.app, { name: "A", max_load: 100 }),
      await createOperator(t.app, { name: "B", max_load: 100 }),
      await createOperator(t.app, { name: "C", max_load: 100 }),
    ];
    const source = await createSource(t.app);
    await setWeights(t.app, source.id, [{ operator_id: a.id, weight: 1 }]);
    const appeals: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const appeal = await createAppeal(t.app, { source_id: source.id });
      expect(appeal.operator?.id).toBe(a.id);
      appeals.push(appeal.appeal_id);
    }
    await setWeights(
      t.app,
      source.id,
      [a, b, c].map((o) => ({ operator_id: o.id, weight: 1 })),
    );
    const key = (
      await t.deps.apiKeys.create({ label: "A's key", role: "operator", operatorId: a.id }, "test")
    ).key;
    return { a: a.id, b: b.id, c: c.id, appeals, key };
  }

  const send = (i: number, url: string, key: string | null, payload?: object) =>
    (instances[i % 2] as FastifyInstance).inject({
      method: "PATCH",
      url,
      headers: key === null ? {} : { authorization: `Bearer ${key}` },
      ...(payload && { payload }),
    });

  const appealsNow = async (ids: number[]) =>
    new Map(
      (
        await query<{ id: number; status: string; operator_id: number | null }>(
          t.testDatabase.url,
          "SELECT id, status::text, operator_id FROM appeals WHERE id = ANY($1)",
          [ids],
        )
      ).map((row) => [row.id, row]),
    );

  it("two transfers of one appeal by its operator's key at once: one moves it, the other is a 404", async () => {
    const { b, c, appeals, key } = await setUp();
    const answers = await Promise.all(
      appeals.map((id, i) =>
        Promise.all([
          send(i, `/appeals/${id}/assign`, key, { operator_id: b }),
          send(i + 1, `/appeals/${id}/assign`, key, { operator_id: c }),
        ]),
      ),
    );
    const stored = await appealsNow(appeals);
    appeals.forEach((id, i) => {
      const [toB, toC] = answers[i] ?? [];
      const statuses = [toB?.statusCode, toC?.statusCode];
      expect(statuses.sort(), `appeal ${id}: ${toB?.body} ${toC?.body}`).toEqual([200, 404]);
      const winner = toB?.statusCode === 200 ? b : c;
      expect(stored.get(id)).toEqual({ id, status: "active", operator_id: winner });
      const loser = toB?.statusCode === 200 ? toC : toB;
      expect(loser?.json()).toMatchObject({ code: "not_found", detail: `Appeal ${id} does not exist.` });
    });
    // One transfer event per appeal, the key's; nothing from the refused ones.
    const events = await query<{ appeal_id: number; n: number }>(
      t.testDatabase.url,
      `SELECT appeal_id, count(*)::int AS n FROM events
       WHERE type = 'appeal.assigned' AND details->>'transfer' = 'true' AND actor = 'A''s key' GROUP BY appeal_id`,
    );
    expect(events.map((row) => row.n)).toEqual(Array(ROUNDS).fill(1));
    expect(await invariantViolations(t.testDatabase.url)).toEqual({ overLoaded: [], stuckPending: [] });
  });

  it("its key's close racing an admin's transfer away: either closed as its own, or moved and a 404", async () => {
    const { a, b, appeals, key } = await setUp();
    const answers = await Promise.all(
      appeals.map((id, i) =>
        Promise.all([
          send(i, `/appeals/${id}/close`, key),
          send(i + 1, `/appeals/${id}/assign`, null, { operator_id: b }),
        ]),
      ),
    );
    const stored = await appealsNow(appeals);
    let closedFirst = 0;
    appeals.forEach((id, i) => {
      const [close, transfer] = answers[i] ?? [];
      const label = `appeal ${id}: ${close?.body} ${transfer?.body}`;
      if (close?.statusCode === 200) {
        closedFirst += 1;
        expect(transfer?.statusCode, label).toBe(409);
        expect(stored.get(id), label).toEqual({ id, status: "closed", operator_id: a });
      } else {
        expect([close?.statusCode, transfer?.statusCode], label).toEqual([404, 200]);
        expect(stored.get(id), label).toEqual({ id, status: "active", operator_id: b });
      }
    });
    const load = await query<{ id: number; active_load: number }>(
      t.testDatabase.url,
      "SELECT id, active_load FROM operators WHERE id = ANY($1) ORDER BY id",
      [[a, b]],
    );
    expect(load.map((row) => row.active_load)).toEqual([0, ROUNDS - closedFirst]);
    expect(await invariantViolations(t.testDatabase.url)).toEqual({ overLoaded: [], stuckPending: [] });
  });
});
