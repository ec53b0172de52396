// The real application on a test file's own database, driven through app.inject().
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll } from "vitest";
import { buildApp } from "../../src/app.js";
import { connectDatabase, type Database } from "../../src/db/prisma.js";
import { createDeps, type Deps, type DepsOptions } from "../../src/deps.js";
import { createTestDatabase, type TestDatabase } from "./test-database.js";

export type AppOptions = DepsOptions & { poolSize?: number; onQuery?: (sql: string) => void };

export type RunningApp = { app: FastifyInstance; deps: Deps; database: Database; close(): Promise<void> };

/** An app instance over the given database; several may share one database, like service instances. */
export async function startTestApp(url: string, options: AppOptions = {}): Promise<RunningApp> {
  const database = connectDatabase({
    url,
    poolSize: options.poolSize ?? 5,
    ...(options.onQuery && { onQuery: options.onQuery }),
  });
  const deps = createDeps(database, options);
  const app = await buildApp({ deps });
  await app.ready();
  return {
    app,
    deps,
    database,
    async close() {
      await app.close();
      await database.close();
    },
  };
}

export type TestApp = RunningApp & { testDatabase: TestDatabase };

/**
 * Registers beforeAll/afterAll hooks that give the test file an app on its own
 * database. Read the returned object's fields inside tests (they are set in beforeAll).
 */
export function useTestApp(options: AppOptions = {}): TestApp {
  const context = {} as TestApp;
  beforeAll(async () => {
    const testDatabase = await createTestDatabase();
    Object.assign(context, await startTestApp(testDatabase.url, options), { testDatabase });
  });
  afterAll(async () => {
    await context.close?.();
    await context.testDatabase?.drop();
  });
  return context;
}
