// from/to periods (half-open [from, to) on created_at) on GET /appeals and /stats/distribution,
// and GET /stats/operators. Times are written into the rows, so every figure is exact.
import { beforeAll, describe, expect, it } from "vitest";
import { createAppeal, createOperator, createSource, setWeights } from "../../helpers/factories.js";
import { query } from "../../helpers/sql.js";
import { useTestApp } from "../../helpers/test-app.js";
import { expectValidationError } from "../../http/problem-assertions.js";

const t = useTestApp({ random: () => 0 });

const get = async (url: string) => {
  const response = await t.app.inject({ method: "GET", url });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
};

const at = (hhmmss: string) => `2026-01-01T${hhmmss}.000Z`;

let a: { id: number; name: string };
let b: { id: number; name: string };
let s1: number;
let s2: number;
let x: number[];

beforeAll(async () => {
  await t.testDatabase.reset();
  a = await createOperator(t.app, { name: "Anna", max_load: 2 });
  b = await createOperator(t.app, { name: "Boris", max_load: 10 });
  s1 = (await createSource(t.app, { name: "S1" })).id;
  s2 = (await createSource(t.app, { name: "S2" })).id;
  await setWeights(t.app, s1, [
    { operator_id: a.id, weight: 3 },
    { operator_id: b.id, weight: 1 },
  ]);
  await setWeights(t.app, s2, [{ operator_id: b.id, weight: 1 }]);
  // Draw 0: the lowest id first. x1, x2 to Anna; x3 to Boris (Anna full); x4 (S2) to Boris.
  x = [];
  for (const source of [s1, s1, s1, s2]) x.push((await createAppeal(t.app, { source_id: source })).appeal_id);
  for (const id of x.slice(0, 3)) await t.app.inject({ method: "PATCH", url: `/appeals/${id}/close` });
  const times: [string, string, string | null][] = [
    ["00:00:00", "00:00:00", "00:01:00"], // 60 s to close
    ["01:00:00", "01:00:00", "01:02:00"], // 120 s
    ["02:00:00", "02:00:30", "02:05:30"], // 300 s
    ["03:00:00", "03:00:00", null],
  ];
  for (const [i, [created, assigned, closed]] of times.entries()) {
    await query(
      t.testDatabase.url,
      "UPDATE appeals SET created_at = $2, assigned_at = $3, closed_at = $4 WHERE id = $1",
      [x[i], at(created), at(assigned), closed && at(closed)],
    );
  }
});

describe("GET /stats/operators", () => {
  const row = (
    operator: { id: number; name: string },
    assigned: number,
    closed: number,
    activeNow: number,
    median: number | null,
  ) => ({
    operator_id: operator.id,
    operator_name: operator.name,
    assigned,
    closed,
    active_now: activeNow,
    median_time_to_close_s: median,
    median_first_response_s: null,
  });

  it("counts every appeal without a period", async () => {
    expect(await get("/stats/operators")).toEqual([row(a, 2, 2, 0, 90), row(b, 2, 1, 1, 300)]);
  });

  it("counts the appeals created in [from, to) only", async () => {
    expect(await get(`/stats/operators?from=${at("01:00:00")}&to=${at("03:00:00")}`)).toEqual([
      row(a, 1, 1, 0, 120),
      row(b, 1, 1, 0, 300),
    ]);
    expect(await get(`/stats/operators?from=${at("03:00:00")}`)).toEqual([
      row(a, 0, 0, 0, null),
      row(b, 1, 0, 1, null),
    ]);
    expect(await get("/stats/operators?to=2026-01-01T00:00:00.001Z")).toEqual([
      row(a, 1, 1, 0, 60),
      row(b, 0, 0, 0, null),
    ]);
    expect(await get(`/stats/operators?from=${at("01:00:00")}&to=${at("01:00:00")}`)).toEqual([
      row(a, 0, 0, 0, null),
      row(b, 0, 0, 0, null),
    ]);
  });
});

describe("GET /appeals with from/to", () => {
  it("lists the appeals created in [from, to), newest first", async () => {
    const page = await get(`/appeals?from=${at("01:00:00")}&to=${at("03:00:00")}`);
    expect(page.items.map((item: { id: number }) => item.id)).toEqual([x[2], x[1]]);
    expect(page.next_cursor).toBeNull();
    const boris = await get(`/appeals?operator_id=${b.id}&from=${at("02:00:00")}`);
    expect(boris.items.map((item: { id: number }) => item.id)).toEqual([x[3], x[2]]);
  });
});

describe("GET /stats/distribution with from/to", () => {
  it("counts the period's appeals; without a period the running counts", async () => {
    const operator = (
      o: { id: number; name: string },
      weight: number,
      weightShare: number,
      count: number,
      active: number,
      share: number,
    ) => ({
      operator_id: o.id,
      operator_name: o.name,
      weight,
      appeals_count: count,
      active_appeals: active,
      share,
      weight_share: weightShare,
    });
    const period = await get(`/stats/distribution?from=${at("01:00:00")}&to=${at("03:00:00")}`);
    expect(period).toEqual([
      {
        source_id: s1,
        source_name: "S1",
        total_appeals: 2,
        pending_appeals: 0,
        operators: [operator(a, 3, 0.75, 1, 0, 0.5), operator(b, 1, 0.25, 1, 0, 0.5)],
      },
      {
        source_id: s2,
        source_name: "S2",
        total_appeals: 0,
        pending_appeals: 0,
        operators: [operator(b, 1, 1, 0, 0, 0)],
      },
    ]);
    const all = await get("/stats/distribution");
    expect(all.map((s: { total_appeals: number }) => s.total_appeals)).toEqual([3, 1]);
    expect(all[1].operators).toEqual([operator(b, 1, 1, 1, 1, 1)]);
  });
});

describe("a period whose from is after its to", () => {
  it.each(["/appeals", "/stats/distribution", "/stats/operators"])(
    "is a 400 naming both fields on %s",
    async (path) => {
      const response = await t.app.inject({
        method: "GET",
        url: `${path}?from=${at("02:00:00")}&to=${at("01:00:00")}`,
      });
      const body = expectValidationError(response, "from", "to");
      expect(body.errors?.[0]?.message).toBe(`from (${at("02:00:00")}) is after to (${at("01:00:00")})`);
      expectValidationError(await t.app.inject({ method: "GET", url: `${path}?from=yesterday` }), "from");
    },
  );
});
