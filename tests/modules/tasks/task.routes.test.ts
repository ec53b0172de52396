import { describe, expect, it } from "vitest";
import { createAppeal, createOperator, createSource, setWeights, unique } from "../../helpers/factories.js";
import { useTestApp } from "../../helpers/test-app.js";
import { expectProblem, expectValidationError } from "../../http/problem-assertions.js";

type Task = {
  id: number;
  title: string;
  description: string | null;
  status: "open" | "done" | "cancelled";
  lead_id: number | null;
  appeal_id: number | null;
  operator: { id: number; name: string } | null;
  due_at: string | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
  overdue: boolean;
};
type Page = { items: Task[]; next_cursor: string | null };

/** The tests' clock: tasks decide `overdue` and `completed_at` by it. */
const clock = { at: new Date("2026-12-01T12:00:00.000Z") };

describe("tasks", () => {
  const t = useTestApp({ clock: { now: () => clock.at } });

  const post = (payload: unknown) =>
    t.app.inject({ method: "POST", url: "/tasks", payload: payload as object });
  const patch = (id: number, payload: unknown) =>
    t.app.inject({ method: "PATCH", url: `/tasks/${id}`, payload: payload as object });
  const create = async (payload: object): Promise<Task> => {
    const response = await post(payload);
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as Task;
  };
  const get = async (id: number): Promise<Task> => {
    const response = await t.app.inject({ method: "GET", url: `/tasks/${id}` });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as Task;
  };
  const list = async (query: string): Promise<Page> => {
    const response = await t.app.inject({ method: "GET", url: `/tasks?${query}` });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as Page;
  };
  const countTasks = async () =>
    Number((await t.database.prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM tasks`)[0]?.n);
  const taskEvents = (id: number) =>
    t.database.prisma.event.findMany({
      where: { entityType: "task", entityId: id },
      orderBy: { id: "asc" },
      select: { type: true, actor: true, operatorId: true, data: true, details: true },
    });

  /** An operator that is the only one of a new source, and an active appeal of a new lead given to it. */
  async function operatorWithAppeal() {
    const operator = await createOperator(t.app);
    const source = await createSource(t.app);
    await setWeights(t.app, source.id, [{ operator_id: operator.id, weight: 1 }]);
    const externalId = unique("lead");
    const appeal = await createAppeal(t.app, { source_id: source.id, lead_external_id: externalId });
    expect(appeal.operator?.id).toBe(operator.id);
    return { operator, source, appeal, externalId };
  }

  describe("POST /tasks", () => {
    it("creates a task with every field, answers it as GET does, and records task.created", async () => {
      const { operator, appeal } = await operatorWithAppeal();
      const task = await create({
        title: "  Call back about delivery ",
        description: "Sunday, after 10",
        lead_id: appeal.lead_id,
        appeal_id: appeal.appeal_id,
        operator_id: operator.id,
        due_at: "2026-12-02T09:00:00+03:00",
      });
      expect(task).toEqual({
        id: expect.any(Number),
        title: "Call back about delivery",
        description: "Sunday, after 10",
        status: "open",
        lead_id: appeal.lead_id,
        appeal_id: appeal.appeal_id,
        operator: { id: operator.id, name: operator.name },
        due_at: "2026-12-02T06:00:00.000Z",
        created_at: clock.at.toISOString(),
        updated_at: clock.at.toISOString(),
        completed_at: null,
        overdue: false,
      });
      expect(await get(task.id)).toEqual(task);
      expect(await taskEvents(task.id)).toEqual([
        { type: "task.created", actor: "anonymous", operatorId: operator.id, data: task, details: {} },
      ]);
    });

    it("without operator_id goes to the operator of the lead's newest active appeal", async () => {
      const first = await operatorWithAppeal();
      // The same lead, a second appeal through another source given to another operator: the newest wins.
      const second = await createOperator(t.app);
      const source = await createSource(t.app);
      await setWeights(t.app, source.id, [{ operator_id: second.id, weight: 1 }]);
      const newer = await createAppeal(t.app, { source_id: source.id, lead_external_id: first.externalId });
      expect(newer.operator?.id).toBe(second.id);

      const byId = await create({ title: "Follow up", lead_id: first.appeal.lead_id });
      expect(byId).toMatchObject({
        lead_id: first.appeal.lead_id,
        appeal_id: null,
        operator: { id: second.id },
      });
      const byExternalId = await create({ title: "Follow up", lead_external_id: first.externalId });
      expect(byExternalId).toMatchObject({ lead_id: first.appeal.lead_id, operator: { id: second.id } });
      // Once the newer appeal is closed, the older active one's operator.
      const closed = await t.app.inject({ method: "PATCH", url: `/appeals/${newer.appeal_id}/close` });
      expect(closed.statusCode, closed.body).toBe(200);
      expect(await create({ title: "Follow up", lead_id: first.appeal.lead_id })).toMatchObject({
        operator: { id: first.operator.id, name: first.operator.name },
      });
    });

    it("with appeal_id only: the appeal's lead and, while it is active, its operator", async () => {
      const { operator, appeal } = await operatorWithAppeal();
      const task = await create({ title: "About this appeal", appeal_id: appeal.appeal_id });
      expect(task).toMatchObject({
        lead_id: appeal.lead_id,
        appeal_id: appeal.appeal_id,
        operator: { id: operator.id },
      });
    });

    it("goes to nobody when the lead has no active appeal, or no lead is named", async () => {
      const { appeal } = await operatorWithAppeal();
      await t.app.inject({ method: "PATCH", url: `/appeals/${appeal.appeal_id}/close` });
      expect(await create({ title: "Nobody's", lead_id: appeal.lead_id })).toMatchObject({
        lead_id: appeal.lead_id,
        operator: null,
      });
      expect(await create({ title: "Loose" })).toMatchObject({
        lead_id: null,
        appeal_id: null,
        operator: null,
        description: null,
        due_at: null,
      });
    });
  });

  describe("bad input: 400 (or 404 for unknown references) naming the field, nothing written", () => {
    it.each([
      ["an empty title", { title: "" }, "title"],
      ["a blank title", { title: "   " }, "title"],
      ["an over-long title", { title: "x".repeat(501) }, "title"],
      ["no title", {}, "title"],
      ["lead_id and lead_external_id", { title: "x", lead_id: 1, lead_external_id: "a" }, "lead_external_id"],
      ["due_at without an offset", { title: "x", due_at: "2026-12-02T09:00:00" }, "due_at"],
      ["an unknown field", { title: "x", priority: 1 }, "priority"],
      ["a null operator_id", { title: "x", operator_id: null }, "operator_id"],
    ])("%s", async (_, payload, field) => {
      const before = await countTasks();
      const response = await post(payload);
      const body = expectProblem(response, 400, "validation_failed");
      expect(body.errors?.map((error) => error.path)).toEqual([field]);
      expect(await countTasks()).toBe(before);
    });

    it("an unknown lead, appeal or operator is a 404 naming the field (as an unknown source_id is)", async () => {
      const before = await countTasks();
      const archived = await createOperator(t.app);
      const deleted = await t.app.inject({ method: "DELETE", url: `/operators/${archived.id}` });
      expect(deleted.statusCode, deleted.body).toBe(204);
      for (const [payload, field] of [
        [{ lead_id: 424242 }, "lead_id"],
        [{ lead_external_id: unique("nobody") }, "lead_external_id"],
        [{ appeal_id: 424242 }, "appeal_id"],
        [{ operator_id: 424242 }, "operator_id"],
        [{ operator_id: archived.id }, "operator_id"],
      ] as const) {
        const body = expectProblem(await post({ title: "x", ...payload }), 404, "not_found");
        expect(body.errors, JSON.stringify(payload)).toEqual([{ path: field, message: "not found" }]);
      }
      expect(await countTasks()).toBe(before);
    });

    it("an appeal of another lead is a 400 naming appeal_id", async () => {
      const one = await operatorWithAppeal();
      const other = await operatorWithAppeal();
      const before = await countTasks();
      expectValidationError(
        await post({ title: "x", lead_id: one.appeal.lead_id, appeal_id: other.appeal.appeal_id }),
        "appeal_id",
      );
      expect(await countTasks()).toBe(before);
    });

    it("PATCH: an unknown status, an empty body, a bad due_at, an unknown task", async () => {
      const task = await create({ title: "To change" });
      expectValidationError(await patch(task.id, { status: "later" }), "status");
      expectValidationError(await patch(task.id, {}), "(root)");
      expectValidationError(await patch(task.id, { due_at: "tomorrow" }), "due_at");
      expectValidationError(await patch(task.id, { title: "" }), "title");
      expectProblem(await patch(424242, { status: "done" }), 404, "not_found");
      expect(await get(task.id)).toEqual(task);
      expect((await taskEvents(task.id)).map((event) => event.type)).toEqual(["task.created"]);
    });
  });

  describe("PATCH /tasks/{id}", () => {
    it("done sets completed_at by the clock, reopening clears it; each change one task.updated event", async () => {
      const { operator } = await operatorWithAppeal();
      const task = await create({ title: "Send the offer", operator_id: operator.id });

      clock.at = new Date("2026-12-01T13:00:00.000Z");
      const done = await patch(task.id, { status: "done" });
      expect(done.statusCode, done.body).toBe(200);
      const doneTask = done.json() as Task;
      expect(doneTask).toEqual({
        ...task,
        status: "done",
        completed_at: "2026-12-01T13:00:00.000Z",
        updated_at: "2026-12-01T13:00:00.000Z",
      });
      expect(await get(task.id)).toEqual(doneTask);

      const reopened = (
        await patch(task.id, { status: "open", title: "Send the offer again" })
      ).json() as Task;
      expect(reopened).toMatchObject({ status: "open", completed_at: null, title: "Send the offer again" });

      const cancelled = (await patch(task.id, { status: "cancelled", due_at: null })).json() as Task;
      expect(cancelled).toMatchObject({ status: "cancelled", completed_at: null, due_at: null });

      const events = await taskEvents(task.id);
      expect(events.map(({ type, operatorId, details }) => ({ type, operatorId, details }))).toEqual([
        { type: "task.created", operatorId: operator.id, details: {} },
        {
          type: "task.updated",
          operatorId: operator.id,
          details: { before: { status: "open" }, after: { status: "done" } },
        },
        {
          type: "task.updated",
          operatorId: operator.id,
          details: {
            before: { title: "Send the offer", status: "done" },
            after: { title: "Send the offer again", status: "open" },
          },
        },
        {
          type: "task.updated",
          operatorId: operator.id,
          details: { before: { status: "open", due_at: null }, after: { status: "cancelled", due_at: null } },
        },
      ]);
      expect(events.map((event) => event.data)).toEqual([task, doneTask, reopened, cancelled]);
    });

    it("reassigns (the event then concerns the new operator) and gives to nobody", async () => {
      const a = await createOperator(t.app);
      const b = await createOperator(t.app);
      const task = await create({
        title: "Hand over",
        operator_id: a.id,
        due_at: "2026-12-05T10:00:00.000Z",
      });
      const moved = (await patch(task.id, { operator_id: b.id, description: "notes" })).json() as Task;
      expect(moved).toMatchObject({ operator: { id: b.id, name: b.name }, description: "notes" });
      const nobody = (await patch(task.id, { operator_id: null })).json() as Task;
      expect(nobody.operator).toBeNull();
      const [, first, second] = await taskEvents(task.id);
      expect(first).toMatchObject({
        operatorId: b.id,
        details: {
          before: { operator_id: a.id, description: null },
          after: { operator_id: b.id, description: "notes" },
        },
      });
      expect(second).toMatchObject({
        operatorId: null,
        details: { before: { operator_id: b.id }, after: { operator_id: null } },
      });
      expectProblem(await patch(task.id, { operator_id: 424242 }), 404, "not_found");
    });
  });

  describe("overdue", () => {
    it("is true for an open task whose due_at has passed by the clock, false once done", async () => {
      clock.at = new Date("2026-12-01T12:00:00.000Z");
      const task = await create({ title: "Due at noon thirty", due_at: "2026-12-01T12:30:00.000Z" });
      expect(task.overdue).toBe(false);
      clock.at = new Date("2026-12-01T12:30:00.000Z");
      expect((await get(task.id)).overdue).toBe(false); // due now is not yet late
      clock.at = new Date("2026-12-01T12:30:00.001Z");
      expect((await get(task.id)).overdue).toBe(true);
      expect((await patch(task.id, { status: "done" })).json()).toMatchObject({ overdue: false });
      clock.at = new Date("2026-12-01T12:00:00.000Z");
    });
  });

  describe("GET /tasks", () => {
    it("filters by operator, lead, status and due_before, newest first, in cursor pages", async () => {
      const { operator, appeal } = await operatorWithAppeal();
      const other = await createOperator(t.app);
      const made: Task[] = [];
      for (const [index, due] of ["2026-12-03T10:00:00.000Z", "2026-12-04T10:00:00.000Z", null].entries()) {
        made.push(
          await create({
            title: `Task ${index}`,
            lead_id: appeal.lead_id,
            ...(due !== null && { due_at: due }),
          }),
        );
      }
      const otherTask = await create({ title: "Other's", operator_id: other.id });
      await patch(made[1]?.id ?? 0, { status: "done" });
      const ids = (page: Page) => page.items.map((task) => task.id);
      const [t0, t1, t2] = made.map((task) => task.id);

      expect(ids(await list(`operator_id=${operator.id}`))).toEqual([t2, t1, t0]);
      expect(ids(await list(`lead_id=${appeal.lead_id}`))).toEqual([t2, t1, t0]);
      expect(ids(await list(`operator_id=${operator.id}&status=open`))).toEqual([t2, t0]);
      expect(ids(await list(`operator_id=${operator.id}&status=done`))).toEqual([t1]);
      expect(ids(await list(`lead_id=${appeal.lead_id}&due_before=2026-12-04T10:00:00.000Z`))).toEqual([t0]);
      expect(ids(await list(`operator_id=${other.id}`))).toEqual([otherTask.id]);

      const first = await list(`operator_id=${operator.id}&limit=2`);
      expect(first).toEqual({ items: [await get(t2 ?? 0), await get(t1 ?? 0)], next_cursor: String(t1) });
      const second = await list(`operator_id=${operator.id}&limit=2&cursor=${first.next_cursor}`);
      expect(second).toEqual({ items: [await get(t0 ?? 0)], next_cursor: null });
    });

    it("refuses a bad filter naming it", async () => {
      expectValidationError(await t.app.inject({ method: "GET", url: "/tasks?status=late" }), "status");
      expectValidationError(
        await t.app.inject({ method: "GET", url: "/tasks?due_before=monday" }),
        "due_before",
      );
      expectValidationError(
        await t.app.inject({ method: "GET", url: "/tasks?operator_id=x" }),
        "operator_id",
      );
    });
  });
});
