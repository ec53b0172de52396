// Routes without a body accept an empty one sent as application/json (API.md, "Everyday
// operations"): many HTTP clients set that content type on every request. A non-empty body
// that is not JSON is still a 400 malformed_json, and a route that needs a body still
// refuses an empty one, naming the body.
import { beforeAll, describe, expect, it } from "vitest";
import { unique } from "../helpers/factories.js";
import { useTestApp } from "../helpers/test-app.js";
import { expectProblem } from "./problem-assertions.js";

const AUTH = { mode: "on", host: "127.0.0.1" } as const;
const t = useTestApp({ auth: AUTH });
let admin = "";

function send(
  method: "PATCH" | "DELETE" | "POST" | "PUT",
  url: string,
  payload: string,
  contentType: string,
) {
  return t.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${admin}`, "content-type": contentType },
    payload,
  });
}

beforeAll(async () => {
  admin = (await t.deps.apiKeys.create({ label: "bodiless admin", role: "admin" }, "test")).key;
});

/** Fresh rows for each bodiless route, returned as [method, url, expected status]. */
async function bodilessRequests(): Promise<["PATCH" | "DELETE", string, number][]> {
  const operator = await t.deps.operators.create({ name: "Empty", is_active: true, max_load: 10 }, "test");
  const spare = await t.deps.operators.create({ name: "Spare", is_active: true, max_load: 10 }, "test");
  const source = await t.deps.sources.create({ name: unique("source"), strategy: "weighted" }, "test");
  const spareSource = await t.deps.sources.create({ name: unique("source"), strategy: "weighted" }, "test");
  await t.deps.sources.replaceWeights(source.id, [{ operator_id: operator.id, weight: 1 }], "test");
  const appeal = await t.deps.appeals.create(
    { lead_external_id: unique("lead"), source_id: source.id },
    "test",
    undefined,
    { idempotencyScope: 0, sources: null },
  );
  const key = await t.deps.apiKeys.create({ label: "to revoke", role: "viewer" }, "test");
  const appealId = appeal.appeal.appeal_id;
  return [
    ["PATCH", `/appeals/${appealId}/close`, 200],
    ["PATCH", `/appeals/${appealId}/reopen`, 200],
    ["DELETE", `/sources/${source.id}/weights/${operator.id}`, 204],
    ["DELETE", `/operators/${spare.id}`, 204],
    ["DELETE", `/sources/${spareSource.id}`, 204],
    ["DELETE", `/api-keys/${key.apiKey.id}`, 204],
  ];
}

describe("bodiless routes", () => {
  it.each(["application/json", "application/json; charset=utf-8"])(
    "accept an empty body sent as %s",
    async (contentType) => {
      for (const [method, url, status] of await bodilessRequests()) {
        const response = await send(method, url, "", contentType);
        expect(response.statusCode, `${method} ${url} -> ${response.body}`).toBe(status);
      }
    },
  );

  it("still refuse a non-empty body that is not JSON with a 400 malformed_json", async () => {
    for (const [method, url] of await bodilessRequests()) {
      const response = await send(method, url, "{not json", "application/json");
      const body = expectProblem(response, 400, "malformed_json");
      expect(body.errors).toEqual([{ path: "(body)", message: body.detail }]);
    }
  });
});

describe("routes that need a body", () => {
  it.each([
    ["POST", "/operators"],
    ["PATCH", "/operators/1"],
    ["POST", "/sources"],
    ["PUT", "/sources/1/weights"],
    ["PUT", "/sources/1/weights/1"],
    ["POST", "/appeals"],
    ["PATCH", "/appeals/1/assign"],
    ["POST", "/api-keys"],
  ] as const)("%s %s refuses an empty JSON body with a 400 naming the body", async (method, url) => {
    const response = await send(method, url, "", "application/json");
    const body = expectProblem(response, 400, "malformed_json");
    expect(body.errors).toEqual([{ path: "(body)", message: body.detail }]);
  });

  it("refuses a body with a prototype-poisoning key, as Fastify's own parser does", async () => {
    const response = await send(
      "POST",
      "/operators",
      '{"name":"x","__proto__":{"admin":true}}',
      "application/json",
    );
    expectProblem(response, 400, "malformed_json");
  });
});
