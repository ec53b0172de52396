// The appeals contract: validates requests, types handlers, generates OpenAPI.
import { z } from "zod";
import {
  bodyIdSchema,
  idSchema,
  pageSchema,
  paginationQuery,
  queryIdSchema,
  timestampSchema,
  withoutNul,
} from "../../http/common.schemas.js";
import { withVisibleCharacter } from "../../http/visible-text.js";
import { periodChecked, periodQuery, refinePeriod } from "../stats/period.schemas.js";

export const appealStatusSchema = z
  .enum(["pending", "active", "closed"])
  .describe("pending: no operator could take it yet; active: assigned; closed: handled");

/** The script the source's bot followed, recorded at intake: kept through reopens and transfers. */
const botScriptRef = {
  bot_script_id: idSchema
    .nullable()
    .describe("The bot script the source named when the appeal came in; null when it named none"),
  bot_script_version: z
    .number()
    .int()
    .min(1)
    .nullable()
    .describe("That script's version at that moment (GET /bot-scripts/{id}/versions); null with no script")
    .meta({ examples: [2] }),
};

const operatorRef = z
  .object({ id: idSchema, name: z.string().meta({ examples: ["Anna Petrova"] }) })
  .nullable()
  .describe("null while pending");

/** Optional lead details: an empty string means "not given", like an absent field. */
const optionalText = (max: number, description: string) =>
  withoutNul(z.string().trim().max(max)).optional().describe(description);

export const createAppealBodySchema = z
  .strictObject({
    lead_external_id: withVisibleCharacter(withoutNul(z.string().trim().min(1).max(255)))
      .describe("The lead's id in the bot or messenger (e.g. tg_user_123); one lead across every source")
      .meta({ examples: ["tg_user_123"] }),
    source_id: bodyIdSchema.describe("The source the appeal came through"),
    message: withoutNul(z.string().max(10_000))
      .optional()
      .describe("What the lead wrote")
      .meta({ examples: ["Hello! Do you deliver on Sundays?"] }),
    lead_name: optionalText(200, "Updates the lead's name when non-empty").meta({ examples: ["Ivan"] }),
    lead_phone: optionalText(50, "Updates the lead's phone when non-empty").meta({
      examples: ["+79161234567"],
    }),
    lead_email: z
      .union([z.literal(""), z.email().max(254)])
      .optional()
      .describe("Updates the lead's email when non-empty")
      .meta({ examples: ["ivan@example.com"] }),
  })
  .meta({ id: "CreateAppeal" });

export const idempotencyHeadersSchema = z.object({
  "idempotency-key": z
    .string()
    .min(1)
    .max(255)
    .optional()
    .describe(
      "Retrying with the same key returns the first answer and writes nothing; keys are kept 24 hours",
    ),
});

export const appealCreatedSchema = z
  .object({
    appeal_id: idSchema,
    lead_id: idSchema,
    lead_external_id: z.string().meta({ examples: ["tg_user_123"] }),
    source_id: idSchema,
    source_name: z.string().meta({ examples: ["Telegram bot"] }),
    operator: operatorRef,
    status: appealStatusSchema,
    message: z
      .string()
      .nullable()
      .meta({ examples: ["Hello! Do you deliver on Sundays?"] }),
    created_at: timestampSchema,
    ...botScriptRef,
  })
  .meta({ id: "AppealCreated" });

export const appealSchema = z
  .object({
    id: idSchema,
    lead_id: idSchema,
    lead_external_id: z.string().meta({ examples: ["tg_user_123"] }),
    source_id: idSchema,
    source_name: z.string().meta({ examples: ["Telegram bot"] }),
    operator: operatorRef,
    status: appealStatusSchema,
    message: z
      .string()
      .nullable()
      .meta({ examples: ["Hello! Do you deliver on Sundays?"] }),
    created_at: timestampSchema,
    assigned_at: timestampSchema.nullable(),
    closed_at: timestampSchema.nullable(),
    first_response_at: timestampSchema
      .nullable()
      .describe(
        "When an operator first wrote in the conversation (its first operator message); null until then",
      ),
    ...botScriptRef,
  })
  .meta({ id: "Appeal" });

const filterId = (what: string) => queryIdSchema.optional().describe(`Only appeals of this ${what}`);

export const listAppealsQuerySchema = z
  .strictObject({
    status: appealStatusSchema.optional(),
    operator_id: filterId("operator"),
    source_id: filterId("source"),
    lead_id: filterId("lead"),
    ...periodQuery,
    ...paginationQuery,
  })
  .superRefine(refinePeriod, periodChecked);

export const transferAppealBodySchema = z
  .strictObject({
    operator_id: bodyIdSchema.describe("The operator to move the appeal to"),
    force: z
      .boolean()
      .default(false)
      .describe("Skip the active, weight and max_load checks (admin only); an archived operator is refused"),
  })
  .meta({ id: "TransferAppeal" });

export const appealPageSchema = pageSchema(appealSchema, "AppealPage");

export type CreateAppealInput = z.infer<typeof createAppealBodySchema>;
export type AppealDto = z.infer<typeof appealSchema>;
export type AppealCreatedDto = z.infer<typeof appealCreatedSchema>;
export type ListAppealsQuery = z.infer<typeof listAppealsQuerySchema>;
export type TransferAppealInput = z.infer<typeof transferAppealBodySchema>;
