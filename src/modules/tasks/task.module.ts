import { defineModule } from "../module.js";
import { TaskRepository } from "./task.repository.js";
import { taskRoutes } from "./task.routes.js";
import { TaskService } from "./task.service.js";

export const tasksModule = defineModule({
  name: "tasks",
  tag: { name: "tasks", description: "Follow-ups for operators: created by admins, bots and operator keys" },
  services: ({ database, auditRepository, clock }) => ({
    tasks: new TaskService(new TaskRepository(database.prisma, auditRepository), clock),
  }),
  routes: async (app, { tasks }: { tasks: TaskService }) => {
    await app.register(taskRoutes, { tasks });
  },
  eventTypes: ["task.created", "task.updated"],
});
