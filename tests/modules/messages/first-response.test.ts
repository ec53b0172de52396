// first_response_at in the Appeal answer and median_first_response_s in GET /stats/operators:
// from the operator's assignment to its first message on the appeal. Times are written into
// the rows, so every figure is exact.
import { beforeAll, describe, expect, it } from "vitest";
import { createAppeal, createOperator, createSource, setWeights } from "../../helpers/factories.js";
import { query } from "../../helpers/sql.js";
import { useTestApp } from "../../helpers/test-app.js";

const t = useTestApp({ random: () => 0 });
const at = (hhmmss: string) => `2026-01-01T${hhmmss}.000Z`;

let anna: { id: number; name: string };
let boris: { id: number; name: string };
const appeals: number[] = [];

async function say(appealId: number, sender: string, when: string): Promise<number> {
  const response = await t.app.inject({
    method: "POST",
    url: `/appeals/${appealId}/messages`,
    payload: { text: `${sender} at ${when}`, sender },
  });
  expect(response.statusCode, response.body).toBe(201);
  const { id } = response.json() as { id: number };
  await query(t.testDatabase.url, "UPDATE messages SET created_at = $2 WHERE id = $1", [id, at(when)]);
  return id;
}

beforeAll(async () => {
  await t.testDatabase.reset();
  anna = await createOperator(t.app, { name: "Anna", max_load: 3 });
  boris = await createOperator(t.app, { name: "Boris", max_load: 10 });
  const s1 = (await createSource(t.app, { name: "S1" })).id;
  const s2 = (await createSource(t.app, { name: "S2" })).id;
  await setWeights(t.app, s1, [{ operator_id: anna.id, weight: 1 }]);
  await setWeights(t.app, s2, [{ operator_id: boris.id, weight: 1 }]);
  // Three appeals for Anna, one for Boris.
  for (const source of [s1, s1, s1, s2])
    appeals.push((await createAppeal(t.app, { source_id: source })).appeal_id);
  for (const [i, assigned] of ["00:00:00", "01:00:00", "02:00:00", "03:00:00"].entries()) {
    await query(t.testDatabase.url, "UPDATE appeals SET created_at = $2, assigned_at = $2 WHERE id = $1", [
      appeals[i],
      at(assigned),
    ]);
  }
  const [a1, a2, a3, b1] = appeals as [number, number, number, number];
  await say(a1, "lead", "00:00:10");
  await say(a1, "operator", "00:00:30"); // 30 s
  await say(a1, "operator", "00:05:00"); // not the first
  await say(a2, "bot", "01:00:05");
  await say(a2, "operator", "01:01:30"); // 90 s
  await say(a3, "lead", "02:00:01"); // no answer yet
  await say(b1, "lead", "03:00:01"); // no answer yet
});

describe("first_response_at", () => {
  it("is the first operator message's time, null while an operator has not written", async () => {
    const firstResponse = async (id: number) =>
      (
        (await t.app.inject({ method: "GET", url: `/appeals/${id}` })).json() as {
          first_response_at: string | null;
        }
      ).first_response_at;
    expect(await firstResponse(appeals[0] as number)).toBe(at("00:00:30"));
    expect(await firstResponse(appeals[1] as number)).toBe(at("01:01:30"));
    expect(await firstResponse(appeals[2] as number)).toBeNull();
    const page = (await t.app.inject({ method: "GET", url: "/appeals" })).json() as {
      items: { id: number; first_response_at: string | null }[];
    };
    expect(page.items.map((item) => [item.id, item.first_response_at])).toEqual([
      [appeals[3], null],
      [appeals[2], null],
      [appeals[1], at("01:01:30")],
      [appeals[0], at("00:00:30")],
    ]);
  });
});

describe("GET /stats/operators", () => {
  it("gives each operator the median seconds from assignment to its first message", async () => {
    const response = await t.app.inject({ method: "GET", url: "/stats/operators" });
    expect(response.statusCode, response.body).toBe(200);
    expect(
      (response.json() as { operator_id: number; median_first_response_s: number | null }[]).map((row) => [
        row.operator_id,
        row.median_first_response_s,
      ]),
    ).toEqual([
      [anna.id, 60],
      [boris.id, null],
    ]);
    const period = await t.app.inject({ method: "GET", url: `/stats/operators?from=${at("01:00:00")}` });
    expect(
      (period.json() as { operator_id: number; median_first_response_s: number | null }[]).map((row) => [
        row.operator_id,
        row.median_first_response_s,
      ]),
    ).toEqual([
      [anna.id, 90],
      [boris.id, null],
    ]);
  });
});
