// POST and GET /appeals/{id}/messages in open mode (an admin's rights), on real PostgreSQL:
// the intake's message 1, order and pages, external_id dedup (also under concurrent retries),
// the closed and pending refusals, bad input, first_response_at.
import { describe, expect, it } from "vitest";
import { createAppeal, createOperator, createSource, setWeights } from "../../helpers/factories.js";
import { query } from "../../helpers/sql.js";
import { useTestApp } from "../../helpers/test-app.js";
import { expectProblem, expectValidationError, ISO_UTC } from "../../http/problem-assertions.js";

const t = useTestApp();

type Message = {
  id: number;
  appeal_id: number;
  sender: string;
  operator_id: number | null;
  text: string;
  is_ai_generated: boolean;
  external_id: string | null;
  attachments: unknown[];
  created_at: string;
};
type Page = { items: Message[]; next_cursor: string | null };

/** An operator with room, its own source, and an active appeal of it. */
async function activeAppeal(message?: string) {
  const operator = await createOperator(t.app, { max_load: 100 });
  const source = await createSource(t.app);
  await setWeights(t.app, source.id, [{ operator_id: operator.id, weight: 1 }]);
  const appeal = await createAppeal(t.app, {
    source_id: source.id,
    ...(message !== undefined && { message }),
  });
  expect(appeal.operator?.id).toBe(operator.id);
  return { operatorId: operator.id, sourceId: source.id, appealId: appeal.appeal_id };
}

/** A pending appeal: its source has no operator. */
async function pendingAppeal() {
  const source = await createSource(t.app);
  const appeal = await createAppeal(t.app, { source_id: source.id });
  expect(appeal.status).toBe("pending");
  return appeal.appeal_id;
}

const post = (appealId: number, payload: object) =>
  t.app.inject({ method: "POST", url: `/appeals/${appealId}/messages`, payload });
const list = async (appealId: number, q = "") => {
  const response = await t.app.inject({ method: "GET", url: `/appeals/${appealId}/messages${q}` });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as Page;
};

/** Rows a refused request must not have added. */
async function written(): Promise<{ messages: number; events: number }> {
  const [row] = await query<{ messages: number; events: number }>(
    t.testDatabase.url,
    "SELECT (SELECT count(*)::int FROM messages) AS messages, (SELECT count(*)::int FROM events) AS events",
  );
  return row as { messages: number; events: number };
}

describe("the intake stores the appeal's message as message 1", () => {
  it("sender lead, in the intake's own statement, with message.created last among its events", async () => {
    const { appealId } = await activeAppeal("Hello! Do you deliver on Sundays?");
    const appeal = (await t.app.inject({ method: "GET", url: `/appeals/${appealId}` })).json() as {
      created_at: string;
      first_response_at: string | null;
    };
    expect(appeal.first_response_at).toBeNull();
    const page = await list(appealId);
    expect(page.next_cursor).toBeNull();
    expect(page.items).toEqual([
      {
        id: expect.any(Number),
        appeal_id: appealId,
        sender: "lead",
        operator_id: null,
        text: "Hello! Do you deliver on Sundays?",
        is_ai_generated: false,
        external_id: null,
        attachments: [],
        created_at: appeal.created_at,
      },
    ]);
    const message = page.items[0] as Message;

    // One transaction (one statement): the appeal, its message and its events share the xmin,
    // and the events' ids follow each other, message.created last.
    const events = await query<{ id: string; type: string; xmin: string; entity_id: number; data: unknown }>(
      t.testDatabase.url,
      "SELECT id::text, type, xmin::text, entity_id, data FROM events WHERE appeal_id = $1 OR (type LIKE 'lead.%' AND details->>'appeal_id' = $1::text) ORDER BY id",
      [appealId],
    );
    expect(events.map((e) => e.type)).toEqual([
      "lead.created",
      "appeal.created",
      "appeal.assigned",
      "message.created",
    ]);
    const ids = events.map((e) => Number(e.id));
    expect(ids).toEqual([ids[0], (ids[0] as number) + 1, (ids[0] as number) + 2, (ids[0] as number) + 3]);
    const [rows] = await query<{ appeal: string; message: string }>(
      t.testDatabase.url,
      "SELECT (SELECT xmin::text FROM appeals WHERE id = $1) AS appeal, (SELECT xmin::text FROM messages WHERE id = $2) AS message",
      [appealId, message.id],
    );
    expect(new Set([rows?.appeal, rows?.message, ...events.map((e) => e.xmin)])).toEqual(
      new Set([rows?.appeal]),
    );
    expect(events[3]?.entity_id).toBe(message.id);
    expect(events[3]?.data).toEqual(message);
  });

  it("stores no message for an appeal without one, or with an empty one", async () => {
    const { sourceId, appealId } = await activeAppeal();
    expect(await list(appealId)).toEqual({ items: [], next_cursor: null });
    const empty = await createAppeal(t.app, { source_id: sourceId, message: "" });
    expect(await list(empty.appeal_id)).toEqual({ items: [], next_cursor: null });
    const types = await query<{ type: string }>(
      t.testDatabase.url,
      "SELECT type FROM events WHERE appeal_id = ANY($1::int[]) ORDER BY id",
      [[appealId, empty.appeal_id]],
    );
    expect(types.map((e) => e.type)).not.toContain("message.created");
  });
});

describe("POST /appeals/{id}/messages", () => {
  it("answers 201 with the message and records message.created with it as data", async () => {
    const { appealId, operatorId, sourceId } = await activeAppeal();
    const response = await post(appealId, {
      text: "We do, from 10 to 18.",
      sender: "bot",
      is_ai_generated: true,
      external_id: "tg_msg_1",
      attachments: [
        { kind: "photo", url: "https://example.com/a.jpg" },
        { kind: "document", telegram_file_id: "BQACAgIAAxkBAAI", name: "price.pdf" },
      ],
    });
    expect(response.statusCode, response.body).toBe(201);
    const message = response.json() as Message;
    expect(message).toEqual({
      id: expect.any(Number),
      appeal_id: appealId,
      sender: "bot",
      operator_id: null,
      text: "We do, from 10 to 18.",
      is_ai_generated: true,
      external_id: "tg_msg_1",
      attachments: [
        { kind: "photo", url: "https://example.com/a.jpg", telegram_file_id: null, name: null },
        { kind: "document", url: null, telegram_file_id: "BQACAgIAAxkBAAI", name: "price.pdf" },
      ],
      created_at: expect.stringMatching(ISO_UTC),
    });
    const events = await query<{
      type: string;
      entity_type: string;
      operator_id: number;
      source_id: number;
      data: unknown;
      actor: string;
    }>(
      t.testDatabase.url,
      "SELECT type, entity_type, operator_id, source_id, data, actor FROM events WHERE entity_type = 'message' AND entity_id = $1",
      [message.id],
    );
    expect(events).toEqual([
      {
        type: "message.created",
        entity_type: "message",
        operator_id: operatorId,
        source_id: sourceId,
        data: message,
        actor: "anonymous",
      },
    ]);
    expect((await list(appealId)).items).toEqual([message]);
  });

  it("keeps the conversation in order, oldest first, in pages", async () => {
    const { appealId } = await activeAppeal("message 1");
    for (let i = 2; i <= 5; i++) {
      const sender = i % 2 === 0 ? "bot" : "lead";
      expect((await post(appealId, { text: `message ${i}`, sender })).statusCode).toBe(201);
    }
    const all = await list(appealId);
    expect(all.items.map((m) => [m.text, m.sender])).toEqual([
      ["message 1", "lead"],
      ["message 2", "bot"],
      ["message 3", "lead"],
      ["message 4", "bot"],
      ["message 5", "lead"],
    ]);
    const ids = all.items.map((m) => m.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);

    const first = await list(appealId, "?limit=2");
    expect(first).toEqual({ items: all.items.slice(0, 2), next_cursor: String(ids[1]) });
    const second = await list(appealId, `?limit=2&cursor=${first.next_cursor}`);
    expect(second).toEqual({ items: all.items.slice(2, 4), next_cursor: String(ids[3]) });
    const last = await list(appealId, `?limit=2&cursor=${second.next_cursor}`);
    expect(last).toEqual({ items: all.items.slice(4), next_cursor: null });
    // Exactly one page left: no empty page after it.
    expect(await list(appealId, `?limit=3&cursor=${ids[1]}`)).toEqual({
      items: all.items.slice(2),
      next_cursor: null,
    });
  });

  it("answers a repeated external_id with the first message (200) and writes nothing", async () => {
    const { appealId } = await activeAppeal();
    const first = await post(appealId, { text: "hi", sender: "lead", external_id: "tg-42" });
    expect(first.statusCode, first.body).toBe(201);
    const before = await written();
    const again = await post(appealId, { text: "hi, edited", sender: "bot", external_id: "tg-42" });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toEqual(first.json());
    expect(await written()).toEqual(before);
    // The same external id on another appeal is another message.
    const other = await activeAppeal();
    const elsewhere = await post(other.appealId, { text: "hi", sender: "lead", external_id: "tg-42" });
    expect(elsewhere.statusCode).toBe(201);
    expect((elsewhere.json() as Message).id).not.toBe((first.json() as Message).id);
  });

  it("stores one message for 20 concurrent retries of it: one 201, nineteen 200, one id", async () => {
    const { appealId } = await activeAppeal();
    const before = await written();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        post(appealId, { text: "retry me", sender: "bot", external_id: "tg-retry" }),
      ),
    );
    const statuses = answers.map((a) => a.statusCode).sort();
    expect(statuses).toEqual([...Array(19).fill(200), 201]);
    const ids = new Set(answers.map((a) => (a.json() as Message).id));
    expect(ids.size).toBe(1);
    const rows = await query<{ id: number }>(
      t.testDatabase.url,
      "SELECT id FROM messages WHERE appeal_id = $1 AND external_id = 'tg-retry'",
      [appealId],
    );
    expect(rows.map((r) => r.id)).toEqual([...ids]);
    expect(await written()).toEqual({ messages: before.messages + 1, events: before.events + 1 });
  });

  it("refuses a message on a closed appeal with 409 appeal_closed, writing nothing", async () => {
    const { appealId } = await activeAppeal();
    await post(appealId, { text: "before the close", sender: "lead", external_id: "early" });
    expect((await t.app.inject({ method: "PATCH", url: `/appeals/${appealId}/close` })).statusCode).toBe(200);
    const before = await written();
    for (const sender of ["lead", "bot", "operator"]) {
      expectProblem(await post(appealId, { text: "too late", sender }), 409, "appeal_closed");
    }
    expect(await written()).toEqual(before);
    // A bot retrying a message stored before the close still gets it back.
    const retry = await post(appealId, { text: "before the close", sender: "lead", external_id: "early" });
    expect(retry.statusCode).toBe(200);
    expect((retry.json() as Message).text).toBe("before the close");
  });

  it("writes an admin's operator message as the appeal's operator; on a pending appeal it is 409 no_operator", async () => {
    const { appealId, operatorId } = await activeAppeal("question");
    const reply = await post(appealId, { text: "answer", sender: "operator" });
    expect(reply.statusCode, reply.body).toBe(201);
    const message = reply.json() as Message;
    expect(message).toMatchObject({ sender: "operator", operator_id: operatorId });
    // first_response_at: that first operator message, in every read of the appeal.
    const appeal = (await t.app.inject({ method: "GET", url: `/appeals/${appealId}` })).json() as {
      first_response_at: string;
    };
    expect(appeal.first_response_at).toBe(message.created_at);
    expect((await post(appealId, { text: "and more", sender: "operator" })).statusCode).toBe(201);
    const again = (await t.app.inject({ method: "GET", url: `/appeals/${appealId}` })).json() as {
      first_response_at: string;
    };
    expect(again.first_response_at).toBe(message.created_at);
    const page = (await t.app.inject({ method: "GET", url: "/appeals?limit=500" })).json() as {
      items: { id: number; first_response_at: string | null }[];
    };
    expect(page.items.find((a) => a.id === appealId)?.first_response_at).toBe(message.created_at);

    const pending = await pendingAppeal();
    const before = await written();
    expectProblem(await post(pending, { text: "nobody here", sender: "operator" }), 409, "no_operator");
    expect(await written()).toEqual(before);
    // Lead and bot messages on a pending appeal are fine: they wait for the operator.
    const waiting = await post(pending, { text: "still there?", sender: "lead" });
    expect(waiting.statusCode).toBe(201);
    expect((waiting.json() as Message).operator_id).toBeNull();
  });

  it("answers 404 for an unknown appeal and 400 for a non-integer id, writing nothing", async () => {
    const before = await written();
    expectProblem(await post(424242, { text: "x", sender: "lead" }), 404, "not_found");
    expectProblem(await t.app.inject({ method: "GET", url: "/appeals/424242/messages" }), 404, "not_found");
    expectValidationError(await post("abc" as unknown as number, { text: "x", sender: "lead" }), "id");
    expect(await written()).toEqual(before);
  });
});

describe("bad input: a 400 naming the field, nothing written", () => {
  const cases: [string, object, string][] = [
    ["empty text", { text: "", sender: "lead" }, "text"],
    ["over-long text", { text: "x".repeat(10_001), sender: "lead" }, "text"],
    ["no text", { sender: "lead" }, "text"],
    ["an unknown sender", { text: "x", sender: "customer" }, "sender"],
    ["no sender", { text: "x" }, "sender"],
    [
      "an attachment without url or telegram_file_id",
      { text: "x", sender: "bot", attachments: [{ kind: "photo" }] },
      "attachments.0.url",
    ],
    [
      "a non-http(s) URL",
      { text: "x", sender: "bot", attachments: [{ kind: "link", url: "ftp://example.com/a" }] },
      "attachments.0.url",
    ],
    [
      "a javascript: URL",
      { text: "x", sender: "bot", attachments: [{ kind: "link", url: "javascript:alert(1)" }] },
      "attachments.0.url",
    ],
    [
      "an unknown attachment kind",
      { text: "x", sender: "bot", attachments: [{ kind: "audio", url: "https://e.com/a" }] },
      "attachments.0.kind",
    ],
    ["an unknown field", { text: "x", sender: "lead", mood: "happy" }, "mood"],
    [
      "an unknown attachment field",
      { text: "x", sender: "bot", attachments: [{ kind: "photo", url: "https://e.com/a", size: 1 }] },
      "attachments.0.size",
    ],
    ["a too long external_id", { text: "x", sender: "lead", external_id: "e".repeat(256) }, "external_id"],
    ["an empty external_id", { text: "x", sender: "lead", external_id: "" }, "external_id"],
    [
      "a non-boolean is_ai_generated",
      { text: "x", sender: "bot", is_ai_generated: "yes" },
      "is_ai_generated",
    ],
    ["a NUL in the text", { text: "a\u0000b", sender: "lead" }, "text"],
  ];
  it.each(cases)("%s", async (_, body, field) => {
    const { appealId } = await activeAppeal();
    const before = await written();
    const response = await post(appealId, body);
    const problem = expectProblem(response, 400, "validation_failed");
    expect(
      problem.errors?.map((e) => e.path),
      response.body,
    ).toEqual([field]);
    expect(await written()).toEqual(before);
  });

  it("a text of exactly 10000 characters is accepted", async () => {
    const { appealId } = await activeAppeal();
    expect((await post(appealId, { text: "x".repeat(10_000), sender: "lead" })).statusCode).toBe(201);
  });

  it("a bad page query is a 400 naming it", async () => {
    const { appealId } = await activeAppeal();
    expectValidationError(
      await t.app.inject({ method: "GET", url: `/appeals/${appealId}/messages?limit=0` }),
      "limit",
    );
    expectValidationError(
      await t.app.inject({ method: "GET", url: `/appeals/${appealId}/messages?page=2` }),
      "page",
    );
  });
});
