// The activities' contract (API.md "Activities and materials"): what leads do, recorded by bots,
// read back as a lead's timeline and as a material's stats.
import { z } from "zod";
import {
  bodyIdSchema,
  idSchema,
  pageSchema,
  paginationQueryOf,
  queryIdSchema,
  timestampSchema,
  withoutNul,
} from "../../http/common.schemas.js";
import { jsonObjectSchema } from "../../http/json-object.schemas.js";
import { withVisibleCharacter } from "../../http/visible-text.js";
import { MATERIAL_VIEWED } from "./activity-types.js";

/** An activity's `data`: a JSON object of at most 16 KiB, nested at most 32 levels. */
export const ACTIVITY_DATA_LIMITS = { maxBytes: 16 * 1024, maxDepth: 32 } as const;

const activityType = withVisibleCharacter(withoutNul(z.string().trim().min(1).max(100)))
  .describe(`Free text, 1..100 characters: ${MATERIAL_VIEWED} (counted by the material's stats), ...`)
  .meta({ examples: [MATERIAL_VIEWED] });

export const createActivityBodySchema = z
  .strictObject({
    lead_id: bodyIdSchema.optional().describe("The lead (or lead_external_id, exactly one of them)"),
    lead_external_id: withoutNul(z.string().trim().min(1).max(255))
      .optional()
      .describe("The lead by its id in the bot or messenger (or lead_id)")
      .meta({ examples: ["tg_user_123"] }),
    type: activityType,
    material_id: bodyIdSchema
      .optional()
      .describe(`The material it concerns; required for ${MATERIAL_VIEWED}`),
    data: jsonObjectSchema(ACTIVITY_DATA_LIMITS)
      .optional()
      .describe("Anything the bot wants to keep with it: a JSON object, at most 16 KiB, 32 levels deep"),
    occurred_at: timestampSchema
      .optional()
      .describe("When it happened, with an explicit offset, at most a day ahead; default: now"),
    external_id: withoutNul(z.string().min(1).max(255))
      .optional()
      .describe(
        "The bot's id of the activity: a repeat for the same lead answers the first with 200, writing nothing",
      )
      .meta({ examples: ["tg_update_1001"] }),
  })
  .superRefine((body, ctx) => {
    if (body.lead_id !== undefined && body.lead_external_id !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["lead_external_id"],
        message: "send lead_id or lead_external_id, not both",
      });
    } else if (body.lead_id === undefined && body.lead_external_id === undefined) {
      ctx.addIssue({ code: "custom", path: ["lead_id"], message: "send lead_id or lead_external_id" });
    }
    if (body.type === MATERIAL_VIEWED && body.material_id === undefined) {
      ctx.addIssue({ code: "custom", path: ["material_id"], message: `is required for ${MATERIAL_VIEWED}` });
    }
  })
  .meta({ id: "CreateActivity" });

export const activitySchema = z
  .object({
    id: idSchema,
    lead_id: idSchema,
    type: z.string(),
    material_id: idSchema.nullable(),
    data: z.record(z.string(), z.unknown()),
    occurred_at: timestampSchema,
    external_id: z.string().nullable(),
    created_at: timestampSchema.describe("When the service recorded it"),
  })
  .meta({ id: "Activity" });

/**
 * A timeline page's cursor: `<occurred_at in ms since 1970>.<id>` of the last activity of the
 * previous page, opaque to clients (they pass next_cursor back).
 */
const CURSOR = /^(-?[0-9]{1,15})\.([0-9]{1,10})$/;
const timelineCursorSchema = z
  .string()
  .refine((cursor) => {
    const id = Number(CURSOR.exec(cursor)?.[2] ?? 0);
    return id >= 1 && id <= 2_147_483_647;
  }, "must be a next_cursor of this list")
  .transform((cursor) => {
    const [, at, id] = CURSOR.exec(cursor) ?? [];
    return { occurredAtMs: Number(at), id: Number(id) };
  })
  .meta({ examples: ["1795255200000.42"] });

export const listLeadActivitiesQuerySchema = z.strictObject({
  type: withoutNul(z.string().trim().min(1).max(100)).optional().describe("Only activities of this type"),
  material_id: queryIdSchema.optional().describe("Only activities about this material"),
  ...paginationQueryOf(timelineCursorSchema),
});

export const activityPageSchema = pageSchema(activitySchema, "ActivityPage");

export const materialStatsSchema = z
  .object({
    material_id: idSchema,
    views: z.number().int().min(0).describe(`Activities of type ${MATERIAL_VIEWED} on the material`),
    unique_leads: z.number().int().min(0).describe("The leads among them, each counted once"),
    last_viewed_at: timestampSchema.nullable().describe("The latest view's occurred_at; null without views"),
  })
  .meta({ id: "MaterialStats" });

export type CreateActivityInput = z.infer<typeof createActivityBodySchema>;
export type ActivityDto = z.infer<typeof activitySchema>;
export type ListLeadActivitiesQuery = z.infer<typeof listLeadActivitiesQuerySchema>;
export type TimelineCursor = NonNullable<ListLeadActivitiesQuery["cursor"]>;
export type MaterialStatsDto = z.infer<typeof materialStatsSchema>;
