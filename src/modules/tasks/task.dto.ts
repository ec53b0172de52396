// The Task as the API shows it: the routes' answers and the data of its events.
import type { Operator, Task } from "../../generated/prisma/client.js";
import type { TaskDto } from "./task.schemas.js";

export type TaskRecord = Task & { operator: Pick<Operator, "id" | "name"> | null };

/** `now` decides `overdue`: the module's clock, so a test sets the time. */
export function toTaskDto(task: TaskRecord, now: Date): TaskDto {
  return {
    id: task.id,
    title: task.title,
    description: task.description,
    status: task.status,
    lead_id: task.leadId,
    appeal_id: task.appealId,
    operator: task.operator ? { id: task.operator.id, name: task.operator.name } : null,
    due_at: task.dueAt?.toISOString() ?? null,
    created_at: task.createdAt.toISOString(),
    updated_at: task.updatedAt.toISOString(),
    completed_at: task.completedAt?.toISOString() ?? null,
    overdue: task.status === "open" && task.dueAt !== null && task.dueAt.getTime() < now.getTime(),
  };
}
