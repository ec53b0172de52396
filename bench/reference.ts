// The reference: pgbench running bench/reference-assign.sql, the least
// database work one appeal can cost, as one statement, on the same server and
// in the same run as the service. Its tps is the limit the service is held to.
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { query } from "./database.js";
import { SOURCES } from "./scenario.js";

export type ReferenceResult = { tps: number; latencyMs: number; transactions: number; failed: number };

/** A reference run (or its slices merged) with the CPU its backends and pgbench itself used. */
export type ReferenceFigures = ReferenceResult & {
  /** Wall seconds of the pgbench runs, start and connections included. */
  seconds: number;
  dbCpuSeconds: number;
  clientCpuSeconds: number;
};

/** Creates the reference's tables (schema bench_ref) in the scratch database. */
export async function setUpReference(databaseUrl: string, referenceDir: string): Promise<void> {
  const sql = await readFile(join(referenceDir, "reference-setup.sql"), "utf8");
  await query(databaseUrl, sql);
}

export function parsePgbench(output: string): ReferenceResult {
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(output);
  if (!tps) throw new Error(`pgbench printed no tps:\n${output}`);
  const latency = /latency average = ([\d.]+) ms/.exec(output);
  const processed = /number of transactions actually processed: (\d+)/.exec(output);
  const failed = /number of failed transactions: (\d+)/.exec(output);
  return {
    tps: Number(tps[1]),
    latencyMs: latency ? Number(latency[1]) : Number.NaN,
    transactions: processed ? Number(processed[1]) : 0,
    failed: failed ? Number(failed[1]) : 0,
  };
}

/** A pgbench script and the variables it is run with (`-D name=value`). */
export type PgbenchScript = { file: string; defines: Record<string, number> };

/** The intake's reference: one appeal, one statement. */
export function assignScript(referenceDir: string): PgbenchScript {
  return { file: join(referenceDir, "reference-assign.sql"), defines: { sources: SOURCES } };
}

export function runPgbench(
  databaseUrl: string,
  script: PgbenchScript,
  clients: number,
  seconds: number,
  onStart: (pid: number | undefined) => void = () => {},
): Promise<ReferenceResult> {
  const args = ["-n", "-c", String(clients), "-j", "2", "-T", String(seconds)];
  for (const [name, value] of Object.entries(script.defines)) args.push("-D", `${name}=${value}`);
  args.push("-f", script.file, databaseUrl);
  return new Promise((resolveRun, reject) => {
    const child = spawn("pgbench", args, { stdio: ["ignore", "pipe", "pipe"] });
    onStart(child.pid);
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code !== 0) reject(new Error(`pgbench exited with ${code}:\n${output}`));
      else {
        try {
          resolveRun(parsePgbench(output));
        } catch (error) {
          reject(error);
        }
      }
    });
  });
}
