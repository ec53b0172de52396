// How tests start one of the project's entry points (the server, the apikey CLI) as a
// process: from source through tsx, or, with TEST_BUILT=1, the compiled file in dist/
// that `npm start` and the container run (.ci/run does so under Node 24).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The node arguments that run `script` ("src/server.ts"), from source or built. */
export function entryPointArgs(script: string): string[] {
  if (process.env.TEST_BUILT !== "1") return ["--import", "tsx", script];
  const built = script.replace(/^src\//, "dist/src/").replace(/\.ts$/, ".js");
  if (!existsSync(`${ROOT}/${built}`)) {
    throw new Error(`TEST_BUILT=1 but ${built} does not exist: run npm run build first`);
  }
  return ["--enable-source-maps", built];
}
