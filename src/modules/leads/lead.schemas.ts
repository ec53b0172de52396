import { z } from "zod";
import {
  idSchema,
  pageSchema,
  paginationQuery,
  timestampSchema,
  withoutNul,
} from "../../http/common.schemas.js";

export const leadSchema = z
  .object({
    id: idSchema,
    external_id: z.string().meta({ examples: ["tg_user_123"] }),
    name: z
      .string()
      .nullable()
      .meta({ examples: ["Ivan"] }),
    phone: z
      .string()
      .nullable()
      .meta({ examples: ["+79161234567"] }),
    email: z
      .string()
      .nullable()
      .meta({ examples: ["ivan@example.com"] }),
    appeals_count: z.number().int().describe("Appeals of this lead from every source"),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: "Lead" });

export const listLeadsQuerySchema = z.strictObject({
  search: withoutNul(z.string().trim().min(1).max(255))
    .optional()
    .describe("Part of the name, phone, email or external_id, case-insensitive"),
  ...paginationQuery,
});

export const listLeadAppealsQuerySchema = z.strictObject({ ...paginationQuery });

export const leadPageSchema = pageSchema(leadSchema, "LeadPage");

export const externalIdParamsSchema = z.strictObject({
  external_id: withoutNul(z.string().min(1).max(255)).describe("The lead's id in the bot or messenger"),
});

export type LeadDto = z.infer<typeof leadSchema>;
export type ListLeadsQuery = z.infer<typeof listLeadsQuerySchema>;
export type ListLeadAppealsQuery = z.infer<typeof listLeadAppealsQuerySchema>;
