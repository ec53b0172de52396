// npm run openapi [-- FILE]: writes the OpenAPI document the service serves at /docs/json
// (default .cache/openapi.json, which `npm run lint:api` lints).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { generateDocument } from "./openapi-document.js";

const file = process.argv[2] ?? ".cache/openapi.json";
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, `${JSON.stringify(await generateDocument(), null, 2)}\n`);
console.log(`wrote ${file}`);
