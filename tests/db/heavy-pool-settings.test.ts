// The heavy reads' sessions run with JIT off on a real server (src/db/prisma.ts): an export's
// statement is costed far above jit_above_cost and compiling it delayed its first rows by ~1 s
// at 1M leads. The requests' pool keeps the server's setting.
import { describe, expect, it } from "vitest";
import { HEAVY_READS_SETTINGS } from "../../src/db/prisma.js";
import { query } from "../helpers/sql.js";
import { useTestApp } from "../helpers/test-app.js";
import { onRealServer } from "../helpers/test-database.js";

const t = useTestApp();

const jitOf = async (pool: typeof t.database.pool) =>
  (await pool.query<{ jit: string }>("SELECT current_setting('jit') AS jit")).rows[0]?.jit;

describe.skipIf(!onRealServer)("the heavy reads' sessions", () => {
  it("have JIT off; the requests' sessions the server's default", async () => {
    expect(HEAVY_READS_SETTINGS).toEqual({ jit: "off" });
    expect(await jitOf(t.database.heavyPool)).toBe("off");
    // A plain connection of its own: the server's configured value.
    const [plain] = await query<{ jit: string }>(t.testDatabase.url, "SHOW jit");
    expect(await jitOf(t.database.pool)).toBe(plain?.jit);
  });

  it("keep it on every connection of the pool, and serve a lead search", async () => {
    const clients = await Promise.all([t.database.heavyPool.connect(), t.database.heavyPool.connect()]);
    try {
      const settings = await Promise.all(
        clients.map(async (client) => (await client.query<{ jit: string }>("SHOW jit")).rows[0]?.jit),
      );
      expect(settings).toEqual(["off", "off"]);
    } finally {
      for (const client of clients) client.release();
    }
    const search = await t.app.inject({ method: "GET", url: "/leads?search=nobody" });
    expect(search.json()).toEqual({ items: [], next_cursor: null });
  });
});
