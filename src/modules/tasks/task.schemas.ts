// The tasks' contract (API.md "Tasks"): follow-ups for operators, created by admins,
// operator keys (for themselves) and bots (for the operator of the lead's active appeal).
import { z } from "zod";
import {
  bodyIdSchema,
  idSchema,
  pageSchema,
  paginationQuery,
  queryIdSchema,
  timestampSchema,
  withoutNul,
} from "../../http/common.schemas.js";
import { withVisibleCharacter } from "../../http/visible-text.js";

export const taskStatusSchema = z
  .enum(["open", "done", "cancelled"])
  .describe("open: to do; done: completed (completed_at set); cancelled: dropped");

const title = withVisibleCharacter(withoutNul(z.string().trim().min(1).max(500)))
  .describe("What to do, 1..500 characters")
  .meta({ examples: ["Call back about the Sunday delivery"] });
const description = withoutNul(z.string().max(10_000)).describe("Details, up to 10000 characters");
const dueAt = timestampSchema.describe("When it should be done, with an explicit offset");

export const taskSchema = z
  .object({
    id: idSchema,
    title: z.string(),
    description: z.string().nullable(),
    status: taskStatusSchema,
    lead_id: idSchema.nullable(),
    appeal_id: idSchema.nullable(),
    operator: z
      .object({ id: idSchema, name: z.string().meta({ examples: ["Anna Petrova"] }) })
      .nullable()
      .describe("Whose task it is; null for nobody's"),
    due_at: timestampSchema.nullable(),
    created_at: timestampSchema,
    updated_at: timestampSchema,
    completed_at: timestampSchema.nullable().describe("When the status became done; null otherwise"),
    overdue: z.boolean().describe("An open task whose due_at has passed"),
  })
  .meta({ id: "Task" });

export const createTaskBodySchema = z
  .strictObject({
    title,
    description: description.optional(),
    lead_id: bodyIdSchema.optional().describe("The lead it is about (or lead_external_id, not both)"),
    lead_external_id: withoutNul(z.string().trim().min(1).max(255))
      .optional()
      .describe("The lead by its id in the bot or messenger (or lead_id, not both)")
      .meta({ examples: ["tg_user_123"] }),
    appeal_id: bodyIdSchema
      .optional()
      .describe("The appeal it is about; must be the lead's when both are sent"),
    operator_id: bodyIdSchema
      .optional()
      .describe("Whose task; without it, the operator of the lead's active appeal (the newest), else nobody"),
    due_at: dueAt.optional(),
  })
  .superRefine((body, ctx) => {
    if (body.lead_id !== undefined && body.lead_external_id !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["lead_external_id"],
        message: "send lead_id or lead_external_id, not both",
      });
    }
  })
  .meta({ id: "CreateTask" });

export const updateTaskBodySchema = z
  .strictObject({
    title: title.optional(),
    description: description.nullable().optional(),
    status: taskStatusSchema.optional(),
    operator_id: bodyIdSchema.nullable().optional().describe("The new operator; null for nobody"),
    due_at: dueAt.nullable().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, {
    message: "send at least one of title, description, status, operator_id, due_at",
    when: (payload) => payload.issues.length === 0,
  })
  .meta({ id: "UpdateTask" });

export const listTasksQuerySchema = z.strictObject({
  operator_id: queryIdSchema.optional().describe("Only this operator's tasks"),
  lead_id: queryIdSchema.optional().describe("Only this lead's tasks"),
  status: taskStatusSchema.optional(),
  due_before: timestampSchema.optional().describe("Only tasks due before this moment (exclusive)"),
  ...paginationQuery,
});

export const taskPageSchema = pageSchema(taskSchema, "TaskPage");

export type TaskDto = z.infer<typeof taskSchema>;
export type CreateTaskInput = z.infer<typeof createTaskBodySchema>;
export type UpdateTaskInput = z.infer<typeof updateTaskBodySchema>;
export type ListTasksQuery = z.infer<typeof listTasksQuerySchema>;
