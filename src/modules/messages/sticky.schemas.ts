// The sticky conversation's contract (API.md "Conversations",
// POST /leads/by-external-id/{external_id}/messages). Its fields are those of POST /appeals and
// POST /appeals/{id}/messages, taken from their schemas so they validate alike.
import { z } from "zod";
import { bodyIdSchema } from "../../http/common.schemas.js";
import { appealSchema, createAppealBodySchema } from "../appeals/appeal.schemas.js";
import { createMessageBodySchema, messageSchema } from "./message.schemas.js";

const appealFields = createAppealBodySchema.shape;
const messageFields = createMessageBodySchema.shape;

/** The lead's external id as POST /appeals reads lead_external_id (trimmed, something visible). */
export const leadMessageParamsSchema = z.strictObject({ external_id: appealFields.lead_external_id });

export const STICKY_SENDERS = ["lead", "bot"] as const;

export const createLeadMessageBodySchema = z
  .strictObject({
    source_id: bodyIdSchema.describe("The source the message came through: its bot, its number, its form"),
    text: messageFields.text,
    sender: z
      .enum(STICKY_SENDERS)
      .default("lead")
      .describe("lead: the customer (the default); bot: the source's bot"),
    is_ai_generated: messageFields.is_ai_generated,
    external_id: messageFields.external_id.describe(
      "The bot's id of the message: a repeat, in any of the lead's conversations through this source, " +
        "answers the first message with 200 and writes nothing",
    ),
    lead_name: appealFields.lead_name,
    lead_phone: appealFields.lead_phone,
    lead_email: appealFields.lead_email,
  })
  .meta({ id: "CreateLeadMessage" });

export const leadMessagePostedSchema = z
  .object({
    appeal: appealSchema.describe("The conversation the message is in, as GET /appeals/{id} shows it"),
    message: messageSchema,
    appeal_created: z
      .boolean()
      .describe("true when this message opened the appeal (through distribution), as its message 1"),
  })
  .meta({ id: "LeadMessagePosted" });

export type CreateLeadMessageInput = z.infer<typeof createLeadMessageBodySchema>;
export type LeadMessagePostedDto = z.infer<typeof leadMessagePostedSchema>;
