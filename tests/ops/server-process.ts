// The real server (src/server.ts, or its build: see entry-point.ts) as a child process on a port of its own, and a
// bare HTTP client that opens one connection per request, so what it sees after
// a SIGTERM is exactly what a new client would: a refused connection or an answer.
import { type ChildProcess, spawn } from "node:child_process";
import http from "node:http";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { entryPointArgs } from "../helpers/entry-point.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export type ServerProcess = {
  port: number;
  child: ChildProcess;
  /** What the process wrote, for failure messages. */
  output(): string;
  /** Resolves with the exit code and the time it took from the call, or null on a kill. */
  exited: Promise<{ code: number | null; at: number }>;
  /** How long the process took to answer /health. */
  startMs: number;
};

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startServer(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, entryPointArgs("src/server.ts"), {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_LEVEL: "warn",
      AUTH: "off",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const exited = new Promise<{ code: number | null; at: number }>((resolve) => {
    child.once("exit", (code) => resolve({ code, at: performance.now() }));
  });
  const server: ServerProcess = { port, child, output: () => output, exited, startMs: 0 };
  const started = performance.now();
  for (;;) {
    const answer = await request(port, "GET", "/health").catch(() => undefined);
    if (answer?.status === 200) {
      server.startMs = performance.now() - started;
      return server;
    }
    if (child.exitCode !== null) throw new Error(`the server exited at start:\n${output}`);
    if (performance.now() - started > 60_000) {
      child.kill("SIGKILL");
      throw new Error(`the server did not answer /health within 60 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export type Answer = { status: number; body: string; headers: http.IncomingHttpHeaders };

/**
 * One request, on a connection of its own unless a keep-alive agent is given;
 * rejects with the socket error.
 */
export function request(
  port: number,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  agent: http.Agent | false = false,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        method,
        path,
        agent,
        headers: { ...headers, ...(payload !== undefined && { "content-type": "application/json" }) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => {
          text += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}
