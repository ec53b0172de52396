// Builds the HTTP application: the same one for the server, the tests and the
// OpenAPI export. It never listens and never reads the environment.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import type { Deps } from "./deps.js";
import { answerClientError } from "./http/client-errors.js";
import { registerErrorHandlers, sendFrameworkError } from "./http/error-handler.js";
import { registerJsonBodyParser } from "./http/json-body.js";
import { requestIdFrom } from "./http/request-id.js";
import {
  DEFAULT_HTTP_OPTIONS,
  type HttpOptions,
  limitServerOptions,
  registerSecurity,
} from "./http/security.js";
import { registerSwagger } from "./http/swagger.js";
import { appealRoutes } from "./modules/appeals/appeal.routes.js";
import { auditRoutes } from "./modules/audit/audit.routes.js";
import { apiKeyRoutes } from "./modules/auth/api-key.routes.js";
import { type AuthSettings, registerAuth } from "./modules/auth/auth.plugin.js";
import { healthRoutes } from "./modules/health/health.routes.js";
import { leadRoutes } from "./modules/leads/lead.routes.js";
import { registerMetrics } from "./modules/metrics/metrics.routes.js";
import { operatorRoutes } from "./modules/operators/operator.routes.js";
import { sourceRoutes } from "./modules/sources/source.routes.js";
import { statsRoutes } from "./modules/stats/stats.routes.js";
import { webhookRoutes } from "./modules/webhooks/webhook.routes.js";

export type AppOptions = {
  deps: Deps;
  /** A pino logger; without one the app logs nothing (tests). */
  logger?: FastifyBaseLogger;
  /** Body limit, rate limit, request deadline, CORS; without it, limits that refuse nothing extra (tests). */
  http?: Partial<HttpOptions>;
  /**
   * AUTH mode and listening address (server.ts passes the configured ones, after prepareAuth).
   * Without it the app runs open (AUTH=off): tests and tools that never listen.
   */
  auth?: AuthSettings;
};

export async function buildApp({
  deps,
  logger,
  http: httpOptions,
  auth,
}: AppOptions): Promise<FastifyInstance> {
  const http = { ...DEFAULT_HTTP_OPTIONS, ...httpOptions };
  const app = Fastify({
    ...(logger ? { loggerInstance: logger } : { logger: false }),
    // maxParamLength: a 255-character external id, percent-encoded, fits in a path parameter.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1024 },
    genReqId: requestIdFrom,
    // Bad %-escapes and over-long paths are refused before routing: answer them as problem+json too.
    frameworkErrors: sendFrameworkError,
    // And what Node's HTTP parser refuses before Fastify sees a request (src/http/client-errors.ts).
    clientErrorHandler: answerClientError,
    ...limitServerOptions(http),
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook("onSend", (request, reply, payload, done) => {
    reply.header("x-request-id", request.id);
    done(null, payload);
  });
  registerErrorHandlers(app);
  registerJsonBodyParser(app);
  await registerSecurity(app, http);
  // Before any route, so its onRoute hook sees them all; after the shutdown refusal and CORS preflights.
  registerAuth(app, { ...(auth ?? { mode: "off", host: "127.0.0.1" }), apiKeys: deps.apiKeys });
  // Before any route too, so that the document lists them all, /metrics included.
  await registerSwagger(app);
  registerMetrics(app, deps.metrics);

  await app.register(healthRoutes, { database: deps.database });
  await app.register(operatorRoutes, { operators: deps.operators });
  await app.register(sourceRoutes, { sources: deps.sources });
  await app.register(appealRoutes, { appeals: deps.appeals });
  await app.register(leadRoutes, { leads: deps.leads });
  await app.register(statsRoutes, { stats: deps.stats });
  await app.register(auditRoutes, { audit: deps.audit });
  await app.register(apiKeyRoutes, { apiKeys: deps.apiKeys });
  await app.register(webhookRoutes, { webhooks: deps.webhooks });
  return app;
}
