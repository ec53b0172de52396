// GET /metrics (Prometheus text format) and the hook that counts and times every answer.
import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import { z } from "zod";
import type { Metrics } from "./metrics.js";

/** Registers on the root instance (app.ts), so the hook sees every route, 404s included. */
export function registerRequestMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook("onResponse", (request, reply, done) => {
    metrics.requestServed(
      request.method,
      // The pattern ("/appeals/:id"), so the label set stays bounded whatever URLs clients send.
      request.routeOptions.url ?? "unmatched",
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });
}

export const metricsRoutes: FastifyPluginAsync<{ metrics: Metrics }> = async (app, { metrics }) => {
  app.get(
    "/metrics",
    {
      config: { access: ["admin", "viewer"] },
      schema: {
        operationId: "getMetrics",
        tags: ["service"],
        summary: "Prometheus metrics (text exposition format)",
        description:
          "Counters and histograms of this instance (requests by route pattern and status, appeals created and " +
          "assigned), the pending queue's depth, the database pool, and the process (CPU, memory, event loop lag).",
        response: {
          200: {
            description: "The metrics in the Prometheus text exposition format 0.0.4",
            content: {
              "text/plain": {
                schema: z.string().meta({
                  examples: ["# TYPE appeals_pending gauge\nappeals_pending 3\n"],
                }),
              },
            },
          },
        },
      },
    },
    async (_request, reply) => {
      const body = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(body);
    },
  );
};
