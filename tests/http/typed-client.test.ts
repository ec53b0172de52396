// A client generated from /docs/json (openapi-typescript types, openapi-fetch) drives the
// main flow over a real socket: create an operator and a source, set the weights, post an
// appeal. The types are committed (tests/http/generated/api.ts) and type-checked with this
// file, and the first test fails when the document no longer generates them: a change to the
// contract shows up as a diff of the client, and a server that answers something else than
// its document breaks the flow below.
import { readFileSync } from "node:fs";
import createClient from "openapi-fetch";
import type { OpenAPI3 } from "openapi-typescript";
import { beforeAll, describe, expect, it } from "vitest";
import { CLIENT_TYPES_FILE, clientTypes } from "../../scripts/openapi-document.js";
import { unique } from "../helpers/factories.js";
import { useTestApp } from "../helpers/test-app.js";
import type { paths } from "./generated/api.js";
import { ISO_UTC, PROBLEM_CONTENT_TYPE } from "./problem-assertions.js";

describe("a client generated from the OpenAPI document", () => {
  const t = useTestApp();
  let client: ReturnType<typeof createClient<paths>>;
  beforeAll(async () => {
    // useTestApp's afterAll closes the app, and with it this server.
    const baseUrl = await t.app.listen({ port: 0, host: "127.0.0.1" });
    client = createClient<paths>({ baseUrl });
  });

  it("is generated from /docs/json as committed (else run npm run api:client and commit the diff)", async () => {
    const document = (await t.app.inject({ method: "GET", url: "/docs/json" })).json() as OpenAPI3;
    expect(await clientTypes(document)).toBe(readFileSync(CLIENT_TYPES_FILE, "utf8"));
  });

  it("creates an operator and a source, sets the weights and posts an appeal that the operator gets", async () => {
    const operatorName = unique("typed-operator");
    const operator = await client.POST("/operators", { body: { name: operatorName, max_load: 2 } });
    expect(operator.response.status).toBe(201);
    expect(operator.data).toEqual({
      id: expect.any(Number),
      name: operatorName,
      is_active: true,
      max_load: 2,
      current_load: 0,
      created_at: expect.stringMatching(ISO_UTC),
      updated_at: operator.data?.created_at,
      archived_at: null,
    });
    const operatorId = operator.data?.id ?? 0;

    const sourceName = unique("typed-source");
    const source = await client.POST("/sources", { body: { name: sourceName } });
    expect(source.response.status).toBe(201);
    expect(source.data).toMatchObject({ name: sourceName, description: null, strategy: "weighted" });
    const sourceId = source.data?.id ?? 0;

    const weights = await client.PUT("/sources/{id}/weights", {
      params: { path: { id: sourceId } },
      body: [{ operator_id: operatorId, weight: 7 }],
    });
    expect(weights.response.status).toBe(200);
    expect(weights.data).toEqual([{ operator_id: operatorId, operator_name: operatorName, weight: 7 }]);

    const externalId = unique("tg_user");
    const appeal = await client.POST("/appeals", {
      params: { header: { "idempotency-key": unique("key") } },
      body: { lead_external_id: externalId, source_id: sourceId, message: "Hello", lead_email: "" },
    });
    expect(appeal.response.status).toBe(201);
    expect(appeal.data).toEqual({
      appeal_id: expect.any(Number),
      lead_id: expect.any(Number),
      lead_external_id: externalId,
      source_id: sourceId,
      source_name: sourceName,
      operator: { id: operatorId, name: operatorName },
      status: "active",
      message: "Hello",
      created_at: expect.stringMatching(ISO_UTC),
      bot_script_id: null,
      bot_script_version: null,
    });

    const read = await client.GET("/appeals/{id}", { params: { path: { id: appeal.data?.appeal_id ?? 0 } } });
    expect(read.data).toMatchObject({ id: appeal.data?.appeal_id, status: "active", closed_at: null });
    const loaded = await client.GET("/operators/{id}", { params: { path: { id: operatorId } } });
    expect(loaded.data?.current_load).toBe(1);
  });

  it("gets errors as the documented problem+json", async () => {
    const missing = await client.GET("/sources/{id}", { params: { path: { id: 2_147_483_647 } } });
    expect(missing.response.status).toBe(404);
    expect(missing.response.headers.get("content-type")).toBe(PROBLEM_CONTENT_TYPE);
    expect(missing.data).toBeUndefined();
    expect(missing.error).toMatchObject({ status: 404, code: "not_found" });

    const invalid = await client.POST("/operators", { body: { name: "" } });
    expect(invalid.response.status).toBe(400);
    expect(invalid.error).toMatchObject({ code: "validation_failed", errors: [{ path: "name" }] });
  });
});
