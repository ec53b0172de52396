import { describe, expect, it } from "vitest";
import { useTestApp } from "../helpers/test-app.js";

type Schema = {
  $ref?: string;
  type?: string;
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
  tags?: string[];
  parameters?: { in: string; name: string; required?: boolean }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
};
type OpenApiDocument = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
};

/** Every route of API.md, in OpenAPI's path syntax. */
const CONTRACT: [string, string[]][] = [
  ["/operators", ["get", "post"]],
  ["/operators/{id}", ["get", "patch", "delete"]],
  ["/sources", ["get", "post"]],
  ["/sources/{id}", ["get", "patch", "delete"]],
  ["/sources/{id}/weights", ["get", "post", "put"]],
  ["/sources/{id}/weights/{operator_id}", ["put", "delete"]],
  ["/appeals", ["get", "post"]],
  ["/appeals/{id}", ["get"]],
  ["/appeals/{id}/close", ["patch"]],
  ["/appeals/{id}/assign", ["patch"]],
  ["/appeals/{id}/reopen", ["patch"]],
  ["/appeals/{id}/events", ["get"]],
  ["/audit", ["get"]],
  ["/appeals/leads", ["get"]],
  ["/appeals/leads/{id}/appeals", ["get"]],
  ["/leads", ["get"]],
  ["/leads/{id}", ["get"]],
  ["/leads/by-external-id/{external_id}", ["get"]],
  ["/leads/{id}/appeals", ["get"]],
  ["/stats/distribution", ["get"]],
  ["/stats/sources/{id}/operators", ["get"]],
  ["/stats/operators", ["get"]],
  ["/health", ["get"]],
  ["/ready", ["get"]],
];

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
    const problemRef = "#/components/schemas/Problem";
    const responses = document.paths["/operators/{id}"]?.patch?.responses ?? {};
    for (const status of ["400", "404", "500", "503"]) {
      expect(responses[status]?.content?.["application/json"]?.schema, status).toEqual({ $ref: problemRef });
    }
    expect(document.paths["/sources"]?.post?.responses["409"]?.content?.["application/json"]?.schema).toEqual(
      {
        $ref: problemRef,
      },
    );
    const problem = document.components.schemas.Problem;
    expect(problem?.required).toEqual(expect.arrayContaining(["type", "title", "status", "detail", "code"]));
    expect(Object.keys(problem?.properties ?? {})).toEqual(
      expect.arrayContaining(["type", "title", "status", "detail", "code", "errors", "request_id"]),
    );
  });

  it("serves Swagger UI as HTML at /docs", async () => {
    const response = await t.app.inject({ method: "GET", url: "/docs" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(response.body).toContain("<title>Swagger UI</title>");
    expect(response.body).toContain("swagger-ui");
  });
});
