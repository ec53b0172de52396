// The last pass over the generated OpenAPI document, so that it reads like documentation
// and client generators get one type per shape. It only removes what the generators add
// on their own; what a schema says is written in the zod schemas, next to the validation.
//
// - fastify-type-provider-zod emits every registered schema twice, as `X` (the answer) and
//   `XInput` (the request). Only the variants some operation uses are kept, and a request
//   schema keeps the plain name when no answer has it (`CreateOperator`, not
//   `CreateOperatorInput`); where both are used and equal, they become one.
// - zod writes `z.number().int()` as an integer between -2^53+1 and 2^53-1: that range is
//   JavaScript's, not the API's, and is left out.
// - zod writes a timestamp as `format: date-time` plus the full regular expression it
//   validates with: the format says it, and Swagger UI builds its sample values from the
//   regular expression (a date in the year 1804).
// - A response's description (`.describe()` on its schema) is not repeated inside the schema.
const SCHEMAS_PREFIX = "#/components/schemas/";
const INPUT_SUFFIX = "Input";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
type Document = { paths?: JsonObject; components?: { schemas?: JsonObject } };

export function finishDocument<T extends object>(generated: T): T {
  const document = structuredClone(generated) as Document;
  const schemas = document.components?.schemas;
  if (schemas) {
    dropUnreferenced(document, schemas);
    mergeInputTwins(document, schemas);
  }
  simplify(document as Json);
  dropRepeatedDescriptions(document);
  return document as T;
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Calls `visit` on every object of `value`, examples excluded (they are data, not schemas). */
function walk(value: Json, visit: (object: JsonObject) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, visit);
    return;
  }
  if (!isObject(value)) return;
  visit(value);
  for (const [key, child] of Object.entries(value)) {
    if (key !== "examples" && key !== "example") walk(child, visit);
  }
}

function referencedNames(value: Json): Set<string> {
  const names = new Set<string>();
  walk(value, (object) => {
    const ref = object.$ref;
    if (typeof ref === "string" && ref.startsWith(SCHEMAS_PREFIX))
      names.add(ref.slice(SCHEMAS_PREFIX.length));
  });
  return names;
}

/** Keeps the schemas the paths reach, directly or through other schemas. */
function dropUnreferenced(document: Document, schemas: JsonObject): void {
  const reached = new Set<string>();
  let frontier = referencedNames(document.paths ?? {});
  while (frontier.size > 0) {
    const next = new Set<string>();
    for (const name of frontier) {
      if (reached.has(name)) continue;
      reached.add(name);
      for (const inner of referencedNames(schemas[name] ?? null)) next.add(inner);
    }
    frontier = next;
  }
  for (const name of Object.keys(schemas)) if (!reached.has(name)) delete schemas[name];
}

function renameRefs(document: Document, from: string, to: string): void {
  walk(document as Json, (object) => {
    if (object.$ref === `${SCHEMAS_PREFIX}${from}`) object.$ref = `${SCHEMAS_PREFIX}${to}`;
  });
}

/** `XInput` becomes `X` when no `X` is left, or when `X` is the same shape. */
function mergeInputTwins(document: Document, schemas: JsonObject): void {
  for (const name of Object.keys(schemas)) {
    if (!name.endsWith(INPUT_SUFFIX)) continue;
    const base = name.slice(0, -INPUT_SUFFIX.length);
    const input = schemas[name] ?? null;
    const same = base in schemas && JSON.stringify(schemas[base]) === JSON.stringify(input);
    if (base in schemas && !same) continue;
    delete schemas[name];
    if (!same) schemas[base] = input;
    renameRefs(document, name, base);
  }
}

function simplify(document: Json): void {
  walk(document, (object) => {
    if (object.type === "integer") {
      if (object.minimum === Number.MIN_SAFE_INTEGER) delete object.minimum;
      if (object.maximum === Number.MAX_SAFE_INTEGER) delete object.maximum;
    }
    if (object.format === "date-time" && typeof object.pattern === "string") delete object.pattern;
  });
}

function dropRepeatedDescriptions(document: Document): void {
  for (const operations of Object.values(document.paths ?? {})) {
    if (!isObject(operations)) continue;
    for (const operation of Object.values(operations)) {
      const responses = isObject(operation) ? operation.responses : undefined;
      if (!isObject(responses)) continue;
      for (const response of Object.values(responses)) {
        if (!isObject(response) || !isObject(response.content)) continue;
        for (const media of Object.values(response.content)) {
          const schema = isObject(media) ? media.schema : undefined;
          if (isObject(schema) && schema.description === response.description) delete schema.description;
        }
      }
    }
  }
}
