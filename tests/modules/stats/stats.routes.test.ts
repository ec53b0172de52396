import type { FastifyInstance } from "fastify";
import { describe, expect, it } from "vitest";
import {
  type AppealCreatedBody,
  createAppeal,
  createOperator,
  createSource,
  setWeights,
} from "../../helpers/factories.js";
import { useTestApp } from "../../helpers/test-app.js";

async function get(app: FastifyInstance, url: string): Promise<unknown> {
  const response = await app.inject({ method: "GET", url });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

async function close(app: FastifyInstance, appealId: number): Promise<void> {
  const response = await app.inject({ method: "PATCH", url: `/appeals/${appealId}/close` });
  expect(response.statusCode, response.body).toBe(200);
}

async function patchOperator(app: FastifyInstance, id: number, body: object): Promise<void> {
  const response = await app.inject({ method: "PATCH", url: `/operators/${id}`, payload: body });
  expect(response.statusCode, response.body).toBe(200);
}

const operatorShare = (
  operator: { id: number; name: string },
  weight: number,
  appeals: number,
  active: number,
  share: number,
  weightShare: number,
) => ({
  operator_id: operator.id,
  operator_name: operator.name,
  weight,
  appeals_count: appeals,
  active_appeals: active,
  share,
  weight_share: weightShare,
});

describe("statistics", () => {
  // A draw of 0 always picks the candidate with the lowest id: assignment is deterministic.
  const t = useTestApp({ random: () => 0 });

  it("reports the distribution per source and the operators' availability exactly", async () => {
    await t.testDatabase.reset();
    const alice = await createOperator(t.app, { name: "Alice", max_load: 2 });
    const bob = await createOperator(t.app, { name: "Bob", max_load: 4 });
    const carol = await createOperator(t.app, { name: "Carol", max_load: 1 });
    const dave = await createOperator(t.app, { name: "Dave", max_load: 5, is_active: false });
    const telegram = await createSource(t.app, { name: "Telegram bot" });
    const whatsapp = await createSource(t.app, { name: "WhatsApp" });
    const website = await createSource(t.app, { name: "Website form" });
    await setWeights(t.app, telegram.id, [
      { operator_id: alice.id, weight: 10 },
      { operator_id: bob.id, weight: 30 },
      { operator_id: dave.id, weight: 20 },
    ]);
    await setWeights(t.app, whatsapp.id, [
      { operator_id: bob.id, weight: 5 },
      { operator_id: carol.id, weight: 15 },
    ]);
    await setWeights(t.app, website.id, [
      { operator_id: alice.id, weight: 1 },
      { operator_id: carol.id, weight: 3 },
    ]);

    const appeal = (source: { id: number }) => createAppeal(t.app, { source_id: source.id });
    const tg: AppealCreatedBody[] = [];
    for (let i = 0; i < 5; i++) tg.push(await appeal(telegram));
    // Alice (lowest id) until full at 2, then Bob.
    expect(tg.map((a) => a.operator?.id)).toEqual([alice.id, alice.id, bob.id, bob.id, bob.id]);
    const wa: AppealCreatedBody[] = [];
    for (let i = 0; i < 4; i++) wa.push(await appeal(whatsapp));
    // Bob takes his 4th, Carol her only slot, then nobody is left.
    expect(wa.map((a) => a.operator?.id ?? null)).toEqual([bob.id, carol.id, null, null]);

    await close(t.app, (tg[0] as AppealCreatedBody).appeal_id); // Alice: one closed, one active
    await close(t.app, (wa[2] as AppealCreatedBody).appeal_id); // closed while pending: never assigned
    // Alice loses her Telegram weight after she got two of its appeals.
    await setWeights(t.app, telegram.id, [
      { operator_id: bob.id, weight: 30 },
      { operator_id: dave.id, weight: 20 },
    ]);
    const waiting = await appeal(telegram); // Bob is full, Dave inactive, Alice has no weight
    expect(waiting).toMatchObject({ status: "pending", operator: null });

    expect(await get(t.app, "/stats/distribution")).toEqual([
      {
        source_id: telegram.id,
        source_name: "Telegram bot",
        total_appeals: 6,
        pending_appeals: 1,
        operators: [
          operatorShare(alice, 0, 2, 1, 2 / 5, 0),
          operatorShare(bob, 30, 3, 3, 3 / 5, 30 / 50),
          operatorShare(dave, 20, 0, 0, 0, 20 / 50),
        ],
      },
      {
        source_id: whatsapp.id,
        source_name: "WhatsApp",
        total_appeals: 4,
        pending_appeals: 1,
        operators: [
          operatorShare(bob, 5, 1, 1, 1 / 2, 5 / 20),
          operatorShare(carol, 15, 1, 1, 1 / 2, 15 / 20),
        ],
      },
      {
        source_id: website.id,
        source_name: "Website form",
        total_appeals: 0,
        pending_appeals: 0,
        operators: [operatorShare(alice, 1, 0, 0, 0, 1 / 4), operatorShare(carol, 3, 0, 0, 0, 3 / 4)],
      },
    ]);

    const available = (
      operator: { id: number; name: string },
      weight: number,
      isActive: boolean,
      load: number,
      maxLoad: number,
      isAvailable: boolean,
    ) => ({
      id: operator.id,
      name: operator.name,
      weight,
      is_active: isActive,
      current_load: load,
      max_load: maxLoad,
      is_available: isAvailable,
    });
    expect(await get(t.app, `/stats/sources/${telegram.id}/operators`)).toEqual({
      source_id: telegram.id,
      operators: [available(bob, 30, true, 4, 4, false), available(dave, 20, false, 0, 5, false)],
    });
    expect(await get(t.app, `/stats/sources/${whatsapp.id}/operators`)).toEqual({
      source_id: whatsapp.id,
      operators: [available(bob, 5, true, 4, 4, false), available(carol, 15, true, 1, 1, false)],
    });
    expect(await get(t.app, `/stats/sources/${website.id}/operators`)).toEqual({
      source_id: website.id,
      operators: [available(alice, 1, true, 1, 2, true), available(carol, 3, true, 1, 1, false)],
    });

    // Activating Dave assigns the waiting Telegram appeal to him at once.
    await patchOperator(t.app, dave.id, { is_active: true });
    const [telegramNow] = (await get(t.app, "/stats/distribution")) as unknown[];
    expect(telegramNow).toEqual({
      source_id: telegram.id,
      source_name: "Telegram bot",
      total_appeals: 6,
      pending_appeals: 0,
      operators: [
        operatorShare(alice, 0, 2, 1, 2 / 6, 0),
        operatorShare(bob, 30, 3, 3, 3 / 6, 30 / 50),
        operatorShare(dave, 20, 1, 1, 1 / 6, 20 / 50),
      ],
    });
    expect(await get(t.app, `/stats/sources/${telegram.id}/operators`)).toEqual({
      source_id: telegram.id,
      operators: [available(bob, 30, true, 4, 4, false), available(dave, 20, true, 1, 5, true)],
    });

    // Lowering a limit below the load keeps the appeals; the operator is just not available.
    await patchOperator(t.app, dave.id, { max_load: 1 });
    await patchOperator(t.app, alice.id, { is_active: false });
    expect(await get(t.app, `/stats/sources/${website.id}/operators`)).toEqual({
      source_id: website.id,
      operators: [available(alice, 1, false, 1, 2, false), available(carol, 3, true, 1, 1, false)],
    });
    expect(await get(t.app, `/stats/sources/${telegram.id}/operators`)).toMatchObject({
      operators: [{ id: bob.id }, { id: dave.id, current_load: 1, max_load: 1, is_available: false }],
    });
  });

  it("lists sources without weights or appeals, and answers an empty database with []", async () => {
    await t.testDatabase.reset();
    expect(await get(t.app, "/stats/distribution")).toEqual([]);
    const empty = await createSource(t.app, { name: "CRM import" });
    expect(await get(t.app, "/stats/distribution")).toEqual([
      { source_id: empty.id, source_name: "CRM import", total_appeals: 0, pending_appeals: 0, operators: [] },
    ]);
    expect(await get(t.app, `/stats/sources/${empty.id}/operators`)).toEqual({
      source_id: empty.id,
      operators: [],
    });
    // Appeals that only ever waited: counted in the totals, no operator rows, no division by zero.
    await createAppeal(t.app, { source_id: empty.id });
    await createAppeal(t.app, { source_id: empty.id });
    expect(await get(t.app, "/stats/distribution")).toEqual([
      { source_id: empty.id, source_name: "CRM import", total_appeals: 2, pending_appeals: 2, operators: [] },
    ]);
  });

  it("answers an unknown source with 404 and a malformed id with 400, as problem+json", async () => {
    const missing = await t.app.inject({ method: "GET", url: "/stats/sources/987654/operators" });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers["content-type"]).toBe("application/problem+json; charset=utf-8");
    expect(missing.json()).toEqual({
      type: "about:blank",
      title: "Not found",
      status: 404,
      code: "not_found",
      detail: "Source 987654 does not exist.",
      instance: "/stats/sources/987654/operators",
      request_id: expect.any(String),
    });
    for (const id of ["x", "0", "-1", "1.5", "99999999999"]) {
      const url = `/stats/sources/${id}/operators`;
      const response = await t.app.inject({ method: "GET", url });
      expect(response.statusCode, url).toBe(400);
      expect(response.headers["content-type"]).toBe("application/problem+json; charset=utf-8");
      expect(response.json()).toEqual({
        type: "about:blank",
        title: "Request validation failed",
        status: 400,
        code: "validation_failed",
        detail: expect.stringContaining("id"),
        errors: [{ path: "id", message: expect.any(String) }],
        instance: url,
        request_id: expect.any(String),
      });
    }
  });
});
