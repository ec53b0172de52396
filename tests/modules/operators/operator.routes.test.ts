import { describe, expect, it } from "vitest";
import {
  createAppeal,
  createOperator,
  createSource,
  type OperatorBody,
  setWeights,
  unique,
} from "../../helpers/factories.js";
import { useTestApp } from "../../helpers/test-app.js";
import { expectProblem, expectValidationError, ISO_UTC } from "../../http/problem-assertions.js";

type Operator = OperatorBody & { created_at: string; updated_at: string };

describe("operators", () => {
  const t = useTestApp();

  const listOperators = async (query = "") => {
    const response = await t.app.inject({ method: "GET", url: `/operators${query}` });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as Operator[];
  };
  const getOperator = async (id: number) => {
    const response = await t.app.inject({ method: "GET", url: `/operators/${id}` });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as Operator;
  };
  const patch = (id: number | string, payload: unknown) =>
    t.app.inject({ method: "PATCH", url: `/operators/${id}`, payload: payload as object });
  const post = (payload: unknown) =>
    t.app.inject({ method: "POST", url: "/operators", payload: payload as object });

  describe("POST /operators", () => {
    it("creates an operator with the defaults: active, max_load 10, no load", async () => {
      const name = unique("Alice");
      const startedAt = Date.now();
      const response = await post({ name });

      expect(response.statusCode, response.body).toBe(201);
      expect(response.headers["content-type"]).toBe("application/json; charset=utf-8");
      const body = response.json() as Operator;
      expect(body).toEqual({
        id: expect.any(Number),
        name,
        is_active: true,
        max_load: 10,
        current_load: 0,
        created_at: expect.stringMatching(ISO_UTC),
        updated_at: body.created_at,
        archived_at: null,
      });
      expect(Number.isInteger(body.id) && body.id > 0).toBe(true);
      expect(Math.abs(Date.parse(body.created_at) - startedAt)).toBeLessThan(60_000);
      expect(await getOperator(body.id)).toEqual(body);
    });

    it("creates an operator with every field given", async () => {
      const name = unique("Bob");
      const response = await post({ name, is_active: false, max_load: 0 });

      expect(response.statusCode, response.body).toBe(201);
      const body = response.json() as Operator;
      expect(body).toMatchObject({ name, is_active: false, max_load: 0, current_load: 0 });
      expect(await getOperator(body.id)).toEqual(body);
    });

    it("trims the name and accepts the boundary values 200 characters and max_load 10000", async () => {
      const trimmed = await post({ name: "  Carol Smith \t" });
      expect(trimmed.statusCode, trimmed.body).toBe(201);
      expect(trimmed.json().name).toBe("Carol Smith");

      const longest = "é".repeat(200);
      const boundary = await post({ name: longest, max_load: 10_000 });
      expect(boundary.statusCode, boundary.body).toBe(201);
      expect(boundary.json()).toMatchObject({ name: longest, max_load: 10_000 });
    });

    it("reports every invalid field of one body at once", async () => {
      const body = expectValidationError(
        await post({ name: "", max_load: -1, is_active: "yes" }),
        "name",
        "is_active",
        "max_load",
      );
      expect(body.detail).toMatch(/^Invalid body: /);
    });
  });

  describe("validation of POST and PATCH bodies", () => {
    const invalidBodies: [string, Record<string, unknown>, string][] = [
      ["an empty name", { name: "" }, "name"],
      ["a whitespace-only name", { name: "   \t " }, "name"],
      ["a name of 201 characters", { name: "x".repeat(201) }, "name"],
      ["an explicit null name", { name: null }, "name"],
      ["a numeric name", { name: 42 }, "name"],
      ["a name with a NUL character", { name: "a\u0000b" }, "name"],
      ["max_load -1", { max_load: -1 }, "max_load"],
      ["max_load 10001", { max_load: 10_001 }, "max_load"],
      ["max_load 1.5", { max_load: 1.5 }, "max_load"],
      ['max_load "5"', { max_load: "5" }, "max_load"],
      ["max_load null", { max_load: null }, "max_load"],
      ['is_active "yes"', { is_active: "yes" }, "is_active"],
      ["is_active null", { is_active: null }, "is_active"],
      ["an unknown field", { nickname: "al" }, "nickname"],
      ["current_load, which only the service computes", { current_load: 3 }, "current_load"],
    ];

    it.each(invalidBodies)(
      "POST with %s is a 400 naming the field and stores nothing",
      async (_, fields, path) => {
        const before = await listOperators();
        const body = expectValidationError(await post({ name: unique("valid"), ...fields }), path);
        expect(body.errors?.[0]?.path).toBe(path);
        expect(await listOperators()).toEqual(before);
      },
    );

    it.each(invalidBodies)(
      "PATCH with %s is a 400 naming the field and changes nothing",
      async (_, fields, path) => {
        const operator = await createOperator(t.app);
        const before = await getOperator(operator.id);
        expectValidationError(await patch(operator.id, fields), path);
        expect(await getOperator(operator.id)).toEqual(before);
      },
    );

    it("POST without a name is a 400 naming name", async () => {
      const before = await listOperators();
      expectValidationError(await post({ is_active: true, max_load: 3 }), "name");
      expect(await listOperators()).toEqual(before);
    });

    it("POST with a body that is not an object is a 400", async () => {
      expectValidationError(await post(["name"]), "(root)");
    });
  });

  describe("GET /operators", () => {
    it("lists every operator oldest first, and filters on is_active", async () => {
      await t.testDatabase.reset();
      const first = await createOperator(t.app, { name: "first" });
      const idle = await createOperator(t.app, { name: "idle", is_active: false, max_load: 2 });
      const third = await createOperator(t.app, { name: "third", max_load: 7 });

      const all = await listOperators();
      expect(
        all.map(({ id, name, is_active, max_load, current_load }) => ({
          id,
          name,
          is_active,
          max_load,
          current_load,
        })),
      ).toEqual([
        { id: first.id, name: "first", is_active: true, max_load: 10, current_load: 0 },
        { id: idle.id, name: "idle", is_active: false, max_load: 2, current_load: 0 },
        { id: third.id, name: "third", is_active: true, max_load: 7, current_load: 0 },
      ]);
      expect(all[0]).toEqual(first);

      expect((await listOperators("?is_active=true")).map((o) => o.id)).toEqual([first.id, third.id]);
      expect((await listOperators("?is_active=false")).map((o) => o.id)).toEqual([idle.id]);
    });

    it.each(["maybe", "1", "TRUE", ""])("?is_active=%s is a 400 naming is_active", async (value) => {
      const response = await t.app.inject({ method: "GET", url: `/operators?is_active=${value}` });
      const body = expectValidationError(response, "is_active");
      expect(body.detail).toMatch(/^Invalid querystring: is_active: /);
    });

    it("an unknown query parameter is a 400 naming it", async () => {
      expectValidationError(await t.app.inject({ method: "GET", url: "/operators?active=true" }), "active");
    });
  });

  describe("GET /operators/{id}", () => {
    it("returns the operator", async () => {
      const operator = await createOperator(t.app, { max_load: 4, is_active: false });
      const response = await t.app.inject({ method: "GET", url: `/operators/${operator.id}` });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual(operator);
    });

    it("an unknown id is a 404 not_found", async () => {
      const response = await t.app.inject({ method: "GET", url: "/operators/987654" });
      const body = expectProblem(response, 404, "not_found");
      expect(body.detail).toBe("Operator 987654 does not exist.");
      expect(body.title).toBe("Not found");
    });

    it.each(["abc", "1.5", "0", "-1", "1e0", "0x1", "%201", "2147483648", "99999999999"])(
      "id %s is a 400 naming id, for GET and PATCH",
      async (id) => {
        await createOperator(t.app);
        const get = expectValidationError(
          await t.app.inject({ method: "GET", url: `/operators/${id}` }),
          "id",
        );
        expect(get.detail).toMatch(/^Invalid params: id: /);
        expectValidationError(await patch(id, { name: "x" }), "id");
      },
    );
  });

  describe("PATCH /operators/{id}", () => {
    it("changes the name only", async () => {
      const operator = (await createOperator(t.app, { max_load: 3 })) as Operator;
      const name = unique("renamed");
      const response = await patch(operator.id, { name: `  ${name} ` });

      expect(response.statusCode, response.body).toBe(200);
      const body = response.json() as Operator;
      expect(body).toEqual({ ...operator, name, updated_at: expect.stringMatching(ISO_UTC) });
      expect(Date.parse(body.updated_at)).toBeGreaterThanOrEqual(Date.parse(operator.created_at));
      expect(await getOperator(operator.id)).toEqual(body);
    });

    it("changes is_active only", async () => {
      const operator = (await createOperator(t.app)) as Operator;
      const off = await patch(operator.id, { is_active: false });
      expect(off.statusCode, off.body).toBe(200);
      expect(off.json()).toEqual({
        ...operator,
        is_active: false,
        updated_at: expect.stringMatching(ISO_UTC),
      });
      const on = await patch(operator.id, { is_active: true });
      expect(on.json()).toEqual({ ...operator, is_active: true, updated_at: expect.stringMatching(ISO_UTC) });
      expect((await getOperator(operator.id)).is_active).toBe(true);
    });

    it("changes max_load only, to the boundaries 0 and 10000", async () => {
      const operator = (await createOperator(t.app)) as Operator;
      for (const maxLoad of [0, 10_000, 25]) {
        const response = await patch(operator.id, { max_load: maxLoad });
        expect(response.statusCode, response.body).toBe(200);
        expect(response.json()).toEqual({
          ...operator,
          max_load: maxLoad,
          updated_at: expect.stringMatching(ISO_UTC),
        });
      }
      expect((await getOperator(operator.id)).max_load).toBe(25);
    });

    it("changes every field at once", async () => {
      const operator = (await createOperator(t.app)) as Operator;
      const name = unique("all");
      const response = await patch(operator.id, { name, is_active: false, max_load: 1 });
      expect(response.json()).toEqual({
        ...operator,
        name,
        is_active: false,
        max_load: 1,
        updated_at: expect.stringMatching(ISO_UTC),
      });
    });

    it("an empty body is a 400 and changes nothing", async () => {
      const operator = await createOperator(t.app);
      const before = await getOperator(operator.id);
      const body = expectValidationError(await patch(operator.id, {}), "(root)");
      expect(body.errors).toEqual([
        { path: "(root)", message: "send at least one of name, is_active, max_load" },
      ]);
      expect(await getOperator(operator.id)).toEqual(before);
    });

    it("an unknown id is a 404 not_found", async () => {
      const body = expectProblem(await patch(876543, { name: "ghost" }), 404, "not_found");
      expect(body.detail).toBe("Operator 876543 does not exist.");
      expect((await listOperators()).some((o) => o.name === "ghost")).toBe(false);
    });
  });

  describe("current_load", () => {
    it("counts the operator's active appeals, and raising max_load assigns pending appeals at once", async () => {
      const operator = await createOperator(t.app, { max_load: 0 });
      const source = await createSource(t.app);
      await setWeights(t.app, source.id, [{ operator_id: operator.id, weight: 1 }]);
      const waiting = await createAppeal(t.app, { source_id: source.id });
      expect(waiting).toMatchObject({ status: "pending", operator: null });
      expect((await getOperator(operator.id)).current_load).toBe(0);

      const raised = await patch(operator.id, { max_load: 1 });
      expect(raised.statusCode, raised.body).toBe(200);
      expect(raised.json()).toMatchObject({ id: operator.id, max_load: 1, current_load: 1 });
      expect((await getOperator(operator.id)).current_load).toBe(1);
    });

    it("activating an operator assigns pending appeals at once; lowering max_load keeps existing ones", async () => {
      const operator = await createOperator(t.app, { is_active: false, max_load: 2 });
      const source = await createSource(t.app);
      await setWeights(t.app, source.id, [{ operator_id: operator.id, weight: 1 }]);
      await createAppeal(t.app, { source_id: source.id });
      await createAppeal(t.app, { source_id: source.id });

      const activated = await patch(operator.id, { is_active: true });
      expect(activated.json()).toMatchObject({ is_active: true, max_load: 2, current_load: 2 });

      const lowered = await patch(operator.id, { max_load: 1 });
      expect(lowered.json()).toMatchObject({ max_load: 1, current_load: 2 });
    });
  });
});
