// npm run api:client: regenerates the typed client's types (tests/http/generated/api.ts) from
// the OpenAPI document, after a change to a route or a schema. Commit the result.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { CLIENT_TYPES_FILE, clientTypes, generateDocument } from "./openapi-document.js";

mkdirSync(dirname(CLIENT_TYPES_FILE), { recursive: true });
writeFileSync(CLIENT_TYPES_FILE, await clientTypes(await generateDocument()));
console.log(`wrote ${CLIENT_TYPES_FILE}`);
