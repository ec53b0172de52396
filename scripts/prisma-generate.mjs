// Generates the Prisma client offline. The Prisma CLI downloads its native
// schema engine at the start of every command, but `generate` never uses it:
// pointing PRISMA_SCHEMA_ENGINE_BINARY at any existing file skips the download,
// so a fresh checkout without internet access still generates.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
let cli;
try {
  cli = require.resolve("prisma/build/index.js");
} catch {
  // Production installs (npm ci --omit=dev) have no CLI; the client was generated at build time.
  if (existsSync(new URL("../src/generated/prisma/client.ts", import.meta.url))) process.exit(0);
  console.error("prisma-generate: the prisma CLI is not installed and no generated client exists");
  process.exit(1);
}
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? "/bin/false",
  PRISMA_HIDE_UPDATE_MESSAGE: "1",
  CHECKPOINT_DISABLE: "1",
};
const result = spawnSync(process.execPath, [cli, "generate"], { stdio: "inherit", env });
process.exit(result.status ?? 1);
