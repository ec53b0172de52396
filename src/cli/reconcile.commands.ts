// What `npm run db:reconcile` does and prints, apart from the process (reconcile.ts),
// so tests run it against a service. The report goes to stdout, messages to stderr.
import { parseArgs } from "node:util";
import type { LoadDrift } from "../modules/appeals/load-reconcile.repository.js";
import type { LoadReconcileService } from "../modules/appeals/load-reconcile.service.js";
import type { Output } from "./apikey.commands.js";

export const USAGE = `Usage:
  npm run db:reconcile              sets operators' active_load and the appeal_counts rows to what
                                    the appeals say, where they disagree, and prints what it changed
  npm run db:reconcile -- --dry-run prints the disagreements only

Safe while the service runs on DATABASE_URL: it locks the counters it repairs for one short
transaction. The embedded database (DATA_DIR) takes one process at a time: stop the service first.`;

export type Options = { dryRun: boolean; force: boolean; help: boolean };

export function parseOptions(argv: string[]): Options | { error: string } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        "dry-run": { type: "boolean" },
        force: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (positionals.length > 0) return { error: `unexpected argument "${positionals.join(" ")}"` };
    return { dryRun: values["dry-run"] ?? false, force: values.force ?? false, help: values.help ?? false };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** Runs the check or the repair; returns the exit code (0 whether or not there was drift). */
export async function runReconcile(
  service: Pick<LoadReconcileService, "findDrift" | "reconcile">,
  io: Output,
  { dryRun }: { dryRun: boolean },
  actor: string,
): Promise<number> {
  const drift = dryRun ? await service.findDrift() : await service.reconcile(actor);
  const rows = drift.activeLoad.length + drift.appealCounts.length;
  if (rows === 0) {
    io.out("No drift: every active_load and appeal_counts row agrees with the appeals.");
    return 0;
  }
  for (const line of describeDrift(drift)) io.out(line);
  io.out(
    dryRun
      ? `Dry run: nothing changed. ${rows} counter(s) would be repaired; run without --dry-run to repair them.`
      : `Repaired ${rows} counter(s).`,
  );
  return 0;
}

/** One line per drifted counter: what is stored, what the appeals say. */
export function describeDrift({ activeLoad, appealCounts }: LoadDrift): string[] {
  const lines: string[] = [];
  if (activeLoad.length > 0) {
    lines.push(`active_load: ${activeLoad.length} operator(s) disagree with their active appeals`);
    for (const d of activeLoad) {
      lines.push(`  operator ${d.operatorId}: active_load ${d.actual}, active appeals ${d.expected}`);
    }
  }
  if (appealCounts.length > 0) {
    lines.push(`appeal_counts: ${appealCounts.length} row(s) disagree with the appeals`);
    for (const d of appealCounts) {
      const key = `source ${d.sourceId}, ${d.operatorId === null ? "no operator" : `operator ${d.operatorId}`}, ${d.status}`;
      const stored = d.actual === null ? "row missing" : `n ${d.actual}`;
      lines.push(`  ${key}: ${stored}, appeals ${d.expected}${d.expected === 0 ? " (extra row)" : ""}`);
    }
  }
  return lines;
}
