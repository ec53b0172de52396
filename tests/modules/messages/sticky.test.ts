// POST /leads/by-external-id/{external_id}/messages in open mode (an admin's rights), on real
// PostgreSQL: a new lead's first message opens an appeal through distribution (the intake, with
// the message as message 1 and the intake's events); later messages go to the open appeal, a
// pending one too; a closed one makes the next message open another; each source has its own;
// a repeated external_id answers the first message; bad input and unknown sources write nothing.
// The concurrency claims, on two instances, are in sticky-concurrency.test.ts; the roles and the
// scoped intake keys in sticky-access.test.ts.
import { describe, expect, it } from "vitest";
import { createAppeal, createOperator, createSource, setWeights, unique } from "../../helpers/factories.js";
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
type Appeal = {
  id: number;
  lead_id: number;
  lead_external_id: string;
  source_id: number;
  source_name: string;
  operator: { id: number; name: string } | null;
  status: string;
  message: string | null;
  created_at: string;
  assigned_at: string | null;
  closed_at: string | null;
  first_response_at: string | null;
};
type Posted = { appeal: Appeal; message: Message; appeal_created: boolean };
type Event = {
  id: number;
  type: string;
  entity_type: string;
  entity_id: number;
  appeal_id: number | null;
  operator_id: number | null;
  source_id: number | null;
  actor: string;
  data: Record<string, unknown>;
  details: Record<string, unknown>;
  xmin: string;
};

const sticky = (externalId: string, payload: object) =>
  t.app.inject({
    method: "POST",
    url: `/leads/by-external-id/${encodeURIComponent(externalId)}/messages`,
    payload,
  });

/** Posts and expects `status`; returns the answer. */
async function posted(externalId: string, payload: object, status = 201): Promise<Posted> {
  const response = await sticky(externalId, payload);
  expect(response.statusCode, response.body).toBe(status);
  return response.json() as Posted;
}

const getJson = async <T>(url: string): Promise<T> => {
  const response = await t.app.inject({ method: "GET", url });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as T;
};
const messagesOf = async (appealId: number) =>
  (await getJson<{ items: Message[] }>(`/appeals/${appealId}/messages?limit=500`)).items;

/** An operator with room and a source whose only operator it is. */
async function staffedSource() {
  const operator = await createOperator(t.app, { max_load: 100 });
  const source = await createSource(t.app);
  await setWeights(t.app, source.id, [{ operator_id: operator.id, weight: 1 }]);
  return { operator, sourceId: source.id };
}

/** The events of one appeal and of the lead changes that came with it, in id order. */
async function eventsOf(appealId: number): Promise<Event[]> {
  return query<Event>(
    t.testDatabase.url,
    `SELECT id::int, type, entity_type, entity_id, appeal_id, operator_id, source_id, actor, data, details,
            xmin::text
     FROM events WHERE appeal_id = $1 OR (entity_type = 'lead' AND details->>'appeal_id' = $1::text)
     ORDER BY id`,
    [appealId],
  );
}

/** Rows a refused request must not have added (or changed: the leads' updated_at). */
async function written() {
  const [row] = await query(
    t.testDatabase.url,
    `SELECT (SELECT count(*)::int FROM leads) AS leads, (SELECT count(*)::int FROM appeals) AS appeals,
            (SELECT count(*)::int FROM messages) AS messages, (SELECT count(*)::int FROM events) AS events,
            (SELECT max(updated_at)::text FROM leads) AS lead_changed`,
  );
  return row;
}

describe("a new lead's first message", () => {
  it("opens an appeal through distribution, with the message as message 1, and creates the lead", async () => {
    const { operator, sourceId } = await staffedSource();
    const lead = unique("tg_user");
    const answer = await posted(lead, {
      source_id: sourceId,
      text: "Hello! Do you deliver on Sundays?",
      external_id: "tg-msg-1",
      lead_name: "Ivan",
      lead_phone: "+79161234567",
    });
    const appeal = await getJson<Appeal>(`/appeals/${answer.appeal.id}`);
    expect(answer).toEqual({
      appeal: {
        id: expect.any(Number),
        lead_id: expect.any(Number),
        lead_external_id: lead,
        source_id: sourceId,
        source_name: expect.any(String),
        operator: { id: operator.id, name: operator.name },
        status: "active",
        message: "Hello! Do you deliver on Sundays?",
        created_at: expect.stringMatching(ISO_UTC),
        assigned_at: expect.stringMatching(ISO_UTC),
        closed_at: null,
        first_response_at: null,
        // The source names no bot script.
        bot_script_id: null,
        bot_script_version: null,
      },
      message: {
        id: expect.any(Number),
        appeal_id: answer.appeal.id,
        sender: "lead",
        operator_id: null,
        text: "Hello! Do you deliver on Sundays?",
        is_ai_generated: false,
        external_id: "tg-msg-1",
        attachments: [],
        created_at: answer.appeal.created_at,
      },
      appeal_created: true,
    });
    // The answer is the appeal as GET shows it, and message 1 of its conversation.
    expect(answer.appeal).toEqual(appeal);
    expect(await messagesOf(appeal.id)).toEqual([answer.message]);
    const stored = await getJson<Record<string, unknown>>(`/leads/by-external-id/${lead}`);
    expect(stored).toMatchObject({
      id: answer.appeal.lead_id,
      external_id: lead,
      name: "Ivan",
      phone: "+79161234567",
      email: null,
      appeals_count: 1,
    });
  });

  it("writes the events POST /appeals writes, in one transaction, with the answer as their data", async () => {
    const { operator, sourceId } = await staffedSource();
    const answer = await posted(unique("tg_user"), { source_id: sourceId, text: "hi", lead_name: "Olga" });
    const intake = await createAppeal(t.app, { source_id: sourceId, message: "hi", lead_name: "Olga" });

    const mine = await eventsOf(answer.appeal.id);
    const theirs = await eventsOf(intake.appeal_id);
    const shape = (events: Event[]) =>
      events.map((e) => ({
        type: e.type,
        entity_type: e.entity_type,
        operator_id: e.operator_id,
        source_id: e.source_id,
        actor: e.actor,
        details: Object.keys(e.details).sort(),
      }));
    expect(shape(mine)).toEqual(shape(theirs));
    expect(mine.map((e) => e.type)).toEqual([
      "lead.created",
      "appeal.created",
      "appeal.assigned",
      "message.created",
    ]);
    expect(mine.map((e) => e.operator_id)).toEqual([null, operator.id, operator.id, operator.id]);
    // One transaction, ids one after another; the data are the resources as answered.
    expect(new Set(mine.map((e) => e.xmin)).size).toBe(1);
    const first = mine[0]?.id as number;
    expect(mine.map((e) => e.id)).toEqual([first, first + 1, first + 2, first + 3]);
    expect(mine[0]?.data).toEqual(await getJson(`/leads/${answer.appeal.lead_id}`));
    expect(mine[1]?.data).toEqual(answer.appeal);
    expect(mine[2]?.data).toEqual(answer.appeal);
    expect(mine[3]).toMatchObject({ entity_id: answer.message.id, data: answer.message });
  });

  it("keeps a bot's sender, AI flag and external id on message 1", async () => {
    const { sourceId } = await staffedSource();
    const answer = await posted(unique("tg_user"), {
      source_id: sourceId,
      text: "Welcome! How can I help?",
      sender: "bot",
      is_ai_generated: true,
      external_id: "bot-1",
    });
    expect(answer.appeal_created).toBe(true);
    expect(answer.appeal.message).toBe("Welcome! How can I help?");
    expect(answer.message).toMatchObject({ sender: "bot", is_ai_generated: true, external_id: "bot-1" });
    expect(await messagesOf(answer.appeal.id)).toEqual([answer.message]);
  });
});

describe("later messages", () => {
  it("go to the open appeal (201, appeal_created false), in order, each with its message.created", async () => {
    const { operator, sourceId } = await staffedSource();
    const lead = unique("tg_user");
    const first = await posted(lead, { source_id: sourceId, text: "one" });
    const second = await posted(lead, {
      source_id: sourceId,
      text: "two",
      sender: "bot",
      is_ai_generated: true,
    });
    const third = await posted(lead, { source_id: sourceId, text: "three", external_id: "m-3" });
    expect([second.appeal_created, third.appeal_created]).toEqual([false, false]);
    expect(second.appeal).toEqual(first.appeal);
    expect(third.appeal).toEqual(await getJson(`/appeals/${first.appeal.id}`));
    expect(second.message).toEqual({
      id: expect.any(Number),
      appeal_id: first.appeal.id,
      sender: "bot",
      operator_id: null,
      text: "two",
      is_ai_generated: true,
      external_id: null,
      attachments: [],
      created_at: expect.stringMatching(ISO_UTC),
    });
    const conversation = await messagesOf(first.appeal.id);
    expect(conversation).toEqual([first.message, second.message, third.message]);
    expect(conversation.map((m) => m.created_at)).toEqual(conversation.map((m) => m.created_at).sort());

    const events = await eventsOf(first.appeal.id);
    const forSecond = events.filter((e) => e.type === "message.created" && e.entity_id === second.message.id);
    expect(forSecond).toEqual([
      expect.objectContaining({
        entity_type: "message",
        appeal_id: first.appeal.id,
        operator_id: operator.id,
        source_id: sourceId,
        actor: "anonymous",
        data: second.message,
        details: {},
      }),
    ]);
    // Nothing else for the later messages: no lead event, no appeal event.
    expect(events.map((e) => e.type)).toEqual([
      "lead.created",
      "appeal.created",
      "appeal.assigned",
      "message.created",
      "message.created",
      "message.created",
    ]);
    expect((await getJson<{ appeals_count: number }>(`/leads/by-external-id/${lead}`)).appeals_count).toBe(1);
  });

  it("update the lead with the non-empty profile values they carry (lead.updated), and only then", async () => {
    const { sourceId } = await staffedSource();
    const lead = unique("tg_user");
    const first = await posted(lead, {
      source_id: sourceId,
      text: "hi",
      lead_name: "Ivan",
      lead_phone: "+7 916",
    });
    const before = await getJson<Record<string, string>>(`/leads/${first.appeal.lead_id}`);
    // The same values, and empty ones: nothing changes, no lead event.
    await posted(lead, {
      source_id: sourceId,
      text: "again",
      lead_name: "Ivan",
      lead_phone: "",
      lead_email: "",
    });
    expect(await getJson(`/leads/${first.appeal.lead_id}`)).toEqual(before);

    const changed = await posted(lead, {
      source_id: sourceId,
      text: "my email",
      lead_name: "Ivan Petrov",
      lead_phone: "",
      lead_email: "ivan@example.com",
    });
    const after = await getJson<Record<string, string>>(`/leads/${first.appeal.lead_id}`);
    expect(after).toEqual({
      ...before,
      name: "Ivan Petrov",
      phone: "+7 916",
      email: "ivan@example.com",
      updated_at: expect.stringMatching(ISO_UTC),
    });
    expect(String(after.updated_at) > String(before.updated_at)).toBe(true);
    const events = await eventsOf(first.appeal.id);
    const tail = events.slice(-2);
    expect(tail.map((e) => e.type)).toEqual(["lead.updated", "message.created"]);
    expect(tail[0]).toMatchObject({
      entity_type: "lead",
      entity_id: first.appeal.lead_id,
      appeal_id: null,
      source_id: sourceId,
      data: after,
      details: {
        before: { name: "Ivan", email: null },
        after: { name: "Ivan Petrov", email: "ivan@example.com" },
        appeal_id: first.appeal.id,
      },
    });
    expect(tail[1]).toMatchObject({ entity_id: changed.message.id, data: changed.message });
    expect(events.filter((e) => e.type === "lead.updated")).toHaveLength(1);
  });

  it("after the appeal closed, open a new one through distribution; the lead stays the same", async () => {
    const { sourceId } = await staffedSource();
    const lead = unique("tg_user");
    const first = await posted(lead, { source_id: sourceId, text: "first contact" });
    await posted(lead, { source_id: sourceId, text: "thanks, bye" });
    const close = await t.app.inject({ method: "PATCH", url: `/appeals/${first.appeal.id}/close` });
    expect(close.statusCode).toBe(200);

    const next = await posted(lead, { source_id: sourceId, text: "hello again" });
    expect(next.appeal_created).toBe(true);
    expect(next.appeal.id).not.toBe(first.appeal.id);
    expect(next.appeal).toMatchObject({
      lead_id: first.appeal.lead_id,
      status: "active",
      message: "hello again",
    });
    expect(await messagesOf(next.appeal.id)).toEqual([next.message]);
    expect((await messagesOf(first.appeal.id)).map((m) => m.text)).toEqual(["first contact", "thanks, bye"]);
    // A returning lead whose profile did not change: the intake's events without a lead event.
    expect((await eventsOf(next.appeal.id)).map((e) => e.type)).toEqual([
      "appeal.created",
      "appeal.assigned",
      "message.created",
    ]);
    const later = await posted(lead, { source_id: sourceId, text: "and one more" });
    expect([later.appeal.id, later.appeal_created]).toEqual([next.appeal.id, false]);
    expect((await getJson<{ appeals_count: number }>(`/leads/${first.appeal.lead_id}`)).appeals_count).toBe(
      2,
    );
  });

  it("through another source open that source's own appeal", async () => {
    const a = await staffedSource();
    const b = await staffedSource();
    const lead = unique("tg_user");
    const inA = await posted(lead, { source_id: a.sourceId, text: "via A" });
    const inB = await posted(lead, { source_id: b.sourceId, text: "via B" });
    expect(inB.appeal_created).toBe(true);
    expect(inB.appeal).toMatchObject({
      lead_id: inA.appeal.lead_id,
      source_id: b.sourceId,
      operator: { id: b.operator.id },
    });
    const againA = await posted(lead, { source_id: a.sourceId, text: "A again" });
    const againB = await posted(lead, { source_id: b.sourceId, text: "B again" });
    expect([againA.appeal.id, againB.appeal.id]).toEqual([inA.appeal.id, inB.appeal.id]);
    expect((await messagesOf(inA.appeal.id)).map((m) => m.text)).toEqual(["via A", "A again"]);
    expect((await messagesOf(inB.appeal.id)).map((m) => m.text)).toEqual(["via B", "B again"]);
  });

  it("go to a pending appeal too: it is open, and stays the conversation once assigned", async () => {
    const source = await createSource(t.app);
    const lead = unique("tg_user");
    const first = await posted(lead, { source_id: source.id, text: "anyone there?" });
    expect(first.appeal).toMatchObject({ status: "pending", operator: null, assigned_at: null });
    expect(first.appeal_created).toBe(true);
    const second = await posted(lead, { source_id: source.id, text: "hello?" });
    expect([second.appeal.id, second.appeal_created, second.appeal.status]).toEqual([
      first.appeal.id,
      false,
      "pending",
    ]);
    // Capacity appears: the waiting appeal is assigned, and the conversation goes on in it.
    const operator = await createOperator(t.app);
    await setWeights(t.app, source.id, [{ operator_id: operator.id, weight: 1 }]);
    const third = await posted(lead, { source_id: source.id, text: "oh, hi" });
    expect(third.appeal).toMatchObject({
      id: first.appeal.id,
      status: "active",
      operator: { id: operator.id },
    });
    expect((await messagesOf(first.appeal.id)).map((m) => m.text)).toEqual([
      "anyone there?",
      "hello?",
      "oh, hi",
    ]);
  });

  it("go to the newest open appeal when POST /appeals opened several", async () => {
    const { sourceId } = await staffedSource();
    const lead = unique("tg_user");
    await createAppeal(t.app, { source_id: sourceId, lead_external_id: lead, message: "older" });
    const newer = await createAppeal(t.app, {
      source_id: sourceId,
      lead_external_id: lead,
      message: "newer",
    });
    const answer = await posted(lead, { source_id: sourceId, text: "which one?" });
    expect([answer.appeal.id, answer.appeal_created]).toEqual([newer.appeal_id, false]);
  });
});

describe("a repeated message external_id", () => {
  it("answers the first message (200, appeal_created false) and writes nothing, whatever else is sent", async () => {
    const { sourceId } = await staffedSource();
    const lead = unique("tg_user");
    const first = await posted(lead, { source_id: sourceId, text: "hi", external_id: "tg-7" });
    const before = await written();
    const retry = await posted(
      lead,
      { source_id: sourceId, text: "hi (edited)", external_id: "tg-7", lead_name: "X" },
      200,
    );
    expect(retry).toEqual({ ...first, appeal_created: false });
    const later = await posted(lead, { source_id: sourceId, text: "second", external_id: "tg-8" });
    const laterRetry = await posted(
      lead,
      { source_id: sourceId, text: "second", sender: "bot", external_id: "tg-8" },
      200,
    );
    expect(laterRetry).toEqual(later);
    const after = await written();
    expect(after).toEqual({
      ...before,
      messages: (before?.messages as number) + 1,
      events: (before?.events as number) + 1,
    });
  });

  it("answers it also once its appeal closed: the retry opens no new appeal", async () => {
    const { sourceId } = await staffedSource();
    const lead = unique("tg_user");
    const first = await posted(lead, { source_id: sourceId, text: "hi", external_id: "tg-9" });
    await t.app.inject({ method: "PATCH", url: `/appeals/${first.appeal.id}/close` });
    const before = await written();
    const retry = await posted(lead, { source_id: sourceId, text: "hi", external_id: "tg-9" }, 200);
    expect(retry.message).toEqual(first.message);
    expect(retry.appeal).toMatchObject({ id: first.appeal.id, status: "closed" });
    expect(await written()).toEqual(before);
  });

  it("finds a message posted on the appeal through POST /appeals/{id}/messages; another source's is another", async () => {
    const a = await staffedSource();
    const b = await staffedSource();
    const lead = unique("tg_user");
    const first = await posted(lead, { source_id: a.sourceId, text: "hi" });
    const direct = await t.app.inject({
      method: "POST",
      url: `/appeals/${first.appeal.id}/messages`,
      payload: { text: "from the bot", sender: "bot", external_id: "shared-1" },
    });
    expect(direct.statusCode).toBe(201);
    const retry = await posted(
      lead,
      { source_id: a.sourceId, text: "from the bot", external_id: "shared-1" },
      200,
    );
    expect(retry.message).toEqual(direct.json());
    const elsewhere = await posted(lead, {
      source_id: b.sourceId,
      text: "from the bot",
      external_id: "shared-1",
    });
    expect(elsewhere.appeal_created).toBe(true);
    expect(elsewhere.message.id).not.toBe(retry.message.id);
  });
});

describe("refusals write nothing", () => {
  const cases: [string, string, object, string][] = [
    ["empty text", "lead-x", { text: "" }, "text"],
    ["over-long text", "lead-x", { text: "x".repeat(10_001) }, "text"],
    ["no text", "lead-x", {}, "text"],
    ["a NUL in the text", "lead-x", { text: "a\u0000b" }, "text"],
    ["an operator sender", "lead-x", { text: "x", sender: "operator" }, "sender"],
    ["an unknown sender", "lead-x", { text: "x", sender: "customer" }, "sender"],
    ["an empty external_id", "lead-x", { text: "x", external_id: "" }, "external_id"],
    ["a too long external_id", "lead-x", { text: "x", external_id: "e".repeat(256) }, "external_id"],
    ["a non-boolean is_ai_generated", "lead-x", { text: "x", is_ai_generated: "yes" }, "is_ai_generated"],
    ["a bad email", "lead-x", { text: "x", lead_email: "not-an-email" }, "lead_email"],
    ["a too long name", "lead-x", { text: "x", lead_name: "n".repeat(201) }, "lead_name"],
    ["attachments (not part of this route)", "lead-x", { text: "x", attachments: [] }, "attachments"],
    ["an unknown field", "lead-x", { text: "x", mood: "happy" }, "mood"],
    ["a blank external id in the path", " ", { text: "x" }, "external_id"],
    ["an invisible external id in the path", "\u200b", { text: "x" }, "external_id"],
    ["a too long external id in the path", "l".repeat(256), { text: "x" }, "external_id"],
    ["a NUL in the path's external id", "a\u0000b", { text: "x" }, "external_id"],
  ];
  it.each(cases)("%s: 400 naming the field", async (_, lead, body, field) => {
    const { sourceId } = await staffedSource();
    const before = await written();
    expectValidationError(await sticky(lead, { source_id: sourceId, ...body }), field);
    expect(await written()).toEqual(before);
  });

  it("no source_id, or not a positive integer: 400 naming source_id", async () => {
    const before = await written();
    for (const source of [undefined, "1", 0, -1, 1.5, 2_147_483_648, null]) {
      expectValidationError(await sticky("lead-x", { source_id: source, text: "x" }), "source_id");
    }
    expect(await written()).toEqual(before);
  });

  it("an unknown source: 404 naming source_id; no lead, appeal or message, even for a known lead", async () => {
    const { sourceId } = await staffedSource();
    const known = unique("tg_user");
    await posted(known, { source_id: sourceId, text: "hi" });
    const before = await written();
    for (const lead of [unique("tg_user"), known]) {
      const problem = expectProblem(
        await sticky(lead, { source_id: 424242, text: "x", lead_name: "Y" }),
        404,
        "not_found",
      );
      expect(problem.errors).toEqual([{ path: "source_id", message: "source 424242 does not exist" }]);
    }
    expect(await written()).toEqual(before);
  });

  it("an archived source: its open appeals go on; without one, a 404 that writes nothing", async () => {
    const { sourceId } = await staffedSource();
    const lead = unique("tg_user");
    const first = await posted(lead, { source_id: sourceId, text: "hi" });
    expect((await t.app.inject({ method: "DELETE", url: `/sources/${sourceId}` })).statusCode).toBe(204);
    const goesOn = await posted(lead, { source_id: sourceId, text: "still here" });
    expect([goesOn.appeal.id, goesOn.appeal_created]).toEqual([first.appeal.id, false]);
    await t.app.inject({ method: "PATCH", url: `/appeals/${first.appeal.id}/close` });
    const before = await written();
    const problem = expectProblem(
      await sticky(lead, { source_id: sourceId, text: "hello?" }),
      404,
      "not_found",
    );
    expect(problem.errors).toEqual([{ path: "source_id", message: `source ${sourceId} is archived` }]);
    expect(await written()).toEqual(before);
  });
});

describe("the lead's external id", () => {
  it("is read as POST /appeals reads lead_external_id: trimmed, one lead for both routes", async () => {
    const { sourceId } = await staffedSource();
    const lead = unique("tg_user");
    const intake = await createAppeal(t.app, { source_id: sourceId, lead_external_id: lead });
    const answer = await posted(` ${lead} `, { source_id: sourceId, text: "same lead" });
    expect([answer.appeal.id, answer.appeal.lead_id, answer.appeal_created]).toEqual([
      intake.appeal_id,
      intake.lead_id,
      false,
    ]);
    // Any character a URL can carry, percent-encoded.
    const odd = `${unique("user")}/é ?#%`;
    const opened = await posted(odd, { source_id: sourceId, text: "odd id" });
    expect(opened.appeal.lead_external_id).toBe(odd);
    expect((await posted(odd, { source_id: sourceId, text: "again" })).appeal.id).toBe(opened.appeal.id);
  });
});
