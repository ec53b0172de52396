import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { idParamsSchema } from "../../http/common.schemas.js";
import { problemResponses } from "../../http/problem.schema.js";
import { ACCESS } from "../auth/access.js";
import { actorOf, operatorScopeOf, sourceScopeOf } from "../auth/principal.js";
import {
  appealCreatedSchema,
  appealPageSchema,
  appealSchema,
  createAppealBodySchema,
  idempotencyHeadersSchema,
  listAppealsQuerySchema,
  transferAppealBodySchema,
} from "./appeal.schemas.js";
import type { AppealService } from "./appeal.service.js";

export const appealRoutes: FastifyPluginAsyncZod<{ appeals: AppealService }> = async (app, { appeals }) => {
  app.post(
    "/appeals",
    {
      config: { access: ACCESS.intake },
      schema: {
        operationId: "createAppeal",
        tags: ["appeals"],
        summary: "Register an appeal and assign it to an operator",
        description:
          "Finds or creates the lead by lead_external_id (updating its name, phone and email with the non-empty " +
          "values sent) and assigns the appeal to an operator of the source chosen at random in proportion to the " +
          "weights, among the active ones below their max_load. When none can take it the appeal is stored as " +
          "pending (still 201) and assigned, oldest first, as soon as capacity appears. An unknown source_id is a " +
          "404 and stores nothing. With an Idempotency-Key header a retry gets the same appeal back (as it is now) " +
          "with the same 201 and the header Idempotency-Replayed: true; the same key with a different body is a 422.",
        headers: idempotencyHeadersSchema,
        body: createAppealBodySchema,
        response: {
          201: appealCreatedSchema.describe("The appeal stored (or, for a replay, the first answer again)"),
          ...problemResponses(404, 422),
        },
      },
    },
    async (request, reply) => {
      const { appeal, replayed } = await appeals.create(
        request.body,
        actorOf(request),
        request.headers["idempotency-key"],
        {
          // Idempotency keys belong to the API key that sent them (API.md); one scope in open mode.
          idempotencyScope: request.principal?.keyId ?? 0,
          sources: sourceScopeOf(request),
        },
      );
      if (replayed) reply.header("idempotency-replayed", "true");
      // A replay is the first answer again, status included; the header tells it apart.
      return reply.code(201).send(appeal);
    },
  );

  app.get(
    "/appeals",
    {
      config: { access: ACCESS.listAppeals },
      schema: {
        operationId: "listAppeals",
        tags: ["appeals"],
        summary: "List appeals, newest first, with filters",
        description: "An operator key lists its own appeals only.",
        querystring: listAppealsQuerySchema,
        response: { 200: appealPageSchema.describe("A page of appeals"), ...problemResponses() },
      },
    },
    async (request) => appeals.list(request.query, sourceScopeOf(request), operatorScopeOf(request)),
  );

  app.get(
    "/appeals/:id",
    {
      config: { access: ACCESS.readAppeal },
      schema: {
        operationId: "getAppeal",
        tags: ["appeals"],
        summary: "Get an appeal",
        description: "An operator key reads its own appeals only; another operator's is a 404.",
        params: idParamsSchema,
        response: { 200: appealSchema.describe("The appeal"), ...problemResponses(404) },
      },
    },
    async (request) => appeals.get(request.params.id, sourceScopeOf(request), operatorScopeOf(request)),
  );

  app.patch(
    "/appeals/:id/close",
    {
      config: { access: ACCESS.moveAppeal },
      schema: {
        operationId: "closeAppeal",
        tags: ["appeals"],
        summary: "Close an appeal",
        description:
          "Frees the operator's slot: the oldest pending appeal that operator can take is assigned at once. " +
          "Closing a closed appeal is a 200 that changes nothing. An operator key closes its own appeals " +
          "only; another operator's is a 404, as a missing one, and nothing is written.",
        params: idParamsSchema,
        response: { 200: appealSchema.describe("The appeal, closed"), ...problemResponses(404) },
      },
    },
    async (request) => appeals.close(request.params.id, actorOf(request), operatorScopeOf(request)),
  );

  app.patch(
    "/appeals/:id/assign",
    {
      config: { access: ACCESS.moveAppeal },
      schema: {
        operationId: "transferAppeal",
        tags: ["appeals"],
        summary: "Transfer an active or pending appeal to an operator",
        description:
          "Without force the operator must be active, have a weight for the appeal's source and be below its " +
          "max_load, else 409 no_capacity naming it and why; force skips those checks. An archived operator is " +
          "refused either way, a closed appeal is a 409 (reopen it first), and the operator that has it already " +
          "is a 200 that changes nothing. The old operator's freed slot goes to the oldest pending appeal it can take. " +
          "An operator key transfers its own appeals only (another operator's is a 404, as a missing one) and " +
          "without force: force: true from an operator key is a 403 naming force, whatever the appeal. The " +
          "answer shows the appeal with its new operator; after that it is no longer the key's (a 404 to it).",
        params: idParamsSchema,
        body: transferAppealBodySchema,
        response: {
          200: appealSchema.describe("The appeal with its new operator"),
          ...problemResponses(404, 409),
        },
      },
    },
    async (request) =>
      appeals.transfer(request.params.id, request.body, actorOf(request), operatorScopeOf(request)),
  );

  app.patch(
    "/appeals/:id/reopen",
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: "reopenAppeal",
        tags: ["appeals"],
        summary: "Reopen a closed appeal",
        description:
          "The appeal goes back through distribution as an intake does: active with an operator chosen by the " +
          "weights, or pending. Reopening an appeal that is not closed is a 200 that changes nothing.",
        params: idParamsSchema,
        response: {
          200: appealSchema.describe("The appeal, active or pending again"),
          ...problemResponses(404),
        },
      },
    },
    async (request) => appeals.reopen(request.params.id, actorOf(request)),
  );
};
