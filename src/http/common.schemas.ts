// Shapes shared by several modules' contracts.
import { z } from "zod";

const MAX_INT4 = 2_147_483_647;

/**
 * A positive integer written in a path or query string: "abc", "1.5", "1e3", "0x1"
 * or " 1" is a 400 (a bare z.coerce.number() would read the last three as numbers).
 * The digits are checked by a refinement rather than .regex(), and the OpenAPI document
 * says `type: integer` with the bounds (meta): what a client sends is an integer, and a
 * generated client types it as a number, not as a string matching a pattern.
 */
export function integerString(min: number, max: number, digits = 10) {
  const onlyDigits = new RegExp(`^[0-9]{1,${digits}}$`);
  return z
    .string()
    .refine((value) => onlyDigits.test(value), "must be a positive integer")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .meta({ type: "integer", minimum: min, maximum: max });
}

/** An id in a query string filter. */
export const queryIdSchema = integerString(1, MAX_INT4);

/** A positive integer id in a path; an unknown one is a 404 (checked by the service). */
export const idParamsSchema = z.strictObject({
  id: queryIdSchema.describe("A positive integer id"),
});

/** An id in a request body: a positive PostgreSQL integer, so a too large one is a 400, not a database error. */
export const bodyIdSchema = z
  .number()
  .int()
  .positive()
  .max(MAX_INT4)
  .meta({ examples: [42] });

/** An id in an answer. */
export const idSchema = z
  .number()
  .int()
  .min(1)
  .meta({ examples: [42] });

/** A UTF-16 surrogate without its pair: JSON can carry one ("\ud800"), UTF-8 cannot. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Text PostgreSQL cannot store as sent: a NUL (U+0000) or a lone surrogate. */
export function hasUnstorableText(value: string): boolean {
  return value.includes("\u0000") || LONE_SURROGATE.test(value);
}

/**
 * PostgreSQL text cannot hold U+0000 nor a lone surrogate: refuse them as a 400, instead of
 * failing in the database with a 500 (NUL) or storing U+FFFD in place of what was sent (surrogate).
 */
export function withoutNul<T extends z.ZodString>(schema: T): T {
  return schema
    .refine((value) => !value.includes("\u0000"), {
      message: "must not contain the NUL character (U+0000)",
    })
    .refine((value) => !LONE_SURROGATE.test(value), {
      message: "must be well-formed Unicode (no lone UTF-16 surrogate)",
    }) as T;
}

/** Timestamps travel as ISO-8601 UTC strings with an explicit offset. */
export const timestampSchema = z.iso
  .datetime({ offset: true })
  .meta({ examples: ["2026-11-21T10:00:00.000Z"] });

/** The query of a keyset-paginated list; `cursor` is the id schema of its rows. */
export function paginationQueryOf<C extends z.ZodType>(cursor: C) {
  return {
    limit: integerString(1, 500).default(50).describe("Page size, 1..500"),
    cursor: cursor.optional().describe("The next_cursor of the previous page"),
  };
}

/** The query of a list of rows with int4 ids. */
export const paginationQuery = paginationQueryOf(queryIdSchema);

/** A page of a keyset-paginated list, `{ items, next_cursor }`, as keysetPage (src/core/page.ts) builds it. */
export function pageSchema<T extends z.ZodType>(item: T, id: string) {
  return z
    .object({
      items: z.array(item),
      next_cursor: z
        .string()
        .nullable()
        .describe("Pass as cursor to get the next page; null on the last page"),
    })
    .meta({ id });
}

/** A boolean in a query string: only "true" and "false". */
export const queryBooleanSchema = z.enum(["true", "false"]).transform((value) => value === "true");
