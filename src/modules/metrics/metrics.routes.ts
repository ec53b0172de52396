// GET /metrics (Prometheus text format) and the hook that counts and times every answer.
import type { FastifyInstance } from "fastify";
import type { Metrics } from "./metrics.js";

/** Registers on the root instance, so the hook sees every route, 404s included. */
export function registerMetrics(app: FastifyInstance, metrics: Metrics): void {
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

  app.get(
    "/metrics",
    {
      config: { access: ["admin", "viewer"] },
      schema: {
        // Kept out of the OpenAPI document: a text/plain scrape target, not part of the JSON API.
        hide: true,
        tags: ["service"],
        summary: "Prometheus metrics (text exposition format)",
      },
    },
    async (_request, reply) => {
      const body = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(body);
    },
  );
}
