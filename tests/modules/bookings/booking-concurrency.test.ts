// NO DOUBLE BOOKING under concurrency, on the real server: 50 bookings of overlapping slots of one
// resource sent at once through two app instances over one database. The exclusion constraint is
// the only rule, so what succeeds must be a set of pairwise disjoint slots, every refusal a 409
// naming a booking that really holds an overlapping slot, and what is stored must agree.
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom } from "../../helpers/random.js";
import { query } from "../../helpers/sql.js";
import { type RunningApp, startTestApp, useTestApp } from "../../helpers/test-app.js";
import { onRealServer } from "../../helpers/test-database.js";
import { expectProblem } from "../../http/problem-assertions.js";
import { type Booking, createLead, createResource, item } from "./booking-fixtures.js";

type Slot = { start: number; minutes: number };
const MINUTE = 60_000;
const overlap = (a: Slot, b: Slot) =>
  a.start < b.start + b.minutes * MINUTE && b.start < a.start + a.minutes * MINUTE;

describe.skipIf(!onRealServer)("50 concurrent bookings of one resource on two instances", () => {
  const t = useTestApp({ poolSize: 10 });
  let second: RunningApp;
  let instances: FastifyInstance[];
  let leadId: number;
  beforeAll(async () => {
    second = await startTestApp(t.testDatabase.url, { poolSize: 10 });
    await t.deps.jobs.start();
    await second.deps.jobs.start();
    instances = [t.app, second.app];
    leadId = (await createLead(t.app)).id;
  });
  afterAll(async () => {
    await second?.close();
  });

  /** Sends every slot at once, alternating instances, in a shuffled order; answers by slot. */
  async function bookAll(resourceId: number, slots: Slot[], seed: number): Promise<LightMyRequestResponse[]> {
    const random = seededRandom(seed);
    const order = slots.map((_, i) => i).sort(() => random() - 0.5);
    const answers: LightMyRequestResponse[] = [];
    await Promise.all(
      order.map(async (index, n) => {
        const slot = slots[index] as Slot;
        answers[index] = await (instances[n % 2] as FastifyInstance).inject({
          method: "POST",
          url: "/bookings",
          payload: {
            lead_id: leadId,
            items: [item(resourceId, new Date(slot.start).toISOString(), slot.minutes)],
          },
        });
      }),
    );
    return answers;
  }

  /** The resource's items not cancelled that overlap another: none, ever. */
  const storedOverlaps = (resourceId: number) =>
    query(
      t.testDatabase.url,
      `SELECT a.id, b.id FROM booking_items a JOIN booking_items b
         ON a.resource_id = b.resource_id AND a.id < b.id
        AND tstzrange(a.starts_at, a.ends_at, '[)') && tstzrange(b.starts_at, b.ends_at, '[)')
       WHERE a.resource_id = $1 AND a.status <> 'cancelled' AND b.status <> 'cancelled'`,
      [resourceId],
    );

  /**
   * What must hold whatever the order: the 201s are pairwise disjoint and are exactly what is
   * stored; each 409 names one of them, whose slot overlaps its own.
   */
  async function checkOutcome(resourceId: number, slots: Slot[], answers: LightMyRequestResponse[]) {
    const won = new Map<number, Slot>();
    answers.forEach((answer, i) => {
      if (answer.statusCode === 201) won.set((answer.json() as Booking).id, slots[i] as Slot);
    });
    const winners = [...won.values()];
    for (const [i, a] of winners.entries())
      for (const b of winners.slice(i + 1)) expect(overlap(a, b)).toBe(false);
    answers.forEach((answer, i) => {
      if (answer.statusCode === 201) return;
      const problem = expectProblem(answer, 409, "booking_conflict");
      const named = Number(/overlaps booking (\d+)$/.exec(problem.errors?.[0]?.message ?? "")?.[1]);
      expect(problem.errors?.[0]?.path).toBe("items.0");
      expect(won.has(named), `409 names booking ${named}, which won`).toBe(true);
      expect(overlap(won.get(named) as Slot, slots[i] as Slot)).toBe(true);
    });
    const stored = await query<{ booking_id: number; start: Date; end: Date }>(
      t.testDatabase.url,
      "SELECT booking_id, starts_at AS start, ends_at AS end FROM booking_items WHERE resource_id = $1 ORDER BY booking_id",
      [resourceId],
    );
    expect(
      stored.map((row) => [
        row.booking_id,
        row.start.getTime(),
        (row.end.getTime() - row.start.getTime()) / MINUTE,
      ]),
    ).toEqual(
      [...won.entries()].sort(([a], [b]) => a - b).map(([id, slot]) => [id, slot.start, slot.minutes]),
    );
    expect(await storedOverlaps(resourceId)).toEqual([]);
    return won;
  }

  it("cliques of slots that all overlap get one winner each; slots back to back with them all win", async () => {
    const resource = await createResource(t.app);
    const base = Date.parse("2027-02-01T08:00:00Z");
    // 9 cliques, 2 hours apart: five slots each, all covering [w+40, w+45) and all ending at w+60,
    // so any two of a clique overlap; then 5 slots of [w+60, w+120) after the first five cliques,
    // back to back with every slot of theirs, overlapping nothing.
    const clique = [
      [0, 60],
      [10, 50],
      [20, 40],
      [30, 30],
      [40, 20],
    ] as const;
    const slots: Slot[] = [];
    const cliqueOf: number[] = [];
    for (let c = 0; c < 9; c++) {
      for (const [offset, minutes] of clique) {
        slots.push({ start: base + (c * 120 + offset) * MINUTE, minutes });
        cliqueOf.push(c);
      }
    }
    for (let c = 0; c < 5; c++) {
      slots.push({ start: base + (c * 120 + 60) * MINUTE, minutes: 60 });
      cliqueOf.push(-1);
    }
    expect(slots).toHaveLength(50);
    // The expected outcome, from the slots alone: the isolated five each win, every clique has one winner.
    const isolated = slots
      .map((_, i) => i)
      .filter((i) => slots.every((other, j) => j === i || !overlap(slots[i] as Slot, other)));
    expect(isolated).toEqual([45, 46, 47, 48, 49]);

    const answers = await bookAll(resource.id, slots, 20_270_201);
    const won = await checkOutcome(resource.id, slots, answers);
    expect(won.size).toBe(9 + 5);
    for (const i of isolated) expect(answers[i]?.statusCode).toBe(201);
    for (let c = 0; c < 9; c++) {
      const statuses = answers.filter((_, i) => cliqueOf[i] === c).map((answer) => answer.statusCode);
      expect(statuses.sort()).toEqual([201, 409, 409, 409, 409]);
    }
  });

  it("random slots on a quarter-hour grid: the winners are disjoint, and every slot left out overlaps one", async () => {
    const resource = await createResource(t.app);
    const random = seededRandom(4_242);
    const base = Date.parse("2027-02-02T08:00:00Z");
    const slots: Slot[] = Array.from({ length: 50 }, () => ({
      start: base + Math.floor(random() * 32) * 15 * MINUTE,
      minutes: [30, 45, 60, 90][Math.floor(random() * 4)] as number,
    }));
    const answers = await bookAll(resource.id, slots, 99);
    const won = await checkOutcome(resource.id, slots, answers);
    // Maximal: no refused slot would have fitted beside the winners.
    slots.forEach((slot, i) => {
      if (answers[i]?.statusCode === 409) expect([...won.values()].some((w) => overlap(w, slot))).toBe(true);
    });
    expect(won.size).toBeGreaterThan(1);
    expect(won.size).toBeLessThan(50);
  });

  it("the exclusion constraint alone decides: two raw transactions without the resource's lock, the second gets 23P01", async () => {
    const resource = await createResource(t.app);
    const [booking] = await query<{ id: number }>(
      t.testDatabase.url,
      "INSERT INTO bookings (lead_id, created_by, updated_at) VALUES ($1, 'test', now()) RETURNING id",
      [leadId],
    );
    const insert = (client: pg.Client, start: string, end: string) =>
      client.query(
        "INSERT INTO booking_items (booking_id, resource_id, starts_at, ends_at, status) VALUES ($1, $2, $3, $4, 'confirmed')",
        [booking?.id, resource.id, start, end],
      );
    const [a, b] = [
      new pg.Client({ connectionString: t.testDatabase.url }),
      new pg.Client({ connectionString: t.testDatabase.url }),
    ];
    await a.connect();
    await b.connect();
    try {
      await a.query("BEGIN");
      await b.query("BEGIN");
      await insert(a, "2027-02-03T10:00:00Z", "2027-02-03T11:00:00Z");
      // b's overlapping insert waits for a's transaction, then fails once a commits.
      const second = insert(b, "2027-02-03T10:30:00Z", "2027-02-03T11:30:00Z").then(
        () => "inserted",
        (error: { code?: string }) => error.code,
      );
      await a.query("COMMIT");
      expect(await second).toBe("23P01");
      await b.query("ROLLBACK");
      // Back to back is no overlap.
      await insert(b, "2027-02-03T11:00:00Z", "2027-02-03T12:00:00Z");
    } finally {
      await a.end();
      await b.end();
    }
  });
});
