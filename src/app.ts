// Builds the HTTP application: the same one for the server, the tests and the
// OpenAPI export. It never listens and never reads the environment.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import type { Deps } from "./deps.js";
import { registerErrorHandlers } from "./http/error-handler.js";
import { requestIdFrom } from "./http/request-id.js";
import { registerSwagger } from "./http/swagger.js";
import { appealRoutes } from "./modules/appeals/appeal.routes.js";
import { healthRoutes } from "./modules/health/health.routes.js";
import { leadRoutes } from "./modules/leads/lead.routes.js";
import { operatorRoutes } from "./modules/operators/operator.routes.js";
import { sourceRoutes } from "./modules/sources/source.routes.js";
import { statsRoutes } from "./modules/stats/stats.routes.js";

export type AppOptions = {
  deps: Deps;
  /** A pino logger; without one the app logs nothing (tests). */
  logger?: FastifyBaseLogger;
};

export async function buildApp({ deps, logger }: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(logger ? { loggerInstance: logger } : { logger: false }),
    // maxParamLength: a 255-character external id, percent-encoded, fits in a path parameter.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1024 },
    genReqId: requestIdFrom,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook("onSend", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });
  registerErrorHandlers(app);
  await registerSwagger(app);

  await app.register(healthRoutes, { database: deps.database });
  await app.register(operatorRoutes, { operators: deps.operators });
  await app.register(sourceRoutes, { sources: deps.sources });
  await app.register(appealRoutes, { appeals: deps.appeals });
  await app.register(leadRoutes, { leads: deps.leads });
  await app.register(statsRoutes, { stats: deps.stats });
  return app;
}
