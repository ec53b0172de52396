// Runs a driver (load.ts, closer.ts) in its own Node process, so the load
// generator never shares an event loop with the orchestrator. The input goes in
// as a JSON argument, the result comes back as one IPC message.
import { type ChildProcess, fork } from "node:child_process";

const running = new Set<ChildProcess>();

export type Worker<TResult> = {
  result: Promise<TResult>;
  /** Asks the driver to finish (drivers that run until told). */
  stop(): void;
};

export function startWorker<TInput, TResult>(modulePath: string, input: TInput): Worker<TResult> {
  const child = fork(modulePath, [JSON.stringify(input)], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  running.add(child);
  const result = new Promise<TResult>((resolveResult, reject) => {
    let answered = false;
    child.once("message", (message) => {
      answered = true;
      resolveResult(message as TResult);
    });
    child.once("exit", (code, signal) => {
      running.delete(child);
      if (!answered) reject(new Error(`${modulePath} exited (${signal ?? code}) without a result`));
    });
  });
  return { result, stop: () => child.connected && child.send("stop") };
}

/** Kills the drivers still running (on failure or Ctrl-C), each by its own pid. */
export function killWorkers(): void {
  for (const child of running) child.kill("SIGKILL");
}

/** In a driver: its input, and how it answers. */
export function workerInput<TInput>(): TInput {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error("a driver is started by bench/worker.ts with its input as argument");
  return JSON.parse(raw) as TInput;
}

export function answer(result: unknown): void {
  process.send?.(result, () => process.exit(0));
}
