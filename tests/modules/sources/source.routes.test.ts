import { describe, expect, it } from "vitest";
import {
  createOperator,
  createSource,
  type OperatorBody,
  setWeights,
  unique,
} from "../../helpers/factories.js";
import { useTestApp } from "../../helpers/test-app.js";
import { onRealServer } from "../../helpers/test-database.js";
import { expectProblem, expectValidationError, ISO_UTC } from "../../http/problem-assertions.js";

type Source = {
  id: number;
  name: string;
  description: string | null;
  strategy: string;
  created_at: string;
  updated_at: string;
};
type Weight = { operator_id: number; operator_name: string; weight: number };

describe("sources", () => {
  const t = useTestApp();

  const post = (payload: unknown) =>
    t.app.inject({ method: "POST", url: "/sources", payload: payload as object });
  const patch = (id: number | string, payload: unknown) =>
    t.app.inject({ method: "PATCH", url: `/sources/${id}`, payload: payload as object });
  const listSources = async () => {
    const response = await t.app.inject({ method: "GET", url: "/sources" });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as Source[];
  };
  const getSource = async (id: number) => {
    const response = await t.app.inject({ method: "GET", url: `/sources/${id}` });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as Source;
  };
  // Always sent as JSON, so a JSON string or number reaches validation too.
  const putWeights = (sourceId: number | string, payload: unknown, method: "POST" | "PUT" = "PUT") =>
    t.app.inject({
      method,
      url: `/sources/${sourceId}/weights`,
      payload: JSON.stringify(payload),
      headers: { "content-type": "application/json" },
    });
  const getWeights = async (sourceId: number) => {
    const response = await t.app.inject({ method: "GET", url: `/sources/${sourceId}/weights` });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as Weight[];
  };

  describe("POST /sources", () => {
    it("creates a source with strategy weighted and description null by default", async () => {
      const name = unique("telegram-bot");
      const response = await post({ name });

      expect(response.statusCode, response.body).toBe(201);
      const body = response.json() as Source;
      expect(body).toEqual({
        id: expect.any(Number),
        name,
        description: null,
        strategy: "weighted",
        bot_script_id: null,
        created_at: expect.stringMatching(ISO_UTC),
        updated_at: body.created_at,
        archived_at: null,
      });
      expect(await getSource(body.id)).toEqual(body);
    });

    it("creates a source with a description and the weighted_by_free_capacity strategy", async () => {
      const name = unique("whatsapp");
      const response = await post({
        name: ` ${name} `,
        description: "WhatsApp +1 555 0100",
        strategy: "weighted_by_free_capacity",
      });

      expect(response.statusCode, response.body).toBe(201);
      expect(response.json()).toMatchObject({
        name,
        description: "WhatsApp +1 555 0100",
        strategy: "weighted_by_free_capacity",
      });
    });

    it("a name that exists in another case is a 409 conflict and stores nothing", async () => {
      const base = unique("Telegram");
      await createSource(t.app, { name: base });
      const before = await listSources();

      for (const name of [base, base.toUpperCase(), base.toLowerCase(), `  ${base.toLowerCase()} `]) {
        const body = expectProblem(await post({ name }), 409, "conflict");
        expect(body.title).toBe("Conflict");
        expect(body.detail).toBe(
          `A source named "${name.trim()}" already exists (names are compared case-insensitively).`,
        );
        expect(body.errors).toEqual([{ path: "name", message: "already taken" }]);
      }
      expect(await listSources()).toEqual(before);
    });

    const invalidBodies: [string, Record<string, unknown>, string][] = [
      ["an empty name", { name: "" }, "name"],
      ["a whitespace-only name", { name: "  " }, "name"],
      ["a name of 201 characters", { name: "s".repeat(201) }, "name"],
      ["an explicit null name", { name: null }, "name"],
      ["a name with a NUL character", { name: "tg\u0000" }, "name"],
      ["an unknown strategy", { strategy: "round_robin" }, "strategy"],
      ["a strategy in another case", { strategy: "Weighted" }, "strategy"],
      ["a null strategy", { strategy: null }, "strategy"],
      ["a numeric description", { description: 5 }, "description"],
      ["a description of 2001 characters", { description: "d".repeat(2001) }, "description"],
      ["a description with a NUL character", { description: "a\u0000" }, "description"],
      ["an unknown field", { channel: "tg" }, "channel"],
    ];

    it.each(invalidBodies)(
      "POST with %s is a 400 naming the field and stores nothing",
      async (_, fields, path) => {
        const before = await listSources();
        expectValidationError(await post({ name: unique("valid"), ...fields }), path);
        expect(await listSources()).toEqual(before);
      },
    );

    it.each(invalidBodies)(
      "PATCH with %s is a 400 naming the field and changes nothing",
      async (_, fields, path) => {
        const source = await createSource(t.app);
        const before = await getSource(source.id);
        expectValidationError(await patch(source.id, fields), path);
        expect(await getSource(source.id)).toEqual(before);
      },
    );
  });

  describe("GET /sources", () => {
    it("lists every source oldest first", async () => {
      await t.testDatabase.reset();
      const first = await createSource(t.app, { name: "first" });
      const second = await createSource(t.app, { name: "second", strategy: "weighted_by_free_capacity" });

      const all = await listSources();
      expect(all.map(({ id, name, strategy, description }) => ({ id, name, strategy, description }))).toEqual(
        [
          { id: first.id, name: "first", strategy: "weighted", description: null },
          { id: second.id, name: "second", strategy: "weighted_by_free_capacity", description: null },
        ],
      );
      expect(all[1]).toEqual(second);
    });

    it("an unknown id is a 404 and a non-integer id a 400", async () => {
      const missing = expectProblem(
        await t.app.inject({ method: "GET", url: "/sources/765432" }),
        404,
        "not_found",
      );
      expect(missing.detail).toBe("Source 765432 does not exist.");
      for (const id of ["abc", "1.5", "0", "-1"]) {
        expectValidationError(await t.app.inject({ method: "GET", url: `/sources/${id}` }), "id");
      }
    });
  });

  describe("PATCH /sources/{id}", () => {
    it("changes the name, the description (null clears it) and the strategy one at a time", async () => {
      const source = (await createSource(t.app, { description: "old" })) as Source;
      const name = unique("renamed");

      const renamed = await patch(source.id, { name });
      expect(renamed.statusCode, renamed.body).toBe(200);
      expect(renamed.json()).toEqual({ ...source, name, updated_at: expect.stringMatching(ISO_UTC) });

      const described = await patch(source.id, { description: "web form on /contact" });
      expect(described.json()).toMatchObject({
        name,
        description: "web form on /contact",
        strategy: "weighted",
      });

      const cleared = await patch(source.id, { description: null });
      expect(cleared.json()).toMatchObject({ name, description: null, strategy: "weighted" });

      const strategy = await patch(source.id, { strategy: "weighted_by_free_capacity" });
      expect(strategy.json()).toMatchObject({
        name,
        description: null,
        strategy: "weighted_by_free_capacity",
      });

      expect(await getSource(source.id)).toEqual(strategy.json());
    });

    it("renaming to another source's name in another case is a 409 and changes nothing", async () => {
      const taken = await createSource(t.app, { name: unique("Viber") });
      const source = await createSource(t.app);
      const before = await getSource(source.id);

      const body = expectProblem(await patch(source.id, { name: taken.name.toUpperCase() }), 409, "conflict");
      expect(body.errors).toEqual([{ path: "name", message: "already taken" }]);
      expect(await getSource(source.id)).toEqual(before);
    });

    it("renaming a source to its own name in another case is allowed", async () => {
      const source = await createSource(t.app, { name: unique("sms") });
      const response = await patch(source.id, { name: source.name.toUpperCase() });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json().name).toBe(source.name.toUpperCase());
    });

    it("an empty body is a 400, an unknown id a 404", async () => {
      const source = await createSource(t.app);
      const empty = expectValidationError(await patch(source.id, {}), "(root)");
      expect(empty.errors?.[0]?.message).toBe(
        "send at least one of name, description, strategy, bot_script_id",
      );
      const missing = expectProblem(await patch(765431, { name: "ghost" }), 404, "not_found");
      expect(missing.detail).toBe("Source 765431 does not exist.");
      expectValidationError(await patch("1.5", { name: "x" }), "id");
    });
  });

  describe("weights", () => {
    it("POST stores the set and answers it sorted by operator_id with operator names", async () => {
      const [a, b, c] = [
        await createOperator(t.app, { name: unique("a") }),
        await createOperator(t.app, { name: unique("b"), is_active: false }),
        await createOperator(t.app, { name: unique("c") }),
      ] as const;
      const source = await createSource(t.app);

      const response = await putWeights(
        source.id,
        [
          { operator_id: c.id, weight: 100 },
          { operator_id: a.id, weight: 1 },
          { operator_id: b.id, weight: 30 },
        ],
        "POST",
      );

      expect(response.statusCode, response.body).toBe(200);
      const expected = [
        { operator_id: a.id, operator_name: a.name, weight: 1 },
        { operator_id: b.id, operator_name: b.name, weight: 30 },
        { operator_id: c.id, operator_name: c.name, weight: 100 },
      ];
      expect(response.json()).toEqual(expected);
      expect(await getWeights(source.id)).toEqual(expected);
    });

    it.each(["POST", "PUT"] as const)("%s replaces the whole set, it does not merge", async (method) => {
      const [a, b, c] = [
        await createOperator(t.app),
        await createOperator(t.app),
        await createOperator(t.app),
      ];
      const source = await createSource(t.app);
      await setWeights(t.app, source.id, [
        { operator_id: a.id, weight: 10 },
        { operator_id: b.id, weight: 20 },
      ]);

      const response = await putWeights(
        source.id,
        [
          { operator_id: c.id, weight: 5 },
          { operator_id: b.id, weight: 7 },
        ],
        method,
      );

      expect(response.statusCode, response.body).toBe(200);
      const expected = [
        { operator_id: b.id, operator_name: b.name, weight: 7 },
        { operator_id: c.id, operator_name: c.name, weight: 5 },
      ];
      expect(response.json()).toEqual(expected);
      expect(await getWeights(source.id)).toEqual(expected);
    });

    it("[] clears the set", async () => {
      const operator = await createOperator(t.app);
      const source = await createSource(t.app);
      await setWeights(t.app, source.id, [{ operator_id: operator.id, weight: 3 }]);

      const response = await putWeights(source.id, []);
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toEqual([]);
      expect(await getWeights(source.id)).toEqual([]);
    });

    it("a new source has no weights, and weights of one source do not touch another's", async () => {
      const operator = await createOperator(t.app);
      const [one, two] = [await createSource(t.app), await createSource(t.app)];
      expect(await getWeights(one.id)).toEqual([]);
      await setWeights(t.app, one.id, [{ operator_id: operator.id, weight: 4 }]);
      await setWeights(t.app, two.id, [{ operator_id: operator.id, weight: 9 }]);
      await putWeights(two.id, []);
      expect(await getWeights(one.id)).toEqual([
        { operator_id: operator.id, operator_name: operator.name, weight: 4 },
      ]);
    });

    it("operator_name follows a rename of the operator", async () => {
      const operator = await createOperator(t.app);
      const source = await createSource(t.app);
      await setWeights(t.app, source.id, [{ operator_id: operator.id, weight: 2 }]);
      const name = unique("new-name");
      await t.app.inject({ method: "PATCH", url: `/operators/${operator.id}`, payload: { name } });
      expect(await getWeights(source.id)).toEqual([
        { operator_id: operator.id, operator_name: name, weight: 2 },
      ]);
    });

    const invalidSets: [string, (ids: [number, number]) => unknown, string[]][] = [
      ["weight 0", ([a]) => [{ operator_id: a, weight: 0 }], ["0.weight"]],
      [
        "weight 101",
        ([a, b]) => [
          { operator_id: a, weight: 1 },
          { operator_id: b, weight: 101 },
        ],
        ["1.weight"],
      ],
      ["weight 1.5", ([a]) => [{ operator_id: a, weight: 1.5 }], ["0.weight"]],
      ['weight "5"', ([a]) => [{ operator_id: a, weight: "5" }], ["0.weight"]],
      ["a missing weight", ([a]) => [{ operator_id: a }], ["0.weight"]],
      ["operator_id 0", () => [{ operator_id: 0, weight: 1 }], ["0.operator_id"]],
      ["operator_id -1", () => [{ operator_id: -1, weight: 1 }], ["0.operator_id"]],
      ["operator_id 1.5", () => [{ operator_id: 1.5, weight: 1 }], ["0.operator_id"]],
      [
        "operator_id beyond a PostgreSQL integer",
        () => [{ operator_id: 3_000_000_000, weight: 1 }],
        ["0.operator_id"],
      ],
      ["an unknown field in an item", ([a]) => [{ operator_id: a, weight: 1, share: 0.5 }], ["0.share"]],
      ["an item that is not an object", () => [7], ["0"]],
      [
        "the same operator_id twice",
        ([a, b]) => [
          { operator_id: a, weight: 1 },
          { operator_id: b, weight: 2 },
          { operator_id: a, weight: 3 },
        ],
        ["2.operator_id"],
      ],
      ["an object instead of an array", ([a]) => ({ operator_id: a, weight: 1 }), ["(root)"]],
      ["a string instead of an array", () => "1:10", ["(root)"]],
      ["null instead of an array", () => null, ["(root)"]],
      ["a number instead of an array", () => 7, ["(root)"]],
    ];

    it.each(invalidSets)("%s is a 400 naming the item and the old weights stay", async (_, body, paths) => {
      const [a, b] = [await createOperator(t.app), await createOperator(t.app)];
      const source = await createSource(t.app);
      const old = await setWeights(t.app, source.id, [
        { operator_id: a.id, weight: 10 },
        { operator_id: b.id, weight: 20 },
      ]);

      for (const method of ["POST", "PUT"] as const) {
        expectValidationError(await putWeights(source.id, body([a.id, b.id]), method), ...paths);
      }
      expect(await getWeights(source.id)).toEqual(old);
    });

    it("a duplicate operator_id names the repeated item and the operator in the message", async () => {
      const operator = await createOperator(t.app);
      const source = await createSource(t.app);
      const body = expectValidationError(
        await putWeights(source.id, [
          { operator_id: operator.id, weight: 1 },
          { operator_id: operator.id, weight: 1 },
        ]),
        "1.operator_id",
      );
      expect(body.errors).toEqual([
        { path: "1.operator_id", message: `operator ${operator.id} appears more than once` },
      ]);
    });

    it("an unknown operator is a 404 naming it, and the old weights stay unchanged", async () => {
      const [a, b] = [await createOperator(t.app), await createOperator(t.app)];
      const source = await createSource(t.app);
      const old = await setWeights(t.app, source.id, [
        { operator_id: a.id, weight: 10 },
        { operator_id: b.id, weight: 20 },
      ]);

      for (const method of ["POST", "PUT"] as const) {
        const body = expectProblem(
          await putWeights(
            source.id,
            [
              { operator_id: b.id, weight: 50 },
              { operator_id: 999_999, weight: 5 },
            ],
            method,
          ),
          404,
          "not_found",
        );
        expect(body.detail).toBe("Operator 999999 does not exist; the weights were not changed.");
        expect(body.errors).toEqual([{ path: "1.operator_id", message: "operator 999999 does not exist" }]);
      }
      expect(await getWeights(source.id)).toEqual(old);
    });

    it("an unknown source is a 404 for GET, POST and PUT, and a non-integer source id a 400", async () => {
      const operator = await createOperator(t.app);
      const weights = [{ operator_id: operator.id, weight: 1 }];
      const get = expectProblem(
        await t.app.inject({ method: "GET", url: "/sources/765400/weights" }),
        404,
        "not_found",
      );
      expect(get.detail).toBe("Source 765400 does not exist.");
      for (const method of ["POST", "PUT"] as const) {
        const body = expectProblem(await putWeights(765400, weights, method), 404, "not_found");
        expect(body.detail).toBe("Source 765400 does not exist.");
        expectValidationError(await putWeights("abc", weights, method), "id");
      }
      expectValidationError(await t.app.inject({ method: "GET", url: "/sources/0/weights" }), "id");
    });

    it.skipIf(!onRealServer)(
      "concurrent replacements each store one whole set: no error, no mix of two sets",
      async () => {
        const operators: OperatorBody[] = [];
        for (let i = 0; i < 6; i++) operators.push(await createOperator(t.app));
        const source = await createSource(t.app);
        // Overlapping sets with a distinct weight each, so a mix of two would show.
        const sets = Array.from({ length: 8 }, (_, k) =>
          operators
            .filter((_, j) => (j + k) % 2 === 0 || j === k % operators.length)
            .map((operator) => ({ operator_id: operator.id, weight: k + 1 })),
        );
        const asStored = (set: { operator_id: number; weight: number }[]) =>
          set
            .map((w) => ({
              operator_id: w.operator_id,
              operator_name: operators.find((o) => o.id === w.operator_id)?.name,
              weight: w.weight,
            }))
            .sort((x, y) => x.operator_id - y.operator_id);

        for (let round = 0; round < 3; round++) {
          const responses = await Promise.all(sets.map((set) => putWeights(source.id, set)));
          responses.forEach((response, k) => {
            expect(response.statusCode, response.body).toBe(200);
            // Each answer is the set that request stored.
            expect(response.json()).toEqual(asStored(sets[k] ?? []));
          });
          const stored = await getWeights(source.id);
          expect(sets.map(asStored)).toContainEqual(stored);
        }
      },
    );
  });
});
