// GET /metrics: exact counters per route pattern and status, appeals by status,
// assignments per source, the pending queue read from the database, pool gauges.
import { describe, expect, it } from "vitest";
import { createAppeal, createOperator, createSource, setWeights, unique } from "../helpers/factories.js";
import { query } from "../helpers/sql.js";
import { startTestApp, useTestApp } from "../helpers/test-app.js";

const statements: string[] = [];
const t = useTestApp({ poolSize: 3, onQuery: (sql) => statements.push(sql) });

/** Parses the text exposition format into "name{labels}" -> value. */
async function scrape(app = t.app): Promise<Map<string, number>> {
  const response = await app.inject({ method: "GET", url: "/metrics" });
  expect(response.statusCode, response.body).toBe(200);
  expect(response.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
  const samples = new Map<string, number>();
  for (const line of response.body.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const split = line.lastIndexOf(" ");
    samples.set(line.slice(0, split), Number(line.slice(split + 1)));
  }
  return samples;
}

const requests = (method: string, route: string, status: number) =>
  `http_requests_total{method="${method}",route="${route}",status="${status}"}`;

describe("GET /metrics", () => {
  it("counts requests per route pattern and status, appeals by status and assignments per source", async () => {
    const operator = await createOperator(t.app, { max_load: 1 });
    const weighted = await createSource(t.app);
    const unweighted = await createSource(t.app);
    await setWeights(t.app, weighted.id, [{ operator_id: operator.id, weight: 1 }]);
    const first = await createAppeal(t.app, { source_id: weighted.id }); // active: the operator's only slot
    const second = await createAppeal(t.app, { source_id: weighted.id }); // pending: the operator is full
    await createAppeal(t.app, { source_id: unweighted.id }); // pending: nobody has a weight
    expect([first.status, second.status]).toEqual(["active", "pending"]);
    // Closing the first frees the slot: the second is assigned from the queue.
    const closed = await t.app.inject({ method: "PATCH", url: `/appeals/${first.appeal_id}/close` });
    expect(closed.statusCode).toBe(200);
    // An idempotent replay is not a new appeal (it answers like the first request, marked by a header).
    const replayed = { source_id: unweighted.id, lead_external_id: unique("lead") };
    const headers = { "idempotency-key": unique("key") };
    const original = await t.app.inject({ method: "POST", url: "/appeals", headers, payload: replayed });
    const replay = await t.app.inject({ method: "POST", url: "/appeals", headers, payload: replayed });
    expect(original.statusCode).toBe(201);
    expect(replay.headers["idempotency-replayed"]).toBe("true");
    await t.app.inject({ method: "GET", url: "/appeals/987654" });
    await t.app.inject({ method: "GET", url: "/appeals/987655/" });
    await t.app.inject({ method: "GET", url: "/no/such/route/1" });
    await t.app.inject({ method: "GET", url: "/no/such/route/2" });

    const metrics = await scrape();
    // Four new appeals, and the replay under its own status.
    if (replay.statusCode === 201) expect(metrics.get(requests("POST", "/appeals", 201))).toBe(5);
    else {
      expect(metrics.get(requests("POST", "/appeals", 201))).toBe(4);
      expect(metrics.get(requests("POST", "/appeals", replay.statusCode))).toBe(1);
    }
    const posted201 = metrics.get(requests("POST", "/appeals", 201));
    expect(metrics.get(requests("POST", "/operators", 201))).toBe(1);
    expect(metrics.get(requests("POST", "/sources", 201))).toBe(2);
    expect(metrics.get(requests("POST", "/sources/:id/weights", 200))).toBe(1);
    expect(metrics.get(requests("PATCH", "/appeals/:id/close", 200))).toBe(1);
    // The pattern, never the raw URL: both ids (one with a trailing slash) land on one series.
    expect(metrics.get(requests("GET", "/appeals/:id", 404))).toBe(2);
    expect(metrics.get(requests("GET", "unmatched", 404))).toBe(2);
    expect([...metrics.keys()].some((key) => key.includes("987654") || key.includes("/no/such"))).toBe(false);
    expect(
      metrics.get(`http_request_duration_seconds_count{method="POST",route="/appeals",status="201"}`),
    ).toBe(posted201);
    expect(
      metrics.get(
        `http_request_duration_seconds_bucket{le="+Inf",method="POST",route="/appeals",status="201"}`,
      ),
    ).toBe(posted201);
    expect(
      metrics.get(`http_request_duration_seconds_sum{method="POST",route="/appeals",status="201"}`),
    ).toBeGreaterThan(0);

    expect(metrics.get(`appeals_created_total{status="active"}`)).toBe(1);
    expect(metrics.get(`appeals_created_total{status="pending"}`)).toBe(3);
    // At intake (the first) and from the queue (the second).
    expect(metrics.get(`appeal_assignments_total{source_id="${weighted.id}"}`)).toBe(2);
    expect(metrics.get(`appeal_assignments_total{source_id="${unweighted.id}"}`)).toBeUndefined();

    const [row] = await query<{ pending: number }>(
      t.testDatabase.url,
      "SELECT count(*)::int AS pending FROM appeals WHERE status = 'pending'",
    );
    expect(row?.pending).toBe(2);
    expect(metrics.get("appeals_pending")).toBe(2);

    expect(metrics.get("db_pool_max_connections")).toBe(3);
    expect(metrics.get(`db_pool_connections{state="in_use"}`)).toBeGreaterThanOrEqual(0);
    const idle = metrics.get(`db_pool_connections{state="idle"}`) ?? -1;
    expect(idle).toBeGreaterThanOrEqual(0);
    expect(idle).toBeLessThanOrEqual(3);
    expect(metrics.get("db_pool_waiting_requests")).toBe(0);
  });

  it("the pending gauge follows the database, counted with one statement per scrape and none per request", async () => {
    const source = await createSource(t.app);
    const before = (await scrape()).get("appeals_pending") ?? Number.NaN;
    await createAppeal(t.app, { source_id: source.id });
    await createAppeal(t.app, { source_id: source.id });
    expect((await scrape()).get("appeals_pending")).toBe(before + 2);

    statements.length = 0;
    await scrape();
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(/count\(\*\).*FROM appeals WHERE status = 'pending'/s);

    // Counting requests costs no SQL: GET /health sends none with metrics on.
    statements.length = 0;
    for (let i = 0; i < 5; i++) await t.app.inject({ method: "GET", url: "/health" });
    expect(statements).toEqual([]);
  });

  it("keeps a registry per app: another app on the same database starts from zero", async () => {
    const other = await startTestApp(t.testDatabase.url, { poolSize: 1 });
    try {
      const metrics = await scrape(other.app);
      expect(metrics.get(requests("POST", "/appeals", 201))).toBeUndefined();
      expect(metrics.get(`appeals_created_total{status="active"}`)).toBeUndefined();
      // The gauge reads the shared database, so it agrees with the first app's.
      expect(metrics.get("appeals_pending")).toBe((await scrape()).get("appeals_pending"));
    } finally {
      await other.close();
    }
  });

  it("is open to the admin and viewer roles only", async () => {
    const seen: unknown[] = [];
    const other = await startTestApp(t.testDatabase.url, {
      poolSize: 1,
      configure: (app) => {
        app.addHook("onRequest", async (request) => {
          seen.push(request.routeOptions.config.access);
        });
      },
    });
    try {
      await other.app.inject({ method: "GET", url: "/metrics" });
      expect(seen).toEqual([["admin", "viewer"]]);
    } finally {
      await other.close();
    }
  });
});
