import { z } from "zod";
import { idSchema } from "../../http/common.schemas.js";
import { periodChecked, periodQuery, refinePeriod } from "./period.schemas.js";

export const periodQuerySchema = z.strictObject(periodQuery).superRefine(refinePeriod, periodChecked);

export const sourceDistributionSchema = z
  .object({
    source_id: idSchema,
    source_name: z.string(),
    total_appeals: z.number().int().describe("Appeals of the source in every status"),
    pending_appeals: z.number().int(),
    operators: z.array(
      z.object({
        operator_id: idSchema,
        operator_name: z.string(),
        weight: z
          .number()
          .int()
          .describe("Configured weight; 0 when the operator no longer has one but got appeals"),
        appeals_count: z
          .number()
          .int()
          .describe("Appeals of the source assigned to the operator, active or closed"),
        active_appeals: z.number().int(),
        share: z.number().describe("appeals_count / the source's assigned appeals (0 when none)"),
        weight_share: z.number().describe("weight / the sum of the source's weights (0 when none)"),
      }),
    ),
  })
  .meta({ id: "SourceDistribution" });

export const sourceOperatorsSchema = z
  .object({
    source_id: idSchema,
    operators: z.array(
      z.object({
        id: idSchema,
        name: z.string(),
        weight: z.number().int(),
        is_active: z.boolean(),
        current_load: z.number().int(),
        max_load: z.number().int(),
        is_available: z.boolean().describe("Active and below max_load: a candidate for the next appeal"),
      }),
    ),
  })
  .meta({ id: "SourceOperators" });

export const operatorStatsSchema = z
  .object({
    operator_id: z.number().int(),
    operator_name: z.string(),
    assigned: z
      .number()
      .int()
      .describe("Appeals of the period the operator holds or closed (active or closed)"),
    closed: z.number().int().describe("Of those, closed"),
    active_now: z.number().int().describe("Of those, active now"),
    median_time_to_close_s: z
      .number()
      .nullable()
      .describe("Median seconds from assignment (to this operator) to close; null without a closed appeal"),
    median_first_response_s: z
      .number()
      .nullable()
      .describe(
        "Median seconds from assignment (to this operator) to its first message on the appeal; null without one",
      ),
  })
  .meta({ id: "OperatorStats" });

export type SourceDistributionDto = z.infer<typeof sourceDistributionSchema>;
export type SourceOperatorsDto = z.infer<typeof sourceOperatorsSchema>;
export type OperatorStatsDto = z.infer<typeof operatorStatsSchema>;
export type PeriodQuery = z.infer<typeof periodQuerySchema>;
