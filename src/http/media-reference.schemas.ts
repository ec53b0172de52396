// References to files kept elsewhere (an http(s) URL or a Telegram file id, never the bytes):
// a message's attachments and a material's media, one contract for both.
import { z } from "zod";
import { withoutNul } from "./common.schemas.js";

/** At most this many references on one message or material. */
export const MAX_MEDIA_REFERENCES = 20;

const mediaKindSchema = z.enum(["photo", "video", "document", "link"]);

const httpUrlSchema = z
  .url({ protocol: /^https?$/, error: "must be an http or https URL" })
  .max(2048)
  .meta({ examples: ["https://example.com/photo.jpg"] });

/** One reference as sent: `url` or `telegram_file_id` (or both); without either a 400 names `<field>.<i>.url`. */
export const mediaReferenceInputSchema = z
  .strictObject({
    kind: mediaKindSchema,
    url: httpUrlSchema.optional(),
    telegram_file_id: withoutNul(z.string().min(1).max(255))
      .optional()
      .meta({ examples: ["AgACAgIAAxkBAAIB"] }),
    name: withoutNul(z.string().max(255))
      .optional()
      .meta({ examples: ["invoice.pdf"] }),
  })
  // Named as the url field: the one a client most likely meant to send.
  .refine((reference) => reference.url !== undefined || reference.telegram_file_id !== undefined, {
    message: "needs url or telegram_file_id",
    path: ["url"],
  });

/** The list as sent: at most MAX_MEDIA_REFERENCES, none by default. */
export const mediaReferencesInputSchema = z
  .array(mediaReferenceInputSchema)
  .max(MAX_MEDIA_REFERENCES)
  .describe(`References only (a URL or a Telegram file id); at most ${MAX_MEDIA_REFERENCES}`);

/** One reference as answered: every member, the ones not sent null. */
export const mediaReferenceSchema = z
  .object({
    kind: mediaKindSchema,
    url: z.string().nullable(),
    telegram_file_id: z.string().nullable(),
    name: z.string().nullable(),
  })
  .meta({ id: "Attachment" });
