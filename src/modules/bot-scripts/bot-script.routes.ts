import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { idParamsSchema } from "../../http/common.schemas.js";
import { problemResponses } from "../../http/problem.schema.js";
import { ACCESS } from "../auth/access.js";
import { actorOf, sourceScopeOf } from "../auth/principal.js";
import {
  botScriptPageSchema,
  botScriptSchema,
  botScriptVersionPageSchema,
  createBotScriptBodySchema,
  listBotScriptsQuerySchema,
  listBotScriptVersionsQuerySchema,
  updateBotScriptBodySchema,
} from "./bot-script.schemas.js";
import type { BotScriptService } from "./bot-script.service.js";

const BOT_READS =
  "Intake keys (bots) may read the script they follow: a key with source_ids only the scripts its " +
  "sources name now, any other answers the 404 of a missing one.";

export const botScriptRoutes: FastifyPluginAsyncZod<{ botScripts: BotScriptService }> = async (
  app,
  { botScripts },
) => {
  app.post(
    "/bot-scripts",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "createBotScript",
        tags: ["bot-scripts"],
        summary: "Create a bot script (its version 1)",
        description: "A name another script has (compared case-insensitively) is a 409.",
        body: createBotScriptBodySchema,
        response: { 201: botScriptSchema.describe("The script created"), ...problemResponses(409) },
      },
    },
    async (request, reply) => reply.code(201).send(await botScripts.create(request.body, actorOf(request))),
  );

  app.get(
    "/bot-scripts",
    {
      config: { access: ACCESS.read },
      schema: {
        operationId: "listBotScripts",
        tags: ["bot-scripts"],
        summary: "List bot scripts, oldest first, each with its current version",
        querystring: listBotScriptsQuerySchema,
        response: { 200: botScriptPageSchema.describe("A page of scripts"), ...problemResponses() },
      },
    },
    async (request) => botScripts.list(request.query),
  );

  app.get(
    "/bot-scripts/:id",
    {
      config: { access: ACCESS.readBotScript },
      schema: {
        operationId: "getBotScript",
        tags: ["bot-scripts"],
        summary: "Get a bot script: its current version and content",
        description: BOT_READS,
        params: idParamsSchema,
        response: { 200: botScriptSchema.describe("The script"), ...problemResponses(404) },
      },
    },
    async (request) => botScripts.get(request.params.id, sourceScopeOf(request)),
  );

  app.patch(
    "/bot-scripts/:id",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "updateBotScript",
        tags: ["bot-scripts"],
        summary: "Rename a bot script or change its content",
        description:
          "A content other than the current one becomes the next version, which the sources naming the " +
          "script record in their appeals from then on; the same content again, or a name alone, makes no " +
          "version. Earlier versions stay as they were (GET /bot-scripts/{id}/versions).",
        params: idParamsSchema,
        body: updateBotScriptBodySchema,
        response: { 200: botScriptSchema.describe("The script as changed"), ...problemResponses(404, 409) },
      },
    },
    async (request) => botScripts.update(request.params.id, request.body, actorOf(request)),
  );

  app.get(
    "/bot-scripts/:id/versions",
    {
      config: { access: ACCESS.readBotScript },
      schema: {
        operationId: "listBotScriptVersions",
        tags: ["bot-scripts"],
        summary: "A bot script's versions, oldest first, each with its content",
        description: `The cursor is a version number. ${BOT_READS}`,
        params: idParamsSchema,
        querystring: listBotScriptVersionsQuerySchema,
        response: {
          200: botScriptVersionPageSchema.describe("A page of versions"),
          ...problemResponses(404),
        },
      },
    },
    async (request) => botScripts.listVersions(request.params.id, request.query, sourceScopeOf(request)),
  );
};
