// Answers of routes that need an API key carry lead data or say something about the
// caller's key: no browser, proxy or CDN may keep them. Public routes (probes, docs)
// stay cacheable. Set in onRequest, so 401, 403 and every error answer carry it too.
import type { FastifyInstance } from "fastify";

export function registerNoStore(app: FastifyInstance): void {
  app.addHook("onRequest", (request, reply, done) => {
    // A route without a rule is admin-only (auth.plugin.ts), so it counts as protected;
    // an unknown route (is404) answers nothing but its own name.
    if (!request.is404 && request.routeOptions.config.access !== "public") {
      reply.header("cache-control", "no-store");
    }
    done();
  });
}
