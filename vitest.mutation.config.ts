// The tests Stryker runs (npm run test:mutation): the unit tests and the tests of the
// mutated files (stryker.config.json), not the whole suite, so a run stays bounded.
import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    // Replaces the base list (mergeConfig would append to it).
    include: [
      "tests/unit/**/*.test.ts",
      "tests/modules/appeals/selector.test.ts",
      "tests/modules/auth/auth-mode.test.ts",
      "tests/modules/auth/auth-startup.test.ts",
      "tests/modules/auth/auth-plugin.test.ts",
      "tests/modules/auth/api-key.service.test.ts",
      "tests/modules/auth/api-key-cache.test.ts",
      "tests/modules/auth/failed-auth-limit.test.ts",
      "tests/http/problem-json.test.ts",
      "tests/http/framework-errors.test.ts",
      "tests/http/error-handler.test.ts",
    ],
  },
});
