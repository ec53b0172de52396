// The problem+json body every error answer carries, and the error responses
// each route declares, so they appear in the OpenAPI document.
import { z } from "zod";

export const problemSchema = z
  .object({
    type: z.string().describe("A URI naming the kind of problem (about:blank or the code's page)."),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z
      .string()
      .describe(
        "Stable machine-readable code: validation_failed, not_found, conflict, idempotency_mismatch, unavailable, internal_error, ...",
      ),
    instance: z.string().optional(),
    request_id: z.string().optional(),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .describe("One entry per invalid field."),
  })
  .meta({ id: "Problem" });

export type Problem = z.infer<typeof problemSchema>;

const standard = {
  400: problemSchema.describe(
    "Invalid input: malformed JSON, wrong types, out-of-range values, unknown fields.",
  ),
  500: problemSchema.describe("Unexpected error; the body never contains internals."),
  503: problemSchema.describe("The database is unreachable; retry later."),
};

/** Error responses for a route; pass the extra statuses it can answer with. */
export function problemResponses<S extends 404 | 409 | 422>(...extra: S[]) {
  const descriptions = {
    404: "A thing named in the path or body does not exist.",
    409: "Conflicts with an existing record.",
    422: "The Idempotency-Key was used before with a different body.",
  } as const;
  const more = Object.fromEntries(
    extra.map((status) => [status, problemSchema.describe(descriptions[status])]),
  );
  return { ...standard, ...more } as typeof standard & Record<S, typeof problemSchema>;
}
