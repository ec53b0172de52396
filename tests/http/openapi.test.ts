import { describe, expect, it } from "vitest";
import { useTestApp } from "../helpers/test-app.js";

type Schema = {
  $ref?: string;
  type?: string;
  format?: string;
  pattern?: string;
  examples?: unknown[];
  description?: string;
  exclusiveMinimum?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  enum?: string[];
  additionalProperties?: boolean;
};
type Operation = {
  operationId?: string;
  security?: Record<string, string[]>[];
  tags?: string[];
  parameters?: { in: string; name: string; required?: boolean; example?: unknown }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
};
type OpenApiDocument = {
  openapi: string;
  info: { title: string; version: string };
  servers?: { url: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
};

/**
 * Every route of docs/API.md, in OpenAPI's path syntax, with its operationId: the names
 * generated clients call, so they must not change.
 */
const CONTRACT_OPERATIONS: [string, Record<string, string>][] = [
  ["/operators", { get: "listOperators", post: "createOperator" }],
  ["/operators/{id}", { get: "getOperator", patch: "updateOperator", delete: "archiveOperator" }],
  ["/operators/me", { get: "getOwnOperator", patch: "updateOwnOperator" }],
  ["/sources", { get: "listSources", post: "createSource" }],
  ["/sources/{id}", { get: "getSource", patch: "updateSource", delete: "archiveSource" }],
  [
    "/sources/{id}/weights",
    { get: "listSourceWeights", post: "setSourceWeightsByPost", put: "setSourceWeights" },
  ],
  ["/sources/{id}/weights/{operator_id}", { put: "setSourceWeight", delete: "removeSourceWeight" }],
  ["/bot-scripts", { get: "listBotScripts", post: "createBotScript" }],
  ["/bot-scripts/{id}", { get: "getBotScript", patch: "updateBotScript" }],
  ["/bot-scripts/{id}/versions", { get: "listBotScriptVersions" }],
  ["/appeals", { get: "listAppeals", post: "createAppeal" }],
  ["/appeals/{id}", { get: "getAppeal" }],
  ["/appeals/{id}/close", { patch: "closeAppeal" }],
  ["/appeals/{id}/assign", { patch: "transferAppeal" }],
  ["/appeals/{id}/reopen", { patch: "reopenAppeal" }],
  ["/appeals/{id}/messages", { get: "listMessages", post: "createMessage" }],
  ["/appeals/{id}/events", { get: "listAppealEvents" }],
  ["/audit", { get: "listAuditEvents" }],
  ["/events/stream", { get: "streamEvents" }],
  ["/api-keys", { get: "listApiKeys", post: "createApiKey" }],
  ["/api-keys/{id}", { delete: "revokeApiKey" }],
  ["/webhooks", { get: "listWebhooks", post: "createWebhook" }],
  ["/webhooks/{id}", { get: "getWebhook", patch: "updateWebhook", delete: "deleteWebhook" }],
  ["/webhooks/{id}/deliveries", { get: "listWebhookDeliveries" }],
  ["/webhooks/{id}/deliveries/{delivery_id}/retry", { post: "retryWebhookDelivery" }],
  ["/webhooks/{id}/test", { post: "testWebhook" }],
  ["/appeals/leads", { get: "listLeadsLegacy" }],
  ["/appeals/leads/{id}/appeals", { get: "listLeadAppealsLegacy" }],
  ["/leads", { get: "listLeads" }],
  ["/leads/{id}", { get: "getLead", patch: "updateLead", delete: "eraseLead" }],
  ["/leads/{id}/consent", { put: "giveLeadConsent", delete: "withdrawLeadConsent" }],
  ["/leads/by-external-id/{external_id}", { get: "getLeadByExternalId" }],
  ["/leads/by-external-id/{external_id}/messages", { post: "createLeadMessage" }],
  ["/leads/{id}/appeals", { get: "listLeadAppeals" }],
  ["/segments", { get: "listSegments", post: "createSegment" }],
  ["/segments/{id}", { get: "getSegment", patch: "updateSegment", delete: "archiveSegment" }],
  ["/segments/{id}/leads", { get: "listSegmentLeads" }],
  ["/tasks", { get: "listTasks", post: "createTask" }],
  ["/tasks/{id}", { get: "getTask", patch: "updateTask" }],
  ["/materials", { get: "listMaterials", post: "createMaterial" }],
  ["/materials/{id}", { get: "getMaterial", patch: "updateMaterial", delete: "archiveMaterial" }],
  ["/activities", { post: "createActivity" }],
  ["/leads/{id}/activities", { get: "listLeadActivities" }],
  ["/materials/{id}/stats", { get: "getMaterialStats" }],
  ["/bot-state/{source_id}/{chat_id}", { get: "getBotState", put: "putBotState", delete: "deleteBotState" }],
  ["/resources", { get: "listResources", post: "createResource" }],
  ["/resources/{id}", { get: "getResource", patch: "updateResource", delete: "archiveResource" }],
  ["/bookings", { get: "listBookings", post: "createBooking" }],
  ["/bookings/{id}", { get: "getBooking", patch: "updateBooking" }],
  ["/leads/{id}/bookings", { get: "listLeadBookings" }],
  ["/calendar", { get: "getCalendar" }],
  ["/resources/{id}/availability", { get: "getResourceAvailability" }],
  ["/calendar/feeds", { get: "listCalendarFeeds", post: "createCalendarFeed" }],
  ["/calendar/feeds/{id}", { delete: "revokeCalendarFeed" }],
  ["/calendar.ics", { get: "getCalendarFeed" }],
  ["/exports/leads.xlsx", { get: "exportLeadsXlsx" }],
  ["/exports/leads.csv", { get: "exportLeadsCsv" }],
  ["/exports/appeals.xlsx", { get: "exportAppealsXlsx" }],
  ["/exports/appeals.csv", { get: "exportAppealsCsv" }],
  ["/stats/distribution", { get: "getDistributionStats" }],
  ["/stats/sources/{id}/operators", { get: "getSourceOperatorStats" }],
  ["/stats/operators", { get: "getOperatorStats" }],
  ["/health", { get: "getHealth" }],
  ["/ready", { get: "getReadiness" }],
  ["/metrics", { get: "getMetrics" }],
];
const CONTRACT: [string, string[]][] = CONTRACT_OPERATIONS.map(([path, ids]) => [path, Object.keys(ids)]);
/** The operations that need no API key. */
const OPEN = new Set(["getHealth", "getReadiness"]);
/** The operations that need no API key but a token of their own in the query: the calendar feed. */
const TOKEN = new Set(["getCalendarFeed"]);
const PROBLEM_REF = { $ref: "#/components/schemas/Problem" };

describe("OpenAPI document", () => {
  const t = useTestApp();

  const fetchDocument = async () => {
    const response = await t.app.inject({ method: "GET", url: "/docs/json" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^application\/json/);
    return response.json() as OpenApiDocument;
  };
  const resolve = (document: OpenApiDocument, schema: Schema | undefined): Schema => {
    const ref = schema?.$ref;
    if (!ref) return schema ?? {};
    expect(ref).toMatch(/^#\/components\/schemas\//);
    const resolved = document.components.schemas[ref.replace("#/components/schemas/", "")];
    expect(resolved, ref).toBeDefined();
    return resolved ?? {};
  };
  const bodySchema = (document: OpenApiDocument, path: string, method: string) =>
    resolve(document, document.paths[path]?.[method]?.requestBody?.content["application/json"]?.schema);

  it("is OpenAPI 3.1 with the service's title", async () => {
    const document = await fetchDocument();
    expect(document.openapi).toBe("3.1.0");
    expect(document.info).toMatchObject({ title: "Lead distribution service", version: "0.1.0" });
  });

  it.each(CONTRACT)("documents %s with the methods of API.md", async (path, methods) => {
    const document = await fetchDocument();
    expect(Object.keys(document.paths)).toContain(path);
    for (const method of methods) expect(Object.keys(document.paths[path] ?? {})).toContain(method);
  });

  it("documents no route outside the contract (the UI's own routes are hidden)", async () => {
    const document = await fetchDocument();
    expect(Object.keys(document.paths).sort()).toEqual(CONTRACT.map(([path]) => path).sort());
  });

  it("generates POST /operators' body from the zod schema: bounds, defaults, required, no extra fields", async () => {
    const document = await fetchDocument();
    const schema = bodySchema(document, "/operators", "post");
    expect(schema.type).toBe("object");
    expect(schema.required).toEqual(["name"]);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties?.max_load).toMatchObject({
      type: "integer",
      minimum: 0,
      maximum: 10000,
      default: 10,
    });
    expect(schema.properties?.name).toMatchObject({ type: "string", minLength: 1, maxLength: 200 });
    expect(schema.properties?.is_active).toMatchObject({ type: "boolean", default: true });
  });

  it("generates the weights body as an array of { operator_id, weight 1..100 }", async () => {
    const document = await fetchDocument();
    const schema = bodySchema(document, "/sources/{id}/weights", "put");
    expect(schema.type).toBe("array");
    const item = resolve(document, schema.items);
    expect(item.required).toEqual(["operator_id", "weight"]);
    expect(item.properties?.weight).toMatchObject({ type: "integer", minimum: 1, maximum: 100 });
    expect(bodySchema(document, "/sources/{id}/weights", "post")).toEqual(schema);
  });

  it("documents the source strategy enum and the id path parameter", async () => {
    const document = await fetchDocument();
    const source = bodySchema(document, "/sources", "post");
    expect(source.properties?.strategy?.enum).toEqual(["weighted", "weighted_by_free_capacity"]);
    expect(document.paths["/operators/{id}"]?.get?.parameters).toEqual([
      expect.objectContaining({ in: "path", name: "id", required: true }),
    ]);
  });

  it("error responses (400, 404) reference the Problem schema", async () => {
    const document = await fetchDocument();
    const responses = document.paths["/operators/{id}"]?.patch?.responses ?? {};
    for (const status of ["400", "404", "500", "503"]) {
      expect(responses[status]?.content, status).toEqual({
        "application/problem+json": { schema: PROBLEM_REF },
      });
    }
    expect(document.paths["/sources"]?.post?.responses["409"]?.content).toEqual({
      "application/problem+json": { schema: PROBLEM_REF },
    });
    const from = document.paths["/audit"]?.get?.parameters?.find((parameter) => parameter.name === "from");
    expect(from).toMatchObject({ example: "2026-11-21T10:00:00.000Z" });
    const problem = document.components.schemas.Problem;
    expect(problem?.required).toEqual(expect.arrayContaining(["type", "title", "status", "detail", "code"]));
    expect(Object.keys(problem?.properties ?? {})).toEqual(
      expect.arrayContaining(["type", "title", "status", "detail", "code", "errors", "request_id"]),
    );
  });

  const operations = (document: OpenApiDocument) =>
    Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ name: `${method} ${path}`, operation })),
    );
  /** Every schema object in the components, nested ones included, with where it is. */
  const schemaNodes = (document: OpenApiDocument) => {
    const nodes: { at: string; schema: Schema }[] = [];
    const visit = (value: unknown, at: string) => {
      if (Array.isArray(value)) {
        value.forEach((item, index) => {
          visit(item, `${at}/${index}`);
        });
      } else if (value && typeof value === "object") {
        nodes.push({ at, schema: value as Schema });
        for (const [key, child] of Object.entries(value))
          if (key !== "examples") visit(child, `${at}/${key}`);
      }
    };
    visit(document.components.schemas, "#/components/schemas");
    for (const { name, operation } of operations(document)) visit(operation, name);
    return nodes;
  };

  it("names every operation with the contract's stable operationId, and sets servers", async () => {
    const document = await fetchDocument();
    for (const [path, ids] of CONTRACT_OPERATIONS) {
      for (const [method, id] of Object.entries(ids)) {
        expect(document.paths[path]?.[method]?.operationId, `${method} ${path}`).toBe(id);
      }
    }
    expect(document.servers).toEqual([{ url: "/", description: expect.any(String) }]);
  });

  it("describes every answer, declares errors as problem+json and a 4XX on every operation but the probes", async () => {
    const document = await fetchDocument();
    for (const { name, operation } of operations(document)) {
      const statuses = Object.keys(operation.responses);
      if (!OPEN.has(operation.operationId ?? ""))
        expect(
          statuses.some((s) => s.startsWith("4")),
          name,
        ).toBe(true);
      for (const [status, response] of Object.entries(operation.responses)) {
        expect(response.description, `${name} ${status}`).not.toBe("Default Response");
        expect(response.description.length, `${name} ${status}`).toBeGreaterThan(5);
        if (Number(status) >= 400) {
          expect(response.content, `${name} ${status}`).toEqual({
            "application/problem+json": { schema: PROBLEM_REF },
          });
        }
      }
    }
    expect(Object.keys(document.paths["/metrics"]?.get?.responses["200"]?.content ?? {})).toEqual([
      "text/plain",
    ]);
    expect(Object.keys(document.paths["/events/stream"]?.get?.responses["200"]?.content ?? {})).toEqual([
      "text/event-stream",
    ]);
    expect(Object.keys(document.paths["/calendar.ics"]?.get?.responses["200"]?.content ?? {})).toEqual([
      "text/calendar",
    ]);
  });

  it("describes the exports as files: binary, under their media types, with the filters and sep as parameters", async () => {
    const document = await fetchDocument();
    const xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    for (const [path, type] of [
      ["/exports/leads.xlsx", xlsx],
      ["/exports/leads.csv", "text/csv"],
      ["/exports/appeals.xlsx", xlsx],
      ["/exports/appeals.csv", "text/csv"],
    ] as const) {
      expect(document.paths[path]?.get?.responses["200"]?.content, path).toEqual({
        [type]: { schema: { type: "string", format: "binary" } },
      });
    }
    const names = (path: string) => document.paths[path]?.get?.parameters?.map((parameter) => parameter.name);
    expect(names("/exports/leads.xlsx")).toEqual([
      "search",
      "tag",
      "source_id",
      "created_from",
      "created_to",
      "segment_id",
    ]);
    expect(names("/exports/leads.csv")).toEqual([
      "search",
      "tag",
      "source_id",
      "created_from",
      "created_to",
      "segment_id",
      "sep",
    ]);
    expect(names("/exports/appeals.xlsx")).toEqual(["from", "to", "source_id", "operator_id"]);
    expect(names("/exports/appeals.csv")).toEqual(["from", "to", "source_id", "operator_id", "sep"]);
    expect(document.paths["/exports/leads.csv"]?.get?.parameters?.at(-1)).toMatchObject({
      in: "query",
      schema: { type: "string", enum: [",", ";"], default: "," },
    });
  });

  it("declares the bearer key on every protected operation and none on the open ones", async () => {
    const document = await fetchDocument();
    for (const { name, operation } of operations(document)) {
      if (OPEN.has(operation.operationId ?? "")) {
        expect(operation.security, name).toBeUndefined();
        expect(operation.responses["401"], name).toBeUndefined();
      } else if (TOKEN.has(operation.operationId ?? "")) {
        expect(operation.security, name).toEqual([{ calendarFeedToken: [] }]);
        expect(Object.keys(operation.responses), name).toContain("401");
        expect(Object.keys(operation.responses), name).not.toContain("403");
      } else {
        expect(operation.security, name).toEqual([{ bearerAuth: [] }]);
        expect(Object.keys(operation.responses), name).toEqual(expect.arrayContaining(["401", "403"]));
      }
    }
  });

  it("has each schema once, every one used, and no generator noise (2^53 ranges, zod's date-time regex)", async () => {
    const document = await fetchDocument();
    const names = Object.keys(document.components.schemas);
    expect(names.filter((name) => name.endsWith("Input"))).toEqual([]);
    const used = new Set(
      [...JSON.stringify(document).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((match) => match[1]),
    );
    expect(names.filter((name) => !used.has(name))).toEqual([]);
    expect(names).toEqual(
      expect.arrayContaining(["Problem", "Operator", "CreateOperator", "Appeal", "CreateAppeal"]),
    );
    for (const { at, schema } of schemaNodes(document)) {
      if (schema.type === "integer") {
        expect(schema.minimum, at).not.toBe(Number.MIN_SAFE_INTEGER);
        expect(schema.maximum, at).not.toBe(Number.MAX_SAFE_INTEGER);
      }
      if (schema.format === "date-time") {
        expect(schema.pattern, at).toBeUndefined();
        // @fastify/swagger moves a parameter's example from its schema to the parameter.
        if (!at.includes("/parameters/")) expect(schema.examples, at).toEqual(["2026-11-21T10:00:00.000Z"]);
      }
    }
  });

  it("writes ids as positive integers, in answers, bodies and paths alike", async () => {
    const document = await fetchDocument();
    const id = { type: "integer", minimum: 1 };
    expect(resolve(document, { $ref: "#/components/schemas/Operator" }).properties?.id).toMatchObject(id);
    expect(resolve(document, { $ref: "#/components/schemas/Appeal" }).properties?.source_id).toMatchObject(
      id,
    );
    expect(bodySchema(document, "/appeals", "post").properties?.source_id).toMatchObject({
      type: "integer",
      exclusiveMinimum: 0,
      maximum: 2147483647,
    });
    expect(document.paths["/operators/{id}"]?.get?.parameters?.[0]).toMatchObject({
      schema: { type: "integer", minimum: 1, maximum: 2147483647 },
    });
  });

  it("gives real example values where a generator would invent poor ones", async () => {
    const document = await fetchDocument();
    const appeal = bodySchema(document, "/appeals", "post");
    expect(appeal.properties?.lead_email?.examples).toEqual(["ivan@example.com"]);
    expect(appeal.properties?.lead_external_id?.examples).toEqual(["tg_user_123"]);
    expect(appeal.properties?.source_id?.examples).toEqual([42]);
    const from = document.paths["/audit"]?.get?.parameters?.find((parameter) => parameter.name === "from");
    expect(from).toMatchObject({ example: "2026-11-21T10:00:00.000Z" });
    const problem = document.components.schemas.Problem;
    expect(problem?.examples?.[0]).toMatchObject({ status: 400, code: "validation_failed" });
  });

  it("serves Swagger UI as HTML at /docs", async () => {
    const response = await t.app.inject({ method: "GET", url: "/docs" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(response.body).toContain("<title>Swagger UI</title>");
    expect(response.body).toContain("swagger-ui");
  });
});
