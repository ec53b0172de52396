import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { idParamsSchema } from "../../http/common.schemas.js";
import { problemResponses } from "../../http/problem.schema.js";
import { ACCESS } from "../auth/access.js";
import {
  operatorStatsSchema,
  periodQuerySchema,
  sourceDistributionSchema,
  sourceOperatorsSchema,
} from "./stats.schemas.js";
import type { StatsService } from "./stats.service.js";

export const statsRoutes: FastifyPluginAsyncZod<{ stats: StatsService }> = async (app, { stats }) => {
  app.get(
    "/stats/distribution",
    {
      config: { access: ACCESS.read },
      schema: {
        operationId: "getDistributionStats",
        tags: ["stats"],
        summary: "How each source's appeals were distributed, next to the configured weights",
        description: "With from and/or to, over the appeals created in [from, to) only.",
        querystring: periodQuerySchema,
        response: {
          200: z
            .array(sourceDistributionSchema)
            .describe("One entry per source, sources without appeals too"),
          ...problemResponses(),
        },
      },
    },
    async (request) => stats.distribution(request.query),
  );

  app.get(
    "/stats/operators",
    {
      config: { access: ACCESS.read },
      schema: {
        operationId: "getOperatorStats",
        tags: ["stats"],
        summary: "Per operator: appeals assigned, closed, active now, median time to close",
        description:
          "Over the appeals created in [from, to) (every appeal without them), per operator, archived ones too. " +
          "assigned counts the appeals an operator holds or closed (a transferred appeal counts for its last operator).",
        querystring: periodQuerySchema,
        response: {
          200: z.array(operatorStatsSchema).describe("One entry per operator"),
          ...problemResponses(),
        },
      },
    },
    async (request) => stats.operators(request.query),
  );

  app.get(
    "/stats/sources/:id/operators",
    {
      config: { access: ACCESS.read },
      schema: {
        operationId: "getSourceOperatorStats",
        tags: ["stats"],
        summary: "The operators weighted for a source, with their load and availability now",
        params: idParamsSchema,
        response: { 200: sourceOperatorsSchema.describe("The source's operators"), ...problemResponses(404) },
      },
    },
    async (request) => stats.sourceOperators(request.params.id),
  );
};
