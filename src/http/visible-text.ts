// Whether a text holds something a person can see. String.prototype.trim() (and so
// zod's .trim()) keeps the zero-width and other default-ignorable characters, so
// "\u200b" passes .min(1) while naming nothing anyone can read or type back.
import type { z } from "zod";

/**
 * A letter, digit, punctuation mark or symbol that renders: not a default-ignorable
 * code point (zero-width spaces and joiners, soft hyphen, Hangul fillers, variation
 * selectors, bidi marks) nor the Braille blank, which is a symbol drawn as nothing.
 */
const VISIBLE = /(?![\p{Default_Ignorable_Code_Point}\u2800])[\p{L}\p{N}\p{P}\p{S}]/u;

export function hasVisibleCharacter(value: string): boolean {
  return VISIBLE.test(value);
}

/**
 * Refuses a text with no visible character, as a 400 naming the field; only once the
 * schema's own checks pass, so an empty value gets one message, not two.
 */
export function withVisibleCharacter<T extends z.ZodString>(schema: T): T {
  return schema.refine(hasVisibleCharacter, {
    message: "must contain a visible character",
    when: (payload) => payload.issues.length === 0,
  }) as unknown as T;
}
