// The period filter of GET /appeals, /stats/distribution and /stats/operators: half-open
// [from, to) on the appeals' created_at (API.md "Everyday operations").
import type { z } from "zod";
import { timestampSchema } from "../../http/common.schemas.js";

export const periodQuery = {
  from: timestampSchema.optional().describe("Only appeals created at or after this time (inclusive)"),
  to: timestampSchema.optional().describe("Only appeals created before this time (exclusive)"),
};

/** A period whose start is after its end is a 400 naming both fields; from = to is an empty period. */
export function refinePeriod(
  query: { from?: string | undefined; to?: string | undefined },
  ctx: z.RefinementCtx,
) {
  if (query.from === undefined || query.to === undefined) return;
  if (Date.parse(query.from) <= Date.parse(query.to)) return;
  const message = `from (${query.from}) is after to (${query.to})`;
  ctx.addIssue({ code: "custom", path: ["from"], message });
  ctx.addIssue({ code: "custom", path: ["to"], message });
}

/** Runs refinePeriod only when every field is valid, so a malformed time is reported as such alone. */
export const periodChecked = { when: (payload: z.core.ParsePayload) => payload.issues.length === 0 };
