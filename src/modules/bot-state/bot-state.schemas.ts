// The bots' dialog state (API.md "Bot dialog state"): one state machine per chat of a source,
// replaced whole by each PUT, its version the ETag that If-Match checks.
import { z } from "zod";
import { idSchema, queryIdSchema, timestampSchema, withoutNul } from "../../http/common.schemas.js";
import { jsonObjectSchema } from "../../http/json-object.schemas.js";
import { withVisibleCharacter } from "../../http/visible-text.js";
import { isIfMatch } from "./precondition.js";

/** A state's `data`: a JSON object of at most 64 KiB once serialised, nested at most 32 levels. */
export const BOT_STATE_DATA_LIMITS = { maxBytes: 64 * 1024, maxDepth: 32 } as const;

export const botStateParamsSchema = z.strictObject({
  source_id: queryIdSchema.describe("The source whose bot keeps the state (an unknown one is a 404)"),
  chat_id: withoutNul(z.string().min(1).max(200))
    .describe(
      "The chat in the bot's messenger, 1..200 characters, as the bot names it: text, since Telegram's " +
        "chat ids are integers that may be negative and exceed 2^53",
    )
    .meta({ examples: ["-1001234567890"] }),
});

const ifMatch = z
  .string()
  .refine(isIfMatch, 'must be one version in quotes, as the ETag gave it ("3"), or *')
  .meta({ pattern: '^(\\*|"[1-9][0-9]{0,9}")$', examples: ['"3"'] })
  .optional()
  .describe(
    'Write only if the state is at this version (its ETag, "3"); * : only if a state exists. A state at ' +
      "another version, or none, is a 412 and nothing is written. Without it the write is unconditional",
  );

export const putBotStateHeadersSchema = z
  .object({
    "if-match": ifMatch,
    "if-none-match": z
      .literal("*", { error: "must be * (create only): no other value is supported here" })
      .optional()
      .describe("* : write only if the chat has no state (a 412 when it has one)"),
  })
  .superRefine((headers, ctx) => {
    if (headers["if-match"] !== undefined && headers["if-none-match"] !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["if-none-match"],
        message: "send If-Match or If-None-Match, not both",
      });
    }
  });

export const deleteBotStateHeadersSchema = z.object({
  "if-match": ifMatch.describe(
    'Delete only if the state is at this version ("3"); * : only if a state exists. Otherwise a 412',
  ),
});

export const putBotStateBodySchema = z
  .strictObject({
    state: withVisibleCharacter(withoutNul(z.string().min(1).max(100)))
      .describe("The dialog's state, 1..100 characters, stored exactly as sent")
      .meta({ examples: ["awaiting_phone"] }),
    data: jsonObjectSchema(BOT_STATE_DATA_LIMITS)
      .optional()
      .describe(
        "What the bot keeps with it: a JSON object, at most 64 KiB as JSON, 32 levels deep; replaced " +
          "whole (omitted: {})",
      )
      .meta({ examples: [{ name: "Ivan", step: 2 }] }),
  })
  .meta({ id: "PutBotState" });

export const botStateSchema = z
  .object({
    source_id: idSchema,
    chat_id: z.string().meta({ examples: ["-1001234567890"] }),
    state: z.string().meta({ examples: ["awaiting_phone"] }),
    data: z.record(z.string(), z.unknown()).meta({ examples: [{ name: "Ivan", step: 2 }] }),
    version: z
      .number()
      .int()
      .min(1)
      .describe('1 for the first write, +1 for each write after; the ETag is it in quotes ("3")'),
    updated_at: timestampSchema.describe("The last write; a state idle for BOT_STATE_TTL_DAYS is forgotten"),
  })
  .meta({ id: "BotState" });

export type BotStateParams = z.infer<typeof botStateParamsSchema>;
export type PutBotStateInput = z.infer<typeof putBotStateBodySchema>;
export type BotStateDto = z.infer<typeof botStateSchema>;
