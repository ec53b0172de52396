// Shapes shared by several modules' contracts.
import { z } from "zod";

/** A positive integer id in a path: "abc" or "1.5" is a 400, an unknown one a 404 (checked by the service). */
export const idParamsSchema = z.strictObject({
  id: z.coerce.number().int().positive().max(2_147_483_647).describe("A positive integer id"),
});

/** Timestamps travel as ISO-8601 UTC strings with an explicit offset. */
export const timestampSchema = z.iso.datetime({ offset: true });

export const paginationQuery = {
  limit: z.coerce.number().int().min(1).max(500).default(50).describe("Page size, 1..500"),
  cursor: z
    .string()
    .regex(/^\d{1,10}$/, "must be a next_cursor value from a previous page")
    .optional()
    .describe("The next_cursor of the previous page"),
};

/** A boolean in a query string: only "true" and "false". */
export const queryBooleanSchema = z.enum(["true", "false"]).transform((value) => value === "true");
