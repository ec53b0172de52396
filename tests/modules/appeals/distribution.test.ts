// The assignment SQL and the pure selector are twins: for the same candidates
// and the same draw they must pick the same operator. This drives the real
// intake statement with scripted draws and checks each pick against
// selectOperator() over the candidates read just before.
import { describe, expect, it } from "vitest";
import { type Candidate, type Strategy, selectOperator } from "../../../src/modules/appeals/selector.js";
import { createAppeal, createOperator, createSource, setWeights } from "../../helpers/factories.js";
import { scriptedRandom, seededRandom } from "../../helpers/random.js";
import { useTestApp } from "../../helpers/test-app.js";

const draws = scriptedRandom();
const t = useTestApp({ random: draws.random });

type SourceOperators = {
  operators: { id: number; weight: number; is_available: boolean; current_load: number; max_load: number }[];
};

async function candidates(sourceId: number): Promise<Candidate[]> {
  const response = await t.app.inject({ method: "GET", url: `/stats/sources/${sourceId}/operators` });
  const body: SourceOperators = response.json();
  return body.operators
    .filter((o) => o.is_available)
    .map((o) => ({ id: o.id, weight: o.weight, maxLoad: o.max_load, currentLoad: o.current_load }));
}

describe.each<Strategy>(["weighted", "weighted_by_free_capacity"])("the intake SQL under %s", (strategy) => {
  it("picks exactly the operator selectOperator() picks, appeal after appeal", async () => {
    const random = seededRandom(strategy === "weighted" ? 7 : 11);
    const operators = [];
    for (const [weight, maxLoad] of [
      [1, 30],
      [7, 12],
      [30, 25],
      [13, 40],
      [100, 6],
    ] as const) {
      operators.push({ operator: await createOperator(t.app, { max_load: maxLoad }), weight });
    }
    const source = await createSource(t.app, { strategy });
    await setWeights(
      t.app,
      source.id,
      operators.map(({ operator, weight }) => ({ operator_id: operator.id, weight })),
    );
    const picks = new Set<number>();
    // 113 appeals = the total capacity: loads change the candidates and, under
    // weighted_by_free_capacity, every share, on the way to all operators full.
    for (let i = 0; i < 113; i++) {
      const before = await candidates(source.id);
      const u = random();
      const expected = selectOperator(before, strategy, u);
      draws.queue(u);
      const appeal = await createAppeal(t.app, { source_id: source.id });
      expect(appeal.operator?.id, `appeal ${i} with draw ${u}`).toBe(expected?.id);
      if (expected) picks.add(expected.id);
    }
    expect(picks.size).toBe(5);
    expect(await candidates(source.id)).toEqual([]);
    expect((await createAppeal(t.app, { source_id: source.id })).status).toBe("pending");
  });
});
