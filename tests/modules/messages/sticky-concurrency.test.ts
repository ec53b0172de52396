// The sticky conversation's concurrency claims (API.md "Conversations"; ONE OPEN CONVERSATION in
// src/modules/messages/sticky.repository.ts), proven with concurrent requests spread over two app
// instances (two pools) on one real PostgreSQL database, as two service instances would be.
// PGlite runs one query at a time, so there they prove nothing.
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOperator, createSource, setWeights, unique } from "../../helpers/factories.js";
import { invariantViolations, query } from "../../helpers/sql.js";
import { type RunningApp, startTestApp, useTestApp } from "../../helpers/test-app.js";
import { onRealServer } from "../../helpers/test-database.js";

type Message = {
  id: number;
  appeal_id: number;
  text: string;
  external_id: string | null;
  created_at: string;
};
type Posted = {
  appeal: { id: number; lead_id: number; status: string };
  message: Message;
  appeal_created: boolean;
};

describe.skipIf(!onRealServer)("sticky conversations under concurrent requests on two instances", () => {
  const t = useTestApp({ poolSize: 10 });
  let second: RunningApp;
  let instances: FastifyInstance[];
  beforeAll(async () => {
    second = await startTestApp(t.testDatabase.url, { poolSize: 10 });
    instances = [t.app, second.app];
  });
  afterAll(async () => {
    await second?.close();
  });

  const post = (i: number, lead: string, payload: object) =>
    (instances[i % 2] as FastifyInstance).inject({
      method: "POST",
      url: `/leads/by-external-id/${encodeURIComponent(lead)}/messages`,
      payload,
    });
  const answer = (response: LightMyRequestResponse) => response.json() as Posted;

  async function staffedSource(maxLoad = 100): Promise<{ sourceId: number; operatorId: number }> {
    const operator = await createOperator(t.app, { max_load: maxLoad });
    const source = await createSource(t.app);
    await setWeights(t.app, source.id, [{ operator_id: operator.id, weight: 1 }]);
    return { sourceId: source.id, operatorId: operator.id };
  }

  /** Every stored message of the lead's appeals through the source, by id. */
  async function storedMessages(lead: string, sourceId: number) {
    return query<{
      id: number;
      appeal_id: number;
      text: string;
      external_id: string | null;
      created_at: Date;
    }>(
      t.testDatabase.url,
      `SELECT m.id, m.appeal_id, m.text, m.external_id, m.created_at FROM messages m
       JOIN appeals a ON a.id = m.appeal_id JOIN leads l ON l.id = a.lead_id
       WHERE l.external_id = $1 AND a.source_id = $2 ORDER BY m.id`,
      [lead, sourceId],
    );
  }

  async function leadsAndAppeals(lead: string) {
    const [row] = await query<{ leads: number; appeals: number }>(
      t.testDatabase.url,
      `SELECT (SELECT count(*)::int FROM leads WHERE external_id = $1) AS leads,
              (SELECT count(*)::int FROM appeals a JOIN leads l ON l.id = a.lead_id WHERE l.external_id = $1) AS appeals`,
      [lead],
    );
    return row;
  }

  it("24 concurrent first messages of a new lead make one lead and one appeal, every message once, in id order", async () => {
    const { sourceId, operatorId } = await staffedSource();
    const lead = unique("tg_user");
    const texts = Array.from({ length: 24 }, (_, i) => `message ${i}`);
    const responses = await Promise.all(
      texts.map((text, i) => post(i, lead, { source_id: sourceId, text, lead_name: `name ${i}` })),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(24).fill(201));
    const answers = responses.map(answer);
    expect(answers.filter((a) => a.appeal_created)).toHaveLength(1);
    expect(await leadsAndAppeals(lead)).toEqual({ leads: 1, appeals: 1 });
    const appealId = answers[0]?.appeal.id;
    expect(new Set(answers.map((a) => a.appeal.id))).toEqual(new Set([appealId]));
    expect(new Set(answers.map((a) => a.appeal.lead_id)).size).toBe(1);

    // Each message stored once, as answered; the one that opened the appeal is message 1; the
    // times follow the ids (each message written after the one before it committed).
    const stored = await storedMessages(lead, sourceId);
    expect(stored.map((m) => m.text).sort()).toEqual([...texts].sort());
    expect(new Set(stored.map((m) => m.id))).toEqual(new Set(answers.map((a) => a.message.id)));
    expect(stored[0]?.id).toBe(answers.find((a) => a.appeal_created)?.message.id);
    const times = stored.map((m) => m.created_at.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const page = (
      await t.app.inject({ method: "GET", url: `/appeals/${appealId}/messages?limit=500` })
    ).json() as {
      items: Message[];
    };
    expect(page.items.map((m) => m.id)).toEqual(stored.map((m) => m.id));
    // One intake: one appeal counted against the operator, the lead's events once.
    const events = await query<{ type: string; n: number }>(
      t.testDatabase.url,
      `SELECT type, count(*)::int AS n FROM events
       WHERE appeal_id = $1 OR (entity_type = 'lead' AND entity_id = $2 AND type = 'lead.created')
       GROUP BY type ORDER BY type`,
      [appealId, answers[0]?.appeal.lead_id],
    );
    expect(Object.fromEntries(events.map((e) => [e.type, e.n]))).toEqual({
      "appeal.assigned": 1,
      "appeal.created": 1,
      "lead.created": 1,
      "message.created": 24,
    });
    const [load] = await query<{ active_load: number }>(
      t.testDatabase.url,
      "SELECT active_load FROM operators WHERE id = $1",
      [operatorId],
    );
    expect(load?.active_load).toBe(1);
    expect(await invariantViolations(t.testDatabase.url)).toEqual({ overLoaded: [], stuckPending: [] });
  });

  it("concurrent conversations, each posting one message after another, keep each one's order by id", async () => {
    const { sourceId } = await staffedSource();
    const lead = unique("tg_user");
    const chains = 4;
    const length = 6;
    await Promise.all(
      Array.from({ length: chains }, async (_, chain) => {
        for (let i = 0; i < length; i++) {
          const response = await post(chain + i, lead, { source_id: sourceId, text: `chain ${chain} #${i}` });
          expect(response.statusCode, response.body).toBe(201);
        }
      }),
    );
    expect(await leadsAndAppeals(lead)).toEqual({ leads: 1, appeals: 1 });
    const stored = await storedMessages(lead, sourceId);
    expect(stored).toHaveLength(chains * length);
    for (let chain = 0; chain < chains; chain++) {
      const mine = stored.filter((m) => m.text.startsWith(`chain ${chain} `)).map((m) => m.text);
      expect(mine).toEqual(Array.from({ length }, (_, i) => `chain ${chain} #${i}`));
    }
  });

  it("20 concurrent retries of one new lead's first message store one message: one 201, nineteen 200", async () => {
    const { sourceId } = await staffedSource();
    const lead = unique("tg_user");
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        post(i, lead, { source_id: sourceId, text: "hello", external_id: "tg-update-1" }),
      ),
    );
    expect(responses.map((r) => r.statusCode).sort()).toEqual([...Array(19).fill(200), 201]);
    const answers = responses.map(answer);
    expect(new Set(answers.map((a) => a.message.id)).size).toBe(1);
    expect(answers.map((a) => a.appeal_created).filter(Boolean)).toHaveLength(1);
    expect(await leadsAndAppeals(lead)).toEqual({ leads: 1, appeals: 1 });
    expect((await storedMessages(lead, sourceId)).map((m) => m.external_id)).toEqual(["tg-update-1"]);

    // And on the open appeal, for a later message.
    const again = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        post(i, lead, { source_id: sourceId, text: "are you there?", external_id: "tg-update-2" }),
      ),
    );
    expect(again.map((r) => r.statusCode).sort()).toEqual([...Array(19).fill(200), 201]);
    expect(new Set(again.map((r) => answer(r).message.id)).size).toBe(1);
    expect((await storedMessages(lead, sourceId)).map((m) => m.external_id)).toEqual([
      "tg-update-1",
      "tg-update-2",
    ]);
  });

  it("a close racing messages: none lands on the appeal after its close, the later ones open one new appeal", async () => {
    const { sourceId } = await staffedSource();
    const lead = unique("tg_user");
    const first = answer(await post(0, lead, { source_id: sourceId, text: "start" }));
    const close = (instances[1] as FastifyInstance).inject({
      method: "PATCH",
      url: `/appeals/${first.appeal.id}/close`,
    });
    const messages = Array.from({ length: 20 }, (_, i) =>
      post(i, lead, { source_id: sourceId, text: `m${i}` }),
    );
    const responses = await Promise.all([...messages.slice(0, 10), close, ...messages.slice(10)]);
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, ...Array(20).fill(201)]);

    const [closed] = await query<{ closed_event: number; closed_at: Date }>(
      t.testDatabase.url,
      `SELECT (SELECT id::int FROM events WHERE appeal_id = $1 AND type = 'appeal.closed') AS closed_event,
              (SELECT closed_at FROM appeals WHERE id = $1) AS closed_at`,
      [first.appeal.id],
    );
    const onClosed = await query<{ event: number; created_at: Date }>(
      t.testDatabase.url,
      `SELECT e.id::int AS event, m.created_at FROM messages m
       JOIN events e ON e.entity_type = 'message' AND e.entity_id = m.id AND e.type = 'message.created'
       WHERE m.appeal_id = $1`,
      [first.appeal.id],
    );
    if (!closed) throw new Error(`appeal ${first.appeal.id} is gone`);
    for (const message of onClosed) {
      expect(message.event).toBeLessThan(closed.closed_event);
      expect(message.created_at.getTime()).toBeLessThanOrEqual(closed.closed_at.getTime());
    }
    // Every message stored once; the ones after the close all in one new, open appeal.
    const stored = await storedMessages(lead, sourceId);
    expect(stored).toHaveLength(21);
    const appeals = [...new Set(stored.map((m) => m.appeal_id))];
    expect(appeals.length).toBeLessThanOrEqual(2);
    const later = appeals.filter((id) => id !== first.appeal.id);
    expect(stored.filter((m) => m.appeal_id === first.appeal.id)).toHaveLength(onClosed.length);
    if (later.length === 1) {
      const [state] = await query<{ status: string }>(
        t.testDatabase.url,
        "SELECT status::text FROM appeals WHERE id = $1",
        [later[0]],
      );
      expect(state?.status).toBe("active");
      expect(stored.filter((m) => m.appeal_id === later[0])).toHaveLength(21 - onClosed.length);
    }
    expect(await invariantViolations(t.testDatabase.url)).toEqual({ overLoaded: [], stuckPending: [] });
  });

  it("a message meeting a close in flight waits for it, then opens a new appeal instead of joining the closed one", async () => {
    const { sourceId, operatorId } = await staffedSource();
    const lead = unique("tg_user");
    const first = answer(await post(0, lead, { source_id: sourceId, text: "start" }));
    // A close in flight, as the close statement does it (the appeal locked, closed, the slot freed), held open.
    const closing = new pg.Client({ connectionString: t.testDatabase.url });
    await closing.connect();
    try {
      await closing.query("BEGIN");
      await closing.query("SELECT id FROM appeals WHERE id = $1 FOR UPDATE", [first.appeal.id]);
      await closing.query("UPDATE appeals SET status = 'closed', closed_at = now() WHERE id = $1", [
        first.appeal.id,
      ]);
      await closing.query("UPDATE operators SET active_load = active_load - 1 WHERE id = $1", [operatorId]);
      let answered = false;
      const request = post(1, lead, { source_id: sourceId, text: "during the close" }).finally(() => {
        answered = true;
      });
      // Until the message waits for a lock held by the close (or was answered without waiting).
      for (;;) {
        const [waiting] = await query<{ n: number }>(
          t.testDatabase.url,
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> $1`,
          [(closing as unknown as { processID: number }).processID],
        );
        if (answered || (waiting?.n ?? 0) > 0) break;
      }
      expect(answered, "the message did not wait for the close").toBe(false);
      await closing.query("COMMIT");
      const response = await request;
      expect(response.statusCode, response.body).toBe(201);
      const during = answer(response);
      expect(during.appeal_created).toBe(true);
      expect(during.appeal.id).not.toBe(first.appeal.id);
      const stored = await storedMessages(lead, sourceId);
      expect(stored.map((m) => [m.appeal_id, m.text])).toEqual([
        [first.appeal.id, "start"],
        [during.appeal.id, "during the close"],
      ]);
    } finally {
      await closing.end();
    }
  });
});
