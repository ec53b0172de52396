// The real application on a test file's own database, driven through app.inject().
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll } from "vitest";
import { buildApp } from "../../src/app.js";
import { connectDatabase, type Database } from "../../src/db/prisma.js";
import type { SqlClient } from "../../src/db/sql.js";
import { createDeps, type Deps, type DepsOptions } from "../../src/deps.js";
import type { HttpOptions } from "../../src/http/security.js";
import type { AuthSettings } from "../../src/modules/auth/auth.plugin.js";
import { createTestDatabase, onRealServer, type TestDatabase } from "./test-database.js";

export type AppOptions = DepsOptions & {
  poolSize?: number;
  onQuery?: (sql: string) => void;
  /** Limits (body, rate, deadline, CORS); by default none beyond buildApp's own. */
  http?: Partial<HttpOptions>;
  /** The database timeouts of connectDatabase; by default none (statement) and 5 s (connection). */
  statementTimeoutMs?: number;
  connectionTimeoutMs?: number;
  /** Wraps the raw-statement client the services use (fault injection). */
  wrapSql?: (sql: SqlClient) => SqlClient;
  /** Adds test-only routes or hooks to the app before it is ready. */
  configure?: (app: FastifyInstance, deps: Deps) => void | Promise<void>;
  /**
   * AUTH mode and listening address; by default the zero-config one (auto on 127.0.0.1):
   * open while the test's database has no API key.
   */
  auth?: AuthSettings;
};

/**
 * The authentication cache of test apps: long, so a cache refresh never lands in a test that
 * counts statements. Keys created or revoked through the app's own service apply at once anyway.
 */
const TEST_API_KEY_CACHE_TTL_MS = 60 * 60 * 1000;

export type RunningApp = { app: FastifyInstance; deps: Deps; database: Database; close(): Promise<void> };

/** An app instance over the given database; several may share one database, like service instances. */
export async function startTestApp(url: string, options: AppOptions = {}): Promise<RunningApp> {
  const database = connectDatabase({
    url,
    // The embedded database serves at most EMBEDDED_MAX_CONNECTIONS (10) at once, shared by
    // every app, thread and client of a test file: small pools there (it runs one query at a time anyway).
    poolSize: options.poolSize ?? (onRealServer ? 5 : 2),
    ...(!onRealServer && { backgroundPoolSize: 1, heavyPoolSize: 1, sharedSession: true }),
    // As in production: named (prepared) statements on a real server, none on PGlite.
    prepareStatements: onRealServer,
    ...(options.onQuery && { onQuery: options.onQuery }),
    ...(options.statementTimeoutMs !== undefined && { statementTimeoutMs: options.statementTimeoutMs }),
    ...(options.connectionTimeoutMs !== undefined && { connectionTimeoutMs: options.connectionTimeoutMs }),
  });
  const deps = createDeps(options.wrapSql ? { ...database, sql: options.wrapSql(database.sql) } : database, {
    ...options,
    apiKeys: { cacheTtlMs: TEST_API_KEY_CACHE_TTL_MS, ...options.apiKeys },
  });
  const app = await buildApp({
    deps,
    ...(options.http && { http: options.http }),
    auth: options.auth ?? { mode: "auto", host: "127.0.0.1" },
  });
  await options.configure?.(app, deps);
  await app.ready();
  return {
    app,
    deps,
    database,
    async close() {
      await app.close();
      await deps.eventFeed.stop();
      await deps.jobs.stop({ timeoutMs: 5_000 }); // nothing when the test never started them
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
