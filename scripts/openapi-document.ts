// The OpenAPI document the service serves at /docs/json, generated without a server or a
// database, and the TypeScript types a client generates from it (openapi-typescript).
import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from "openapi-typescript";
import { buildApp } from "../src/app.js";
import { connectDatabase } from "../src/db/prisma.js";
import { createDeps } from "../src/deps.js";

/** The typed client's types, committed; tests/http/typed-client.test.ts checks that they are current. */
export const CLIENT_TYPES_FILE = "tests/http/generated/api.ts";

export async function generateDocument(): Promise<OpenAPI3> {
  // A pool that is never used: building the app and its document opens no connection.
  const database = connectDatabase({ url: "postgresql://unused@127.0.0.1:1/unused", poolSize: 1 });
  const app = await buildApp({ deps: createDeps(database) });
  try {
    await app.ready();
    return structuredClone(app.swagger()) as OpenAPI3;
  } finally {
    await app.close();
    await database.close();
  }
}

/**
 * defaultNonNullable off: by default openapi-typescript makes a field with a default required,
 * in request bodies too, so a client would have to send `is_active` and `max_load` with every
 * POST /operators. Answers never carry defaults, so nothing else changes.
 */
export async function clientTypes(document: OpenAPI3): Promise<string> {
  return `${COMMENT_HEADER}${astToString(await openapiTS(document, { defaultNonNullable: false }))}`;
}
