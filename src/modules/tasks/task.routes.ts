import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { idParamsSchema } from "../../http/common.schemas.js";
import { problemResponses } from "../../http/problem.schema.js";
import { ACCESS } from "../auth/access.js";
import { actorOf, operatorScopeOf, sourceScopeOf } from "../auth/principal.js";
import {
  createTaskBodySchema,
  listTasksQuerySchema,
  taskPageSchema,
  taskSchema,
  updateTaskBodySchema,
} from "./task.schemas.js";
import type { TaskService } from "./task.service.js";

export const taskRoutes: FastifyPluginAsyncZod<{ tasks: TaskService }> = async (app, { tasks }) => {
  app.post(
    "/tasks",
    {
      config: { access: ACCESS.createTask },
      schema: {
        operationId: "createTask",
        tags: ["tasks"],
        summary: "Create a task",
        description:
          "Without operator_id the task goes to the operator of the appeal_id sent when that appeal is active, " +
          "else to the operator of the lead's newest active appeal, else to nobody (operator null). An operator " +
          "key's task is its own (another operator_id is a 404). appeal_id without a lead sets the lead to the " +
          "appeal's; an appeal of another lead is a 400. An unknown (or, for a scoped key, unseen) lead, appeal " +
          "or operator, or an archived operator, is a 404 naming the field, as unknown references are elsewhere.",
        body: createTaskBodySchema,
        response: { 201: taskSchema.describe("The task created"), ...problemResponses(404) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(
        await tasks.create(request.body, actorOf(request), {
          operatorId: operatorScopeOf(request),
          sourceIds: sourceScopeOf(request),
        }),
      ),
  );

  app.get(
    "/tasks",
    {
      config: { access: ACCESS.readTasks },
      schema: {
        operationId: "listTasks",
        tags: ["tasks"],
        summary: "List tasks, newest first, with filters",
        description: "An operator key lists its own tasks only.",
        querystring: listTasksQuerySchema,
        response: { 200: taskPageSchema.describe("A page of tasks"), ...problemResponses() },
      },
    },
    async (request) => tasks.list(request.query, operatorScopeOf(request)),
  );

  app.get(
    "/tasks/:id",
    {
      config: { access: ACCESS.readTasks },
      schema: {
        operationId: "getTask",
        tags: ["tasks"],
        summary: "Get a task",
        description: "An operator key reads its own tasks only; another operator's is a 404.",
        params: idParamsSchema,
        response: { 200: taskSchema.describe("The task"), ...problemResponses(404) },
      },
    },
    async (request) => tasks.get(request.params.id, operatorScopeOf(request)),
  );

  app.patch(
    "/tasks/:id",
    {
      config: { access: ACCESS.updateTask },
      schema: {
        operationId: "updateTask",
        tags: ["tasks"],
        summary: "Change a task",
        description:
          "status done sets completed_at; leaving done (open again, or cancelled) clears it. An operator key " +
          "changes its own tasks only (another operator's is a 404) and cannot give one away (404 on operator_id).",
        params: idParamsSchema,
        body: updateTaskBodySchema,
        response: { 200: taskSchema.describe("The task as changed"), ...problemResponses(404) },
      },
    },
    async (request) =>
      tasks.update(request.params.id, request.body, actorOf(request), operatorScopeOf(request)),
  );
};
