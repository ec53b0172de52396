// Issue 12 item 4 end to end: an operator's reply reaches the bot that forwards it to the lead.
// Every request goes through HTTP with the key of the role that would send it (AUTH=on): an
// admin registers a webhook for message.created on a real receiver on 127.0.0.1 (hence
// allowPrivateUrls), a bot (intake key) registers the appeal and posts the lead's next message,
// the operator (operator key) reads its appeals and the conversation and replies, and the
// receiver gets the reply as message.created, signed so that the standardwebhooks library
// verifies it. Delivery is driven with runOnce(), never by sleeping.
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestApp } from "../../helpers/test-app.js";
import { deliver } from "../../helpers/webhook-delivery.js";
import { type Receiver, startReceiver } from "../../helpers/webhook-receiver.js";

const t = useTestApp({
  auth: { mode: "on", host: "127.0.0.1" },
  webhooks: { allowPrivateUrls: true, random: () => 0.5, timeoutMs: 2_000 },
});

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

const keys = { admin: "", bot: "", operator: "" };
let receiver: Receiver;
let operatorId = 0;
let sourceId = 0;

const as = (key: string, method: "GET" | "POST" | "PUT", url: string, payload?: unknown) =>
  t.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${key}` },
    ...(payload !== undefined && { payload: payload as object }),
  });

beforeAll(async () => {
  keys.admin = (await t.deps.apiKeys.create({ label: "ops", role: "admin" }, "test")).key;
  keys.bot = (await t.deps.apiKeys.create({ label: "telegram-bot", role: "intake" }, "test")).key;
  const operator = await as(keys.admin, "POST", "/operators", { name: "Anna", max_load: 5 });
  expect(operator.statusCode, operator.body).toBe(201);
  operatorId = operator.json().id;
  const source = await as(keys.admin, "POST", "/sources", { name: "Telegram bot" });
  sourceId = source.json().id;
  const weights = await as(keys.admin, "PUT", `/sources/${sourceId}/weights`, [
    { operator_id: operatorId, weight: 1 },
  ]);
  expect(weights.statusCode, weights.body).toBe(200);
  const key = await as(keys.admin, "POST", "/api-keys", {
    role: "operator",
    label: "anna",
    operator_id: operatorId,
  });
  expect(key.statusCode, key.body).toBe(201);
  keys.operator = key.json().key;
  receiver = await startReceiver();
});

afterAll(async () => {
  await receiver?.close();
});

describe("an operator's reply, from the operator's key to the bot's webhook", () => {
  it("arrives as message.created with the reply's exact data, signed for standardwebhooks", async () => {
    // The bot's backend subscribes to the conversation's messages.
    const hook = await as(keys.admin, "POST", "/webhooks", {
      url: receiver.url,
      event_types: ["message.created"],
      description: "telegram-bot forwards operator replies",
    });
    expect(hook.statusCode, hook.body).toBe(201);
    const { secret } = hook.json() as { secret: string };
    receiver.secret = secret;

    // The bot: a lead writes, the appeal is registered with its first message, then the next one.
    const created = await as(keys.bot, "POST", "/appeals", {
      lead_external_id: "tg_user_123",
      source_id: sourceId,
      lead_name: "Ivan",
      message: "Hi! How much is delivery?",
    });
    expect(created.statusCode, created.body).toBe(201);
    const appeal = created.json() as { appeal_id: number; operator: { id: number } | null };
    expect(appeal.operator?.id).toBe(operatorId);
    const leadMessage = await as(keys.bot, "POST", `/appeals/${appeal.appeal_id}/messages`, {
      text: "To Sunday market street, please.",
      sender: "lead",
      external_id: "tg_msg_1002",
    });
    expect(leadMessage.statusCode, leadMessage.body).toBe(201);

    // The operator: its appeals, the conversation, the reply.
    const mine = await as(keys.operator, "GET", "/appeals?status=active");
    expect(mine.statusCode, mine.body).toBe(200);
    expect((mine.json() as { items: { id: number }[] }).items.map((item) => item.id)).toEqual([
      appeal.appeal_id,
    ]);
    const conversation = await as(keys.operator, "GET", `/appeals/${appeal.appeal_id}/messages`);
    expect(conversation.statusCode, conversation.body).toBe(200);
    expect(
      (conversation.json() as { items: Message[] }).items.map((message) => [message.sender, message.text]),
    ).toEqual([
      ["lead", "Hi! How much is delivery?"],
      ["lead", "To Sunday market street, please."],
    ]);
    const replied = await as(keys.operator, "POST", `/appeals/${appeal.appeal_id}/messages`, {
      text: "Delivery there is free. Shall I book Sunday 10:00?",
      sender: "operator",
    });
    expect(replied.statusCode, replied.body).toBe(201);
    const reply = replied.json() as Message;
    expect(reply).toEqual({
      id: expect.any(Number),
      appeal_id: appeal.appeal_id,
      sender: "operator",
      operator_id: operatorId,
      text: "Delivery there is free. Shall I book Sunday 10:00?",
      is_ai_generated: false,
      external_id: null,
      attachments: [],
      created_at: expect.any(String),
    });

    await deliver(t);

    // The whole conversation, in order, each message once; the bot skips what it sent itself.
    expect(receiver.received.map((r) => [r.type, (r.body.data as Message).sender, r.verified])).toEqual([
      ["message.created", "lead", true],
      ["message.created", "lead", true],
      ["message.created", "operator", true],
    ]);
    const forwarded = receiver.received[2];
    expect(forwarded?.body).toEqual({ type: "message.created", timestamp: expect.any(String), data: reply });
    const event = await t.database.prisma.event.findFirst({
      where: { type: "message.created", entityId: reply.id },
    });
    expect(event).toMatchObject({ actor: "anna", appealId: appeal.appeal_id, operatorId });
    expect(forwarded?.id).toBe(String(event?.id));
    expect(forwarded?.body.timestamp).toBe(event?.occurredAt.toISOString());

    // The signature verifies with the library as a receiver would call it, and only with the
    // endpoint's secret: the same body signed under another secret is refused.
    const headers = {
      "webhook-id": forwarded?.id ?? "",
      "webhook-timestamp": forwarded?.timestamp ?? "",
      "webhook-signature": forwarded?.signature ?? "",
    };
    const raw = forwarded?.raw ?? "";
    expect(new Webhook(secret).verify(raw, headers)).toEqual(forwarded?.body);
    const otherSecret = `whsec_${Buffer.from("another endpoint's secret").toString("base64")}`;
    expect(() => new Webhook(otherSecret).verify(raw, headers)).toThrow();
  });
});
