import { describe, expect, it } from "vitest";
import { createAppeal, createOperator, createSource, setWeights } from "../../helpers/factories.js";
import { useTestApp } from "../../helpers/test-app.js";

describe("smoke", () => {
  const t = useTestApp();
  it("assigns an appeal to the only operator", async () => {
    const operator = await createOperator(t.app, { max_load: 1 });
    const source = await createSource(t.app);
    await setWeights(t.app, source.id, [{ operator_id: operator.id, weight: 5 }]);
    const first = await createAppeal(t.app, { source_id: source.id });
    expect(first.operator).toEqual({ id: operator.id, name: operator.name });
    const second = await createAppeal(t.app, { source_id: source.id });
    expect(second.status).toBe("pending");
  });
});
