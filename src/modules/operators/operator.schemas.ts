// The operators contract: validates requests, types handlers, generates OpenAPI.
import { z } from "zod";
import { idSchema, queryBooleanSchema, timestampSchema, withoutNul } from "../../http/common.schemas.js";

const name = withoutNul(z.string().trim().min(1).max(200))
  .describe("Display name, 1..200 characters")
  .meta({ examples: ["Anna Petrova"] });
const isActive = z.boolean().describe("Inactive operators get no new appeals");
const maxLoad = z
  .number()
  .int()
  .min(0)
  .max(10_000)
  .describe("Most active appeals the operator holds at once, 0..10000");

export const operatorSchema = z
  .object({
    id: idSchema,
    name: z.string().meta({ examples: ["Anna Petrova"] }),
    is_active: z.boolean(),
    max_load: z
      .number()
      .int()
      .meta({ examples: [10] }),
    current_load: z.number().int().describe("Number of the operator's appeals in status active (computed)"),
    created_at: timestampSchema,
    updated_at: timestampSchema,
    archived_at: timestampSchema
      .nullable()
      .describe("When DELETE archived it: no longer listed nor given appeals; history keeps it"),
  })
  .meta({ id: "Operator" });

export const createOperatorBodySchema = z
  .strictObject({
    name,
    is_active: isActive.default(true),
    max_load: maxLoad.default(10),
  })
  .meta({ id: "CreateOperator" });

export const updateOperatorBodySchema = z
  .strictObject({ name: name.optional(), is_active: isActive.optional(), max_load: maxLoad.optional() })
  .refine((body) => Object.keys(body).length > 0, {
    message: "send at least one of name, is_active, max_load",
    // An unknown field is reported as such, not also as "nothing sent".
    when: (payload) => payload.issues.length === 0,
  })
  .meta({ id: "UpdateOperator" });

/** An operator key's own availability: is_active alone (its name and limit are the admins'). */
export const updateOwnOperatorBodySchema = z
  .strictObject({ is_active: isActive })
  .meta({ id: "UpdateOwnOperator" });

export const includeArchivedQuery = {
  include_archived: queryBooleanSchema.optional().describe("Also list archived ones (default false)"),
};

export const listOperatorsQuerySchema = z.strictObject({
  is_active: queryBooleanSchema.optional().describe("Only active (true) or inactive (false) operators"),
  ...includeArchivedQuery,
});

export const archiveOperatorQuerySchema = z.strictObject({
  reassign: queryBooleanSchema
    .optional()
    .describe("Hand the operator's active appeals back to distribution first (else they make it a 409)"),
});

export type OperatorDto = z.infer<typeof operatorSchema>;
export type CreateOperatorInput = z.infer<typeof createOperatorBodySchema>;
export type UpdateOperatorInput = z.infer<typeof updateOperatorBodySchema>;
export type UpdateOwnOperatorInput = z.infer<typeof updateOwnOperatorBodySchema>;
export type ListOperatorsQuery = z.infer<typeof listOperatorsQuerySchema>;
