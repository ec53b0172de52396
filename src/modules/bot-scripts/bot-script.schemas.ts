// The bot scripts' contract (API.md "Bot scripts"): the sales scripts a source's bot follows,
// versioned, so an appeal's (bot_script_id, bot_script_version) always shows what it followed.
import { z } from "zod";
import {
  idSchema,
  pageSchema,
  paginationQuery,
  timestampSchema,
  withoutNul,
} from "../../http/common.schemas.js";
import { withVisibleCharacter } from "../../http/visible-text.js";

const versionSchema = z
  .number()
  .int()
  .min(1)
  .describe("Starts at 1; each change of content adds one")
  .meta({ examples: [2] });

const name = withVisibleCharacter(withoutNul(z.string().trim().min(1).max(200)))
  .describe("Unique name, case-insensitive, 1..200 characters")
  .meta({ examples: ["Telegram: first contact"] });
/** Kept as sent (no trimming): scripts are often Markdown, where whitespace means something. */
const content = withVisibleCharacter(withoutNul(z.string().min(1).max(100_000)))
  .describe("The script's text, 1..100000 characters, stored as sent")
  .meta({ examples: ["1. Greet the customer by name.\n2. Ask what they are looking for."] });

export const botScriptSchema = z
  .object({
    id: idSchema,
    name: z.string().meta({ examples: ["Telegram: first contact"] }),
    version: versionSchema.describe("The current version: the one a source's new appeals record"),
    content: z.string().describe("The current version's content"),
    created_at: timestampSchema,
    updated_at: timestampSchema.describe("The last change of name or content"),
  })
  .meta({ id: "BotScript" });

export const botScriptVersionSchema = z
  .object({
    bot_script_id: idSchema,
    version: versionSchema,
    content: z.string(),
    created_at: timestampSchema.describe("When this version was made; a version never changes"),
  })
  .meta({ id: "BotScriptVersion" });

export const createBotScriptBodySchema = z.strictObject({ name, content }).meta({ id: "CreateBotScript" });

export const updateBotScriptBodySchema = z
  .strictObject({ name: name.optional(), content: content.optional() })
  .refine((body) => Object.keys(body).length > 0, {
    message: "send at least one of name, content",
    when: (payload) => payload.issues.length === 0,
  })
  .meta({ id: "UpdateBotScript" });

export const listBotScriptsQuerySchema = z.strictObject({ ...paginationQuery });

/** The cursor is a version number: the last version of the previous page. */
export const listBotScriptVersionsQuerySchema = z.strictObject({ ...paginationQuery });

export const botScriptPageSchema = pageSchema(botScriptSchema, "BotScriptPage");
export const botScriptVersionPageSchema = pageSchema(botScriptVersionSchema, "BotScriptVersionPage");

export type BotScriptDto = z.infer<typeof botScriptSchema>;
export type BotScriptVersionDto = z.infer<typeof botScriptVersionSchema>;
export type CreateBotScriptInput = z.infer<typeof createBotScriptBodySchema>;
export type UpdateBotScriptInput = z.infer<typeof updateBotScriptBodySchema>;
export type ListBotScriptsQuery = z.infer<typeof listBotScriptsQuerySchema>;
export type ListBotScriptVersionsQuery = z.infer<typeof listBotScriptVersionsQuerySchema>;
