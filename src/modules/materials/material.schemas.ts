// The materials' contract (API.md "Activities and materials"): what the bots publish and show,
// an article, a product, an event. Media are references, as a message's attachments are.
import { z } from "zod";
import {
  idSchema,
  pageSchema,
  paginationQuery,
  queryBooleanSchema,
  timestampSchema,
  withoutNul,
} from "../../http/common.schemas.js";
import { mediaReferenceSchema, mediaReferencesInputSchema } from "../../http/media-reference.schemas.js";
import { withVisibleCharacter } from "../../http/visible-text.js";

const title = withVisibleCharacter(withoutNul(z.string().trim().min(1).max(500)))
  .describe("1..500 characters")
  .meta({ examples: ["Summer menu"] });
const category = withVisibleCharacter(withoutNul(z.string().trim().min(1).max(100)))
  .describe("Free text, 1..100 characters, matched exactly by GET /materials?category=")
  .meta({ examples: ["article"] });
const body = withoutNul(z.string().max(10_000)).describe("The text the bot shows, up to 10000 characters");
const published = z.boolean().describe("Bots (intake keys) see published materials only");

export const materialSchema = z
  .object({
    id: idSchema,
    title: z.string(),
    category: z.string(),
    body: z.string().nullable(),
    media: z.array(mediaReferenceSchema),
    published: z.boolean(),
    published_at: timestampSchema.nullable().describe("When it was last published; null while unpublished"),
    created_at: timestampSchema,
    updated_at: timestampSchema,
    archived_at: timestampSchema
      .nullable()
      .describe("When DELETE archived it: out of the default lists, still readable by id, no new activities"),
  })
  .meta({ id: "Material" });

export const createMaterialBodySchema = z
  .strictObject({
    title,
    category,
    body: body.optional(),
    media: mediaReferencesInputSchema.default([]),
    published: published.default(false),
  })
  .meta({ id: "CreateMaterial" });

export const updateMaterialBodySchema = z
  .strictObject({
    title: title.optional(),
    category: category.optional(),
    body: body.nullable().optional(),
    media: mediaReferencesInputSchema.optional().describe("Replaces the whole list"),
    published: published.optional(),
  })
  .refine((update) => Object.keys(update).length > 0, {
    message: "send at least one of title, category, body, media, published",
    when: (payload) => payload.issues.length === 0,
  })
  .meta({ id: "UpdateMaterial" });

export const listMaterialsQuerySchema = z.strictObject({
  category: withoutNul(z.string().trim().min(1).max(100)).optional().describe("Only this category (exact)"),
  published: queryBooleanSchema.optional().describe("Only published (true) or unpublished (false) ones"),
  include_archived: queryBooleanSchema.optional().describe("Also list archived ones (default false)"),
  ...paginationQuery,
});

export const materialPageSchema = pageSchema(materialSchema, "MaterialPage");

export type MaterialDto = z.infer<typeof materialSchema>;
export type MediaReferenceDto = z.infer<typeof mediaReferenceSchema>;
export type CreateMaterialInput = z.infer<typeof createMaterialBodySchema>;
export type UpdateMaterialInput = z.infer<typeof updateMaterialBodySchema>;
export type ListMaterialsQuery = z.infer<typeof listMaterialsQuerySchema>;
