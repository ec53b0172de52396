import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { idParamsSchema } from "../../http/common.schemas.js";
import { problemResponses } from "../../http/problem.schema.js";
import { ACCESS } from "../auth/access.js";
import { sourceDistributionSchema, sourceOperatorsSchema } from "./stats.schemas.js";
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
        response: {
          200: z
            .array(sourceDistributionSchema)
            .describe("One entry per source, sources without appeals too"),
          ...problemResponses(),
        },
      },
    },
    async () => stats.distribution(),
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
