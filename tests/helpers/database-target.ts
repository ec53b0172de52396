// Which PostgreSQL the tests run on: TEST_DATABASE_URL, or the local server, or,
// outside CI when no server answers, an embedded PGlite (and the tests that only
// mean something on a real server are skipped, saying why).
import pg from "pg";

export const DEFAULT_TEST_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/postgres";

export function serverUrl(env: Record<string, string | undefined> = process.env): string {
  return env.TEST_DATABASE_URL || DEFAULT_TEST_DATABASE_URL;
}

/**
 * TEST_DATABASE=embedded: the embedded PGlite even when a server answers, in CI too (the
 * platform's tests run on both databases: .ci/run).
 */
export function embeddedForced(env: Record<string, string | undefined> = process.env): boolean {
  return env.TEST_DATABASE === "embedded";
}

export async function serverAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Replaces the database name of a PostgreSQL URL. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** A URL as it may be printed: without its password. */
export function withoutPassword(url: string): string {
  const parsed = new URL(url);
  parsed.password = "";
  return parsed.toString();
}

/** The line npm test prints first: which database the files run on. */
export function databaseTargetLine(
  target: { kind: "server"; url: string; template: string } | { kind: "embedded"; url: string },
  env: Record<string, string | undefined> = process.env,
): string {
  if (target.kind === "embedded") {
    const why = embeddedForced(env) ? "TEST_DATABASE=embedded" : "no PostgreSQL server answered";
    return `[tests] database: embedded PGlite at ${new URL(target.url).host} (${why}; files run one after another)`;
  }
  return `[tests] database: PostgreSQL server ${withoutPassword(target.url)} (each test file clones ${target.template})`;
}
