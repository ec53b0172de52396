// The sources and weights contract: validates requests, types handlers, generates OpenAPI.
import { z } from "zod";
import {
  bodyIdSchema,
  idSchema,
  queryIdSchema,
  timestampSchema,
  withoutNul,
} from "../../http/common.schemas.js";

export const strategySchema = z
  .enum(["weighted", "weighted_by_free_capacity"])
  .describe(
    "weighted: probability w_i / Σw over the candidates; " +
      "weighted_by_free_capacity: probability proportional to w_i × (max_load_i − current_load_i)",
  );

const name = withoutNul(z.string().trim().min(1).max(200))
  .describe("Unique name, case-insensitive, 1..200 characters")
  .meta({ examples: ["Telegram bot"] });
const description = withoutNul(z.string().max(2000))
  .nullable()
  .describe("Free text for admins; null clears it");
const botScriptId = bodyIdSchema
  .nullable()
  .describe("The bot script this source's bot follows (an unknown one is a 404); null for none");

export const sourceSchema = z
  .object({
    id: idSchema,
    name: z.string().meta({ examples: ["Telegram bot"] }),
    description: z.string().nullable(),
    strategy: strategySchema,
    bot_script_id: idSchema
      .nullable()
      .describe(
        "The bot script this source's bot follows; its appeals record it and its current version at intake",
      ),
    created_at: timestampSchema,
    updated_at: timestampSchema,
    archived_at: timestampSchema
      .nullable()
      .describe("When DELETE archived it: no longer listed nor taking appeals; its appeals stay"),
  })
  .meta({ id: "Source" });

export const createSourceBodySchema = z
  .strictObject({
    name,
    description: description.optional(),
    strategy: strategySchema.default("weighted"),
    bot_script_id: botScriptId.optional(),
  })
  .meta({ id: "CreateSource" });

export const updateSourceBodySchema = z
  .strictObject({
    name: name.optional(),
    description: description.optional(),
    strategy: strategySchema.optional(),
    bot_script_id: botScriptId.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, {
    message: "send at least one of name, description, strategy, bot_script_id",
    // An unknown field is reported as such, not also as "nothing sent".
    when: (payload) => payload.issues.length === 0,
  })
  .meta({ id: "UpdateSource" });

export const weightSchema = z
  .object({
    operator_id: idSchema,
    operator_name: z.string().meta({ examples: ["Anna Petrova"] }),
    weight: z
      .number()
      .int()
      .meta({ examples: [10] }),
  })
  .meta({ id: "Weight" });

const weightValue = z
  .number()
  .int()
  .min(1)
  .max(100)
  .describe("Relative share of the source's appeals, 1..100");

export const weightParamsSchema = z.strictObject({
  id: queryIdSchema.describe("The source"),
  operator_id: queryIdSchema.describe("The operator"),
});

export const setWeightBodySchema = z.strictObject({ weight: weightValue }).meta({ id: "SetWeight" });

export const weightsBodySchema = z
  .array(
    z.strictObject({
      operator_id: bodyIdSchema.describe("An existing operator"),
      weight: weightValue,
    }),
  )
  .max(10_000)
  .superRefine((items, ctx) => {
    const seen = new Set<number>();
    items.forEach((item, index) => {
      if (seen.has(item.operator_id)) {
        ctx.addIssue({
          code: "custom",
          path: [index, "operator_id"],
          message: `operator ${item.operator_id} appears more than once`,
        });
      }
      seen.add(item.operator_id);
    });
  })
  .meta({ id: "WeightsReplacement", description: "The whole new set of weights; [] clears it" });

export type SourceDto = z.infer<typeof sourceSchema>;
export type WeightDto = z.infer<typeof weightSchema>;
export type CreateSourceInput = z.infer<typeof createSourceBodySchema>;
export type UpdateSourceInput = z.infer<typeof updateSourceBodySchema>;
export type WeightsInput = z.infer<typeof weightsBodySchema>;
export type SetWeightInput = z.infer<typeof setWeightBodySchema>;
