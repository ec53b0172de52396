// Searches run on the heavy reads' pool (the bulkhead), never on the requests' pool the intake
// needs: with every connection of the requests' pool held, searches still answer; and however
// many searches run at once, the requests' pool lends them none.
import type pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { createOperator, createSource, setWeights } from "../../helpers/factories.js";
import { useTestApp } from "../../helpers/test-app.js";
import { onRealServer } from "../../helpers/test-database.js";

const POOL_SIZE = 3;
const t = useTestApp({ poolSize: POOL_SIZE });
let held: pg.PoolClient[] = [];

afterEach(() => {
  for (const client of held) client.release();
  held = [];
});

describe.skipIf(!onRealServer)("the heavy reads' bulkhead", () => {
  it("answers searches while every connection of the requests' pool is taken", async () => {
    const source = (await createSource(t.app)).id;
    const operator = await createOperator(t.app, { max_load: 100 });
    await setWeights(t.app, source, [{ operator_id: operator.id, weight: 1 }]);
    const posted = await t.app.inject({
      method: "POST",
      url: "/appeals",
      payload: { source_id: source, lead_external_id: "bulkhead-1", lead_name: "Иван Бульков" },
    });
    expect(posted.statusCode, posted.body).toBe(201);

    for (let i = 0; i < POOL_SIZE; i++) held.push(await t.database.pool.connect());
    expect(t.database.pool.idleCount).toBe(0);
    const searches = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        t.app.inject({
          method: "GET",
          url: `/leads?search=${encodeURIComponent(i % 2 ? "бульков" : "nobody")}`,
        }),
      ),
    );
    expect(searches.map((response) => response.statusCode)).toEqual(Array(10).fill(200));
    expect(searches[1]?.json()).toMatchObject({ items: [{ external_id: "bulkhead-1" }] });
    expect(searches[0]?.json()).toEqual({ items: [], next_cursor: null });
    // Nothing waited for (or took) a connection of the requests' pool meanwhile.
    expect(t.database.pool.waitingCount).toBe(0);
    expect(t.database.pool.totalCount).toBe(POOL_SIZE);
  });
});
