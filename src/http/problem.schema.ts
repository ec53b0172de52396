// The problem+json body every error answer carries, and the error responses
// each route declares, so they appear in the OpenAPI document.
import { z } from "zod";

export const PROBLEM_MEDIA_TYPE = "application/problem+json";

export const problemSchema = z
  .object({
    type: z.string().describe("A URI naming the kind of problem (about:blank or the code's page)."),
    title: z.string(),
    status: z.number().int().min(400).max(599),
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
  .meta({
    id: "Problem",
    examples: [
      {
        type: "about:blank",
        title: "Request validation failed",
        status: 400,
        detail: "Invalid body: max_load: Too big: expected number to be <=10000",
        code: "validation_failed",
        instance: "/operators",
        request_id: "3f0c1a52-8d4e-4b7a-9b1e-2f6d5c4a7e10",
        errors: [{ path: "max_load", message: "Too big: expected number to be <=10000" }],
      },
    ],
  });

export type Problem = z.infer<typeof problemSchema>;

/** An error answer: problem+json (RFC 9457), described for the OpenAPI document. */
export function problemResponse(description: string) {
  return { description, content: { [PROBLEM_MEDIA_TYPE]: { schema: problemSchema } } };
}

export type ProblemResponse = ReturnType<typeof problemResponse>;

const standard = {
  400: problemResponse("Invalid input: malformed JSON, wrong types, out-of-range values, unknown fields."),
  500: problemResponse("Unexpected error; the body never contains internals."),
  503: problemResponse("The database is unreachable; retry later."),
};

/** Error responses for a route; pass the extra statuses it can answer with. */
export function problemResponses<S extends 404 | 409 | 412 | 422>(...extra: S[]) {
  const descriptions = {
    404: "A thing named in the path or body does not exist.",
    409: "Conflicts with an existing record.",
    412: "A condition of If-Match or If-None-Match did not hold; nothing was written.",
    422: "The Idempotency-Key was used before with a different body.",
  } as const;
  const more = Object.fromEntries(extra.map((status) => [status, problemResponse(descriptions[status])]));
  return { ...standard, ...more } as typeof standard & Record<S, ProblemResponse>;
}
