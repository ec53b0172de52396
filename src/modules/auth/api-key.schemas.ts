// The API keys contract (POST, GET /api-keys, DELETE /api-keys/{id}): validates requests,
// types handlers, generates OpenAPI. The key itself appears in one answer only, the 201.
import { z } from "zod";
import { bodyIdSchema, timestampSchema, withoutNul } from "../../http/common.schemas.js";
import { ROLES } from "./api-key.validation.js";

const role = z
  .enum(ROLES)
  .describe(
    "admin: everything; viewer: every GET; intake: bots (POST /appeals, read back an appeal); " +
      "operator: a key bound to one operator, which reads its own appeals only",
  );
const label = withoutNul(z.string().trim().min(1).max(200)).describe(
  "Who or what holds the key, 1..200 characters; recorded in the audit trail as the actor",
);
const operatorId = bodyIdSchema.describe("The operator an operator key acts for");
const sourceIds = z
  .array(bodyIdSchema)
  .min(1)
  .max(1000)
  .describe("The sources an intake key posts into and reads; elsewhere it gets 404s");

export const createApiKeyBodySchema = z
  .strictObject({
    role,
    label,
    operator_id: operatorId
      .nullable()
      .optional()
      .describe("Required for, and only for, the role operator: the operator the key acts for"),
    source_ids: sourceIds
      .nullable()
      .optional()
      .describe("intake keys only: the sources it posts into and reads. Omitted or null: every source"),
  })
  .meta({ id: "CreateApiKey" });

const apiKeyFields = {
  id: z.number().int(),
  role,
  label: z.string(),
  operator_id: z.number().int().nullable().describe("Set for operator keys only"),
  source_ids: z.array(z.number().int()).nullable().describe("An intake key's sources; null: every source"),
  created_at: timestampSchema,
};

export const apiKeySchema = z
  .object({
    ...apiKeyFields,
    last_used_at: timestampSchema
      .nullable()
      .describe("Updated at most once per 10 seconds per instance; null: never used"),
    revoked_at: timestampSchema.nullable(),
  })
  .meta({ id: "ApiKey" });

export const apiKeyCreatedSchema = z
  .object({
    id: apiKeyFields.id,
    key: z
      .string()
      .describe(
        "The key, shown this once: only its SHA-256 is stored. Send it as Authorization: Bearer <key>",
      ),
    role: apiKeyFields.role,
    label: apiKeyFields.label,
    operator_id: apiKeyFields.operator_id,
    source_ids: apiKeyFields.source_ids,
    created_at: apiKeyFields.created_at,
  })
  .meta({ id: "ApiKeyCreated" });

export type CreateApiKeyInput = z.infer<typeof createApiKeyBodySchema>;
export type ApiKeyDto = z.infer<typeof apiKeySchema>;
export type ApiKeyCreatedDto = z.infer<typeof apiKeyCreatedSchema>;
