// The leads' contract (API.md "Leads as contacts"): the profile, its search and its changes.
import { z } from "zod";
import {
  idSchema,
  pageSchema,
  paginationQuery,
  queryIdSchema,
  timestampSchema,
  withoutNul,
} from "../../http/common.schemas.js";
import { withVisibleCharacter } from "../../http/visible-text.js";

export const consentSchema = z
  .object({
    given_at: timestampSchema,
    text_version: z.string().describe("The version of the consent text the lead agreed to"),
  })
  .nullable()
  .describe("Consent to the processing of personal data; null when not given or withdrawn")
  .meta({ id: "Consent" });

export const leadSchema = z
  .object({
    id: idSchema,
    external_id: z.string().meta({ examples: ["tg_user_123"] }),
    name: z
      .string()
      .nullable()
      .describe("The display name: given, or built from the parts")
      .meta({ examples: ["Ivan Petrov"] }),
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    middle_name: z.string().nullable(),
    phone: z
      .string()
      .nullable()
      .describe("As given")
      .meta({ examples: ["8 (916) 123-45-67"] }),
    phone_e164: z
      .string()
      .nullable()
      .describe("The phone in E.164 when it is a valid number, else null")
      .meta({ examples: ["+79161234567"] }),
    second_phone: z.string().nullable(),
    second_phone_e164: z.string().nullable(),
    email: z
      .string()
      .nullable()
      .meta({ examples: ["ivan@example.com"] }),
    company: z.string().nullable(),
    position: z.string().nullable(),
    heard_from: z.string().nullable().describe("Where the lead heard of the business"),
    notes: z.string().nullable(),
    tags: z.array(z.string()).meta({ examples: [["vip", "newsletter"]] }),
    consent: consentSchema,
    blocked_at: timestampSchema.nullable().describe("When the lead blocked the bot; null if not"),
    erased_at: timestampSchema.nullable().describe("When the lead's personal data was erased"),
    appeals_count: z.number().int().describe("Appeals of this lead from every source"),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: "Lead" });

/**
 * A list's keyset cursor: an id (a list, newest first), or a search's `rank_id` (its rank,
 * 0..2 with six decimals, and its id). One string schema, so the OpenAPI document shows its pattern.
 */
const leadCursorSchema = z
  .string()
  .regex(/^(?:[0-9]{1,10}|[0-2]\.[0-9]{6}_[0-9]{1,10})$/, "a next_cursor of a previous page")
  .transform((value) => {
    const [first, second] = value.split("_");
    return second === undefined
      ? { rank: null, id: Number(first) }
      : { rank: Number(first), id: Number(second) };
  })
  .refine((cursor) => cursor.id >= 1 && cursor.id <= 2_147_483_647, "an id out of range");

const day = timestampSchema;

/** The filters of GET /leads; the leads' exports take the same (API.md "Exports"). */
export const leadFilterQuery = {
  search: withoutNul(z.string().trim().min(1).max(255))
    .optional()
    .describe(
      "Either phone in any format, an email, an external id, or any part or combination of the name parts " +
        "(case-insensitive, ё = е, tolerant of a typo); best match first",
    ),
  tag: withoutNul(z.string().trim().min(1).max(50)).optional().describe("Leads with this tag"),
  source_id: queryIdSchema.optional().describe("Leads with an appeal from this source"),
  created_from: day.optional().describe("Leads created at or after this time"),
  created_to: day.optional().describe("Leads created before this time"),
  segment_id: queryIdSchema.optional().describe("Leads in this segment (an unknown one is a 404)"),
};

/** created_to before created_from is a 400 naming created_to (refine with createdInOrder.params). */
export const createdInOrder = {
  check: (q: { created_from?: string | undefined; created_to?: string | undefined }) =>
    !(q.created_from && q.created_to && Date.parse(q.created_to) < Date.parse(q.created_from)),
  params: {
    path: ["created_to"],
    message: "created_to must not be before created_from",
    // Once both are valid timestamps: a malformed one has its own message.
    when: (payload: { issues: readonly unknown[] }) => payload.issues.length === 0,
  },
};

export const listLeadsQuerySchema = z
  .strictObject({
    ...leadFilterQuery,
    ...paginationQuery,
    cursor: leadCursorSchema.optional().describe("The next_cursor of the previous page"),
  })
  .refine(createdInOrder.check, createdInOrder.params)
  // A search pages by rank and id, a list by id: a cursor of the one is meaningless in the other.
  .refine((q) => q.cursor === undefined || (q.cursor.rank === null) === (q.search === undefined), {
    path: ["cursor"],
    message: "a search's next_cursor is rank_id, a list's an id: pass the one the same query answered",
    // Only for a cursor that is one of the two kinds: a malformed one has its own message.
    when: (payload) => payload.issues.length === 0,
  });

export const listLeadAppealsQuerySchema = z.strictObject({ ...paginationQuery });

export const leadPageSchema = pageSchema(leadSchema, "LeadPage");

export const externalIdParamsSchema = z.strictObject({
  external_id: withoutNul(z.string().min(1).max(255)).describe("The lead's id in the bot or messenger"),
});

/** A profile text: trimmed, null (or "") clears it. */
const profileText = (max: number) =>
  z
    .union([withoutNul(z.string().trim().max(max)), z.null()])
    .optional()
    .transform((value) => (value === "" ? null : value));

const tag = withVisibleCharacter(withoutNul(z.string().trim().min(1).max(50)));

export const updateLeadBodySchema = z
  .strictObject({
    name: profileText(200).describe("The display name; built from the parts when null and the parts are set"),
    first_name: profileText(100),
    last_name: profileText(100),
    middle_name: profileText(100),
    phone: profileText(50).describe("Must be a valid phone number (DEFAULT_PHONE_REGION when without +)"),
    second_phone: profileText(50).describe("Must be a valid phone number"),
    email: z
      .union([z.email().max(254), z.literal(""), z.null()])
      .optional()
      .transform((value) => (value === "" ? null : value)),
    company: profileText(200),
    position: profileText(200),
    heard_from: profileText(200),
    notes: profileText(10_000),
    tags: z
      .array(tag)
      .max(50)
      .optional()
      .describe("Replaces the tags; duplicates are kept once")
      .transform((tags) => (tags === undefined ? undefined : [...new Set(tags)])),
    blocked_at: timestampSchema
      .nullable()
      .optional()
      .describe("When the lead blocked the bot; null unblocks"),
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), {
    message: "send at least one profile field",
  });

export const consentBodySchema = z.strictObject({
  text_version: withVisibleCharacter(withoutNul(z.string().trim().min(1).max(50))).describe(
    "The version of the consent text the lead agreed to",
  ),
});

export type LeadDto = z.infer<typeof leadSchema>;
export type ListLeadsQuery = z.infer<typeof listLeadsQuerySchema>;
export type ListLeadAppealsQuery = z.infer<typeof listLeadAppealsQuerySchema>;
export type UpdateLeadInput = z.infer<typeof updateLeadBodySchema>;
export type ConsentInput = z.infer<typeof consentBodySchema>;
