// The segments' contract (API.md "Segments"): a filter whose conditions must all hold, or a
// fixed list of leads; the answers; the page of a segment's leads.
import { z } from "zod";
import {
  bodyIdSchema,
  idSchema,
  pageSchema,
  paginationQuery,
  queryBooleanSchema,
  timestampSchema,
  withoutNul,
} from "../../http/common.schemas.js";
import { withVisibleCharacter } from "../../http/visible-text.js";

/** The most leads a fixed list holds (API.md "Segments": more is a 400 naming lead_ids). */
export const MAX_LIST_LEADS = 10_000;

/** The appeal statuses a filter may ask for: the lead has an appeal in it. */
const APPEAL_STATUSES = ["pending", "active", "closed"] as const;

const tag = withVisibleCharacter(withoutNul(z.string().trim().min(1).max(50)));
const tags = (meaning: string) => z.array(tag).min(1).max(50).optional().describe(meaning);

/** A period's bounds in order: `to` before `from` is a 400 naming `to`. */
function inOrder(from: string, to: string) {
  return (filter: z.infer<typeof conditionsSchema>, context: z.RefinementCtx) => {
    const start = filter[from as keyof typeof filter] as string | undefined;
    const end = filter[to as keyof typeof filter] as string | undefined;
    if (start !== undefined && end !== undefined && Date.parse(end) < Date.parse(start)) {
      context.addIssue({ code: "custom", path: [to], message: `${to} must not be before ${from}` });
    }
  };
}

const activityConditionSchema = z
  .strictObject({
    type: withVisibleCharacter(withoutNul(z.string().trim().min(1).max(100))).describe(
      "The activity's type, such as material_viewed",
    ),
    material_id: bodyIdSchema.optional().describe("Only activities on this material"),
    since: timestampSchema.optional().describe("Only activities that occurred at or after this time"),
    present: z.boolean().describe("true: leads with such an activity; false: leads without any"),
  })
  .meta({ id: "SegmentActivityCondition" });

const conditionsSchema = z.strictObject({
  source_ids: z
    .array(bodyIdSchema)
    .min(1)
    .max(100)
    .optional()
    .describe("Leads with an appeal from any of these sources"),
  tags_any: tags("Leads with at least one of these tags"),
  tags_all: tags("Leads with every one of these tags"),
  appeal_status: z.enum(APPEAL_STATUSES).optional().describe("Leads with an appeal in this status"),
  created_from: timestampSchema.optional().describe("Leads created at or after this time"),
  created_to: timestampSchema.optional().describe("Leads created before this time"),
  last_appeal_from: timestampSchema
    .optional()
    .describe("Leads whose latest appeal came at or after this time"),
  last_appeal_to: timestampSchema.optional().describe("Leads whose latest appeal came before this time"),
  consent: z.boolean().optional().describe("Leads with (true) or without (false) consent"),
  blocked: z.boolean().optional().describe("Leads that blocked the bot (true) or did not (false)"),
  activity: activityConditionSchema.optional(),
  lead_ids: z
    .array(bodyIdSchema)
    .min(1)
    .max(MAX_LIST_LEADS)
    .optional()
    .describe(`A fixed list of leads (1..${MAX_LIST_LEADS}), instead of any condition`),
});

/** What a filter segment stores and evaluates: every condition but a fixed list. */
export type SegmentConditions = Omit<z.infer<typeof conditionsSchema>, "lead_ids">;

export const segmentFilterSchema = conditionsSchema
  .superRefine(inOrder("created_from", "created_to"))
  .superRefine(inOrder("last_appeal_from", "last_appeal_to"))
  .superRefine((filter, context) => {
    if (filter.lead_ids === undefined) return;
    // A fixed list is a list: conditions beside it would be ignored, so they are refused.
    for (const key of Object.keys(filter)) {
      if (key !== "lead_ids") {
        context.addIssue({
          code: "custom",
          path: [key],
          message: "a fixed list (lead_ids) takes no conditions",
        });
      }
    }
  })
  .describe(
    "Conditions that must all hold (none: every lead), or { lead_ids } for a fixed list. Erased leads " +
      "are in no segment.",
  )
  .meta({ id: "SegmentFilter" });

const name = withVisibleCharacter(withoutNul(z.string().trim().min(1).max(200)))
  .describe("Unique regardless of case, 1..200 characters")
  .meta({ examples: ["VIP with consent"] });
const description = withoutNul(z.string().trim().max(2000));

export const createSegmentBodySchema = z
  .strictObject({ name, description: description.optional(), filter: segmentFilterSchema })
  .meta({ id: "CreateSegment" });

export const updateSegmentBodySchema = z
  .strictObject({
    name: name.optional(),
    description: description.nullable().optional(),
    filter: segmentFilterSchema.optional().describe("Replaces the whole filter (or the whole list)"),
  })
  .refine((update) => Object.keys(update).length > 0, {
    message: "send at least one of name, description, filter",
    when: (payload) => payload.issues.length === 0,
  })
  .meta({ id: "UpdateSegment" });

const storedConditionsSchema = z.object({
  source_ids: z.array(idSchema).optional(),
  tags_any: z.array(z.string()).optional(),
  tags_all: z.array(z.string()).optional(),
  appeal_status: z.enum(APPEAL_STATUSES).optional(),
  created_from: timestampSchema.optional(),
  created_to: timestampSchema.optional(),
  last_appeal_from: timestampSchema.optional(),
  last_appeal_to: timestampSchema.optional(),
  consent: z.boolean().optional(),
  blocked: z.boolean().optional(),
  activity: z
    .object({
      type: z.string(),
      material_id: idSchema.optional(),
      since: timestampSchema.optional(),
      present: z.boolean(),
    })
    .optional(),
});

export const segmentSchema = z
  .object({
    id: idSchema,
    name: z.string(),
    description: z.string().nullable(),
    kind: z.enum(["filter", "list"]).describe("filter: conditions evaluated when read; list: a fixed list"),
    filter: storedConditionsSchema
      .nullable()
      .describe(
        "The conditions of a filter segment; null for a fixed list (its leads: GET /segments/{id}/leads)",
      ),
    created_at: timestampSchema,
    updated_at: timestampSchema,
    archived_at: timestampSchema
      .nullable()
      .describe(
        "When DELETE archived it: out of the default lists, still readable with its leads, no changes",
      ),
  })
  .meta({ id: "Segment" });

export const countedSegmentSchema = segmentSchema
  .extend({
    lead_count: z.number().int().min(0).describe("Its leads now (membership is computed when read)"),
  })
  .meta({ id: "CountedSegment" });

export const listSegmentsQuerySchema = z.strictObject({
  include_archived: queryBooleanSchema.optional().describe("Also list archived ones (default false)"),
  ...paginationQuery,
});
export const segmentPageSchema = pageSchema(segmentSchema, "SegmentPage");

/** A segment's leads, newest first like GET /leads: its cursor is an id. */
export const segmentLeadsQuerySchema = z.strictObject({ ...paginationQuery });

export type SegmentFilterInput = z.infer<typeof segmentFilterSchema>;
export type CreateSegmentInput = z.infer<typeof createSegmentBodySchema>;
export type UpdateSegmentInput = z.infer<typeof updateSegmentBodySchema>;
export type SegmentDto = z.infer<typeof segmentSchema>;
export type CountedSegmentDto = z.infer<typeof countedSegmentSchema>;
export type ListSegmentsQuery = z.infer<typeof listSegmentsQuerySchema>;
export type SegmentLeadsQuery = z.infer<typeof segmentLeadsQuerySchema>;
