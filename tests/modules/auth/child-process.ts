// Runs one of the project's entry points (server, CLI) as a real process through
// tsx (or built: see entry-point.ts), with an environment of the test's own choosing (not the developer's).
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { entryPointArgs } from "../../helpers/entry-point.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export type Child = {
  process: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Resolves with the first match of `pattern` in stdout or stderr; rejects on exit or timeout. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
};

/** `node --import tsx <script> ...args`, which is what `npx tsx` runs, in one process (or the built script). */
export function runTs(script: string, args: string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, [...entryPointArgs(script), ...args], {
    cwd: ROOT,
    // Only what the test sets, so the developer's AUTH, HOST or BOOTSTRAP_ADMIN_KEY never leak in.
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  const listeners = new Set<() => void>();
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    for (const listener of listeners) listener();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString();
    for (const listener of listeners) listener();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    process: child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(out) ?? pattern.exec(err);
          if (match) {
            done();
            resolve(match);
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${out}\n${err}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        void exited.then((code) => {
          if (!listeners.has(check)) return;
          done();
          reject(new Error(`exited (${code}) before ${pattern}; output:\n${out}\n${err}`));
        });
        listeners.add(check);
        check();
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}
