// Tasks: create one for an operator (by default the operator of the lead's active appeal),
// list, read and change them; an operator key sees and changes only its own.
import { NotFoundError, ValidationError } from "../../core/errors.js";
import { keysetPage, type Page } from "../../core/page.js";
import type { Clock } from "../../core/ports.js";
import { toTaskDto } from "./task.dto.js";
import type { NewTask, TaskRepository, TaskScope } from "./task.repository.js";
import type { CreateTaskInput, ListTasksQuery, TaskDto, UpdateTaskInput } from "./task.schemas.js";

export class TaskService {
  constructor(
    private readonly tasks: TaskRepository,
    private readonly clock: Clock,
  ) {}

  async create(input: CreateTaskInput, actor: string, scope: TaskScope): Promise<TaskDto> {
    const appeal = input.appeal_id === undefined ? null : await this.requireAppeal(input.appeal_id, scope);
    let leadId = await this.resolveLead(input, scope);
    if (appeal && leadId !== null && appeal.leadId !== leadId) {
      const field = input.lead_id !== undefined ? "lead_id" : "lead_external_id";
      throw new ValidationError(`Invalid body: appeal_id: appeal ${appeal.id} is not the lead's.`, [
        { path: "appeal_id", message: `is not an appeal of the lead given in ${field}` },
      ]);
    }
    leadId ??= appeal?.leadId ?? null;
    const task: NewTask = {
      title: input.title,
      description: input.description ?? null,
      leadId,
      appealId: appeal?.id ?? null,
      operatorId: await this.chooseOperator(input.operator_id, appeal, leadId, scope),
      dueAt: input.due_at === undefined ? null : new Date(input.due_at),
    };
    const now = this.clock.now();
    return toTaskDto(await this.tasks.create(task, actor, now), now);
  }

  async list(query: ListTasksQuery, operatorScope: number | null): Promise<Page<TaskDto>> {
    // An operator key's list holds its own tasks only: another operator_id filter finds none.
    if (operatorScope !== null && query.operator_id !== undefined && query.operator_id !== operatorScope) {
      return { items: [], next_cursor: null };
    }
    const rows = await this.tasks.list(
      {
        operatorId: operatorScope ?? query.operator_id,
        leadId: query.lead_id,
        status: query.status,
        dueBefore: query.due_before === undefined ? undefined : new Date(query.due_before),
      },
      { limit: query.limit + 1, beforeId: query.cursor },
    );
    const now = this.clock.now();
    return keysetPage(rows, query.limit, (row) => toTaskDto(row, now));
  }

  async get(id: number, operatorScope: number | null): Promise<TaskDto> {
    const task = await this.tasks.findById(id, operatorScope);
    if (!task) throw taskNotFound(id);
    return toTaskDto(task, this.clock.now());
  }

  async update(
    id: number,
    input: UpdateTaskInput,
    actor: string,
    operatorScope: number | null,
  ): Promise<TaskDto> {
    if (input.operator_id !== undefined && input.operator_id !== null) {
      await this.requireOperator(input.operator_id, operatorScope);
    } else if (input.operator_id === null && operatorScope !== null) {
      // An operator key keeps its tasks: giving one to nobody is an admin's move.
      throw new NotFoundError("An operator key cannot give a task to nobody.", [
        { path: "operator_id", message: "an operator key may only give a task to its own operator" },
      ]);
    }
    const now = this.clock.now();
    const updated = await this.tasks.update(
      id,
      {
        ...(input.title !== undefined && { title: input.title }),
        ...(input.description !== undefined && { description: input.description }),
        ...(input.status !== undefined && { status: input.status }),
        ...(input.operator_id !== undefined && { operatorId: input.operator_id }),
        ...(input.due_at !== undefined && { dueAt: input.due_at === null ? null : new Date(input.due_at) }),
      },
      operatorScope,
      actor,
      now,
    );
    if (!updated) throw taskNotFound(id);
    return toTaskDto(updated, now);
  }

  /** Explicit operator_id, else the appeal's operator while it is active, else the lead's active appeal's. */
  private async chooseOperator(
    operatorId: number | undefined,
    appeal: { operatorId: number | null; status: string } | null,
    leadId: number | null,
    scope: TaskScope,
  ): Promise<number | null> {
    if (operatorId !== undefined) {
      await this.requireOperator(operatorId, scope.operatorId);
      return operatorId;
    }
    if (scope.operatorId !== null) return scope.operatorId; // an operator key's task is its own
    if (appeal?.status === "active" && appeal.operatorId !== null) return appeal.operatorId;
    return leadId === null ? null : this.tasks.findLeadOperator(leadId, scope);
  }

  private async resolveLead(input: CreateTaskInput, scope: TaskScope): Promise<number | null> {
    if (input.lead_id !== undefined) {
      const id = await this.tasks.findLeadId({ id: input.lead_id }, scope);
      if (id === null) throw missing("lead_id", `Lead ${input.lead_id} does not exist.`);
      return id;
    }
    if (input.lead_external_id !== undefined) {
      const id = await this.tasks.findLeadId({ externalId: input.lead_external_id }, scope);
      if (id === null)
        throw missing("lead_external_id", `No lead has external_id "${input.lead_external_id}".`);
      return id;
    }
    return null;
  }

  private async requireAppeal(id: number, scope: TaskScope) {
    const appeal = await this.tasks.findAppeal(id, scope);
    if (!appeal) throw missing("appeal_id", `Appeal ${id} does not exist.`);
    return appeal;
  }

  /** An operator key may name only its own operator: any other answers 404, as if it did not exist. */
  private async requireOperator(id: number, operatorScope: number | null): Promise<void> {
    const allowed = operatorScope === null || operatorScope === id;
    if (!allowed || !(await this.tasks.operatorAssignable(id))) {
      throw missing("operator_id", `Operator ${id} does not exist or is archived.`);
    }
  }
}

function missing(path: string, detail: string): NotFoundError {
  return new NotFoundError(detail, [{ path, message: "not found" }]);
}

function taskNotFound(id: number): NotFoundError {
  return new NotFoundError(`Task ${id} does not exist.`);
}
