import { defineConfig } from "vitest/config";
import { embeddedForced, serverAnswers, serverUrl } from "./tests/helpers/database-target.js";

// On a real server every test file clones its own database, so files run in
// parallel; on the embedded fallback they share one and run one after another.
const realServer = !embeddedForced() && (await serverAnswers(serverUrl()));

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    globalSetup: ["tests/helpers/global-setup.ts"],
    fileParallelism: realServer,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
