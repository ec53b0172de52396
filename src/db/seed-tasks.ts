// npm run db:seed: the follow-ups. Bots that detected interest give tasks to the operator of the
// lead's active appeal (some already done, some overdue), operators note tasks for themselves,
// and a few are nobody's: a pending lead's callback, the team's chores. Through TaskService.
import { faker } from "@faker-js/faker";
import type { Deps } from "../deps.js";
import { listAppealsQuerySchema } from "../modules/appeals/appeal.schemas.js";
import type { TaskDto } from "../modules/tasks/task.schemas.js";
import { createTaskBodySchema, updateTaskBodySchema } from "../modules/tasks/task.schemas.js";
import { interestTask, operatorTask, teamTasks } from "./seed-dialogue.js";

export type TaskTally = { total: number; done: number; overdue: number; nobody: number };

const ACTOR = "seed";
const EVERYWHERE = { operatorId: null, sourceIds: null };
const HOUR_MS = 3_600_000;

/** `hours` from now (negative: in the past), as a due_at. */
const dueIn = (hours: number) => new Date(Date.now() + hours * HOUR_MS).toISOString();

export async function seedTasks(deps: Deps): Promise<TaskTally> {
  const tasks: TaskDto[] = [];
  const create = async (body: object) => {
    tasks.push(await deps.tasks.create(createTaskBodySchema.parse(body), ACTOR, EVERYWHERE));
  };
  const appeals = async (status: "active" | "pending") =>
    (await deps.appeals.list(listAppealsQuerySchema.parse({ status, limit: "500" }))).items;

  // A bot saw interest: the task goes to the appeal's operator. A third are late already.
  const active = await appeals("active");
  for (const appeal of faker.helpers.arrayElements(active, Math.min(12, active.length))) {
    const late = faker.datatype.boolean(0.35);
    await create({
      title: interestTask(),
      appeal_id: appeal.id,
      due_at: dueIn(late ? -faker.number.int({ min: 1, max: 30 }) : faker.number.int({ min: 2, max: 72 })),
    });
  }
  // Operators' notes to themselves.
  for (const appeal of faker.helpers.arrayElements(active, Math.min(4, active.length))) {
    await create({
      title: operatorTask(),
      description: `About appeal ${appeal.id}`,
      lead_id: appeal.lead_id,
      operator_id: appeal.operator?.id,
      due_at: dueIn(faker.number.int({ min: 4, max: 96 })),
    });
  }
  // A pending lead's callback: nobody holds the appeal yet, so nobody (or the operator of
  // another active appeal of that lead) gets it. And the team's own chores, nobody's.
  for (const appeal of (await appeals("pending")).slice(0, 2)) {
    await create({ title: "Call back as soon as someone is free", appeal_id: appeal.id });
  }
  for (const title of teamTasks) await create({ title });

  // Some are done already (never an overdue one: those stay late, for the demo).
  const onTime = tasks.filter((task) => !task.overdue && task.operator !== null);
  for (const task of faker.helpers.arrayElements(onTime, Math.min(4, onTime.length))) {
    const done = await deps.tasks.update(
      task.id,
      updateTaskBodySchema.parse({ status: "done" }),
      ACTOR,
      null,
    );
    tasks.splice(tasks.indexOf(task), 1, done);
  }
  return {
    total: tasks.length,
    done: tasks.filter((task) => task.status === "done").length,
    overdue: tasks.filter((task) => task.overdue).length,
    nobody: tasks.filter((task) => task.operator === null).length,
  };
}
