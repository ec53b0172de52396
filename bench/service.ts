// The service under test: built if dist is missing or older than its sources,
// started as its own process (production settings, logging at warn) and stopped
// with SIGTERM so a --cpu-prof profile is written.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import type { Target } from "./api.js";

export type Service = {
  pid: number;
  target: Target;
  /** Stops the process (SIGTERM, then SIGKILL after 10 s). */
  stop(): Promise<void>;
};

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === "generated") continue; // rewritten by every build
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

/** Runs `npm run build` when dist/src/server.js is missing or older than anything it is built from. */
export function ensureBuilt(root: string, log: (line: string) => void): void {
  const entry = join(root, "dist/src/server.js");
  const sources = ["src", "prisma/schema.prisma", "package.json", "tsconfig.json", "tsconfig.build.json"];
  const newestSource = Math.max(...sources.map((path) => newestMtime(join(root, path))));
  if (existsSync(entry) && statSync(entry).mtimeMs >= newestSource) return;
  log("building the service (dist is missing or stale): npm run build");
  const result = spawnSync("npm", ["run", "build"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  if (result.status !== 0)
    throw new Error(`npm run build failed (${result.signal ?? `status ${result.status}`})`);
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

async function waitForHealth(baseUrl: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the service exited with code ${child.exitCode} at start`);
    try {
      const response = await fetch(`${baseUrl}/ready`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the service did not answer ${baseUrl}/ready within ${timeoutMs} ms`);
}

export async function startService(options: {
  root: string;
  databaseUrl: string;
  poolSize: number;
  cpuProfileDir?: string | undefined;
  nodeOptions?: string | undefined;
}): Promise<Service> {
  const port = await freePort();
  const apiKey = `bench-${randomBytes(24).toString("hex")}`;
  const nodeArgs = options.cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  const child = spawn(process.execPath, [...nodeArgs, "dist/src/server.js"], {
    cwd: options.root,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: "production",
      LOG_LEVEL: "warn",
      HOST: "127.0.0.1",
      PORT: String(port),
      DATABASE_URL: options.databaseUrl,
      DATABASE_POOL_SIZE: String(options.poolSize),
      MIGRATE_ON_START: "true",
      // Production settings, except that one load generator is not one abusive client:
      // rate limiting per key would measure the limiter, not the intake.
      RATE_LIMIT_PER_MINUTE: "0",
      // The webhook phase's receiver listens on 127.0.0.1, which the SSRF guard refuses otherwise.
      WEBHOOK_ALLOW_PRIVATE_URLS: "true",
      BOOTSTRAP_ADMIN_KEY: apiKey,
      ...(options.nodeOptions && { NODE_OPTIONS: options.nodeOptions }),
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolveExit) => child.once("exit", () => resolveExit()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitForHealth(baseUrl, child, 30_000);
  } catch (error) {
    await stop();
    throw error;
  }
  if (child.pid === undefined) throw new Error("the service has no pid");
  return { pid: child.pid, target: { baseUrl, apiKey }, stop };
}
