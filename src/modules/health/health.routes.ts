import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { withTimeout } from "../../core/with-timeout.js";
import type { Database } from "../../db/prisma.js";
import { sendProblem } from "../../http/error-handler.js";
import { problemResponse } from "../../http/problem.schema.js";
import { ACCESS } from "../auth/access.js";

const READY_TIMEOUT_MS = 2_000;

export const healthRoutes: FastifyPluginAsyncZod<{ database: Pick<Database, "pool"> }> = async (
  app,
  { database },
) => {
  app.get(
    "/health",
    {
      config: { access: ACCESS.public },
      schema: {
        operationId: "getHealth",
        tags: ["service"],
        summary: "Liveness: 200 while the process runs",
        response: { 200: z.object({ status: z.literal("ok") }).describe("The process runs") },
      },
    },
    async () => ({ status: "ok" as const }),
  );

  app.get(
    "/ready",
    {
      config: { access: ACCESS.public },
      schema: {
        operationId: "getReadiness",
        tags: ["service"],
        summary: "Readiness: 200 when the database answers, 503 otherwise",
        response: {
          200: z.object({ status: z.literal("ready") }).describe("The database answers"),
          503: problemResponse("The database does not answer within 2 seconds (code unavailable)."),
        },
      },
    },
    async (request, reply) => {
      try {
        await withTimeout(database.pool.query("SELECT 1"), READY_TIMEOUT_MS);
        return { status: "ready" as const };
      } catch (error) {
        request.log.warn({ err: error }, "readiness check failed");
        return sendProblem(reply, request, {
          title: "Service unavailable",
          status: 503,
          code: "unavailable",
          detail: "The database does not answer.",
        });
      }
    },
  );
};
