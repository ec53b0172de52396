// Random interleavings of intakes, closes and capacity changes (raised limits,
// operators switched on and off) on two instances,
// with drains that fail at random (as a crash or a statement timeout between a
// committed change and its drain would leave things), then one sweep: no operator
// is over its limit, no appeal waits beside free capacity, and every counter
// equals the appeals. Reproduce a failure with FC_SEED=<seed>; FC_RUNS sets the runs.
import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SqlClient } from "../../src/db/sql.js";
import { createOperator, createSource, setWeights, unique } from "../helpers/factories.js";
import { invariantViolations, query } from "../helpers/sql.js";
import { type RunningApp, startTestApp } from "../helpers/test-app.js";
import { createTestDatabase, onRealServer, type TestDatabase } from "../helpers/test-database.js";

const SEED = Number(process.env.FC_SEED ?? 20_261_201);
const NUM_RUNS = Number(process.env.FC_RUNS ?? 12);

/** Drain steps fail while this is on, each with this probability (drawn from the run's own stream). */
const faults = { on: false, chance: 0.3, draw: Math.random, injected: 0 };

function failingDrains(sql: SqlClient): SqlClient {
  return {
    rows(name, statement) {
      if (faults.on && name === "appeal_drain_step" && faults.draw() < faults.chance) {
        faults.injected++;
        return Promise.reject(new Error("injected drain failure"));
      }
      return sql.rows(name, statement);
    },
  };
}

type Op =
  | { kind: "intake"; source: number }
  | { kind: "close"; pick: number }
  /** Raises only: after an admin lowers a limit the operator may hold more than it, by design. */
  | { kind: "raise"; operator: number; by: number }
  | { kind: "active"; operator: number; isActive: boolean };

const OPERATORS = 4;
const SOURCES = 3;

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("intake" as const), source: fc.nat(SOURCES - 1) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("close" as const), pick: fc.nat(1000) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("raise" as const),
      operator: fc.nat(OPERATORS - 1),
      by: fc.integer({ min: 0, max: 2 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("active" as const),
      operator: fc.nat(OPERATORS - 1),
      isActive: fc.boolean(),
    }),
  },
);

describe.skipIf(!onRealServer)("interleaved intakes, closes, capacity changes and failing drains", () => {
  let database: TestDatabase;
  let apps: RunningApp[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
    apps = [
      await startTestApp(database.url, { poolSize: 6, wrapSql: failingDrains }),
      await startTestApp(database.url, { poolSize: 6, wrapSql: failingDrains }),
    ];
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await database?.drop();
  });

  async function setUp(app: FastifyInstance) {
    await database.reset();
    const operators: number[] = [];
    for (let i = 0; i < OPERATORS; i++)
      operators.push((await createOperator(app, { max_load: 1 + (i % 3) })).id);
    const sources: number[] = [];
    for (let i = 0; i < SOURCES; i++) sources.push((await createSource(app)).id);
    // Overlapping sets, so OLDEST FIRST across sources is exercised: s0 {o0,o1}, s1 {o1,o2}, s2 {o2,o3,o0}.
    await setWeights(
      app,
      sources[0] as number,
      [0, 1].map((i) => ({ operator_id: operators[i] as number, weight: 1 + i })),
    );
    await setWeights(
      app,
      sources[1] as number,
      [1, 2].map((i) => ({ operator_id: operators[i] as number, weight: 2 })),
    );
    await setWeights(
      app,
      sources[2] as number,
      [2, 3, 0].map((i) => ({ operator_id: operators[i] as number, weight: 1 + i })),
    );
    return { operators, sources };
  }

  async function run(app: FastifyInstance, op: Op, ids: { operators: number[]; sources: number[] }) {
    switch (op.kind) {
      case "intake":
        return app.inject({
          method: "POST",
          url: "/appeals",
          payload: { source_id: ids.sources[op.source], lead_external_id: unique("lead") },
        });
      case "close": {
        const active = await query<{ id: number }>(
          database.url,
          "SELECT id FROM appeals WHERE status = 'active' ORDER BY id",
        );
        const target = active[op.pick % Math.max(active.length, 1)];
        if (!target) return undefined;
        return app.inject({ method: "PATCH", url: `/appeals/${target.id}/close` });
      }
      case "raise": {
        const id = ids.operators[op.operator] as number;
        const [row] = await query<{ max_load: number }>(
          database.url,
          "SELECT max_load FROM operators WHERE id = $1",
          [id],
        );
        return app.inject({
          method: "PATCH",
          url: `/operators/${id}`,
          payload: { max_load: (row?.max_load ?? 0) + op.by },
        });
      }
      case "active":
        return app.inject({
          method: "PATCH",
          url: `/operators/${ids.operators[op.operator]}`,
          payload: { is_active: op.isActive },
        });
    }
  }

  it("end, after one sweep, with every invariant holding", { timeout: 240_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(opArbitrary, { minLength: 1, maxLength: 8 }), { minLength: 3, maxLength: 8 }),
        fc.integer(),
        async (batches, faultSeed) => {
          const [first, second] = apps as [RunningApp, RunningApp];
          const ids = await setUp(first.app);
          let state = faultSeed >>> 0;
          faults.draw = () => {
            state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
            return state / 4_294_967_296;
          };
          faults.injected = 0;
          faults.on = true;
          let serverErrors = 0;
          try {
            for (const batch of batches) {
              // Each batch runs concurrently, spread over the two instances.
              const answers = await Promise.all(
                batch.map((op, i) => run((i % 2 === 0 ? first : second).app, op, ids)),
              );
              for (const answer of answers) {
                if (!answer) continue;
                expect([200, 201, 500], answer.body).toContain(answer.statusCode);
                if (answer.statusCode === 500) serverErrors++;
              }
            }
          } finally {
            faults.on = false;
          }
          // Only the injected failures may fail a request (a close or PATCH whose change committed).
          expect(serverErrors).toBeLessThanOrEqual(faults.injected);
          await second.deps.sweeper.runOnce();
          expect(await invariantViolations(database.url)).toEqual({ overLoaded: [], stuckPending: [] });
          expect(await first.deps.loadReconcile.findDrift()).toEqual({ activeLoad: [], appealCounts: [] });
        },
      ),
      { seed: SEED, numRuns: NUM_RUNS, endOnFailure: true },
    );
  });
});
