// Cron expressions as pg-boss's timekeeper reads them (cron-parser, the version
// pg-boss itself depends on), so runDue({ at }) decides "due" exactly as it does.
import cronParser from "cron-parser";

/** Throws on an expression pg-boss would refuse (at start, on every instance, not at the first tick). */
export function parseCron(cron: string): void {
  cronParser.parseExpression(cron, { tz: "UTC" });
}

/** pg-boss's rule: a schedule is due when its latest tick before `at` is less than 60 s old. */
export function cronIsDue(cron: string, at: Date): boolean {
  const previous = cronParser.parseExpression(cron, { tz: "UTC", currentDate: at }).prev();
  return at.getTime() - previous.getTime() < 60_000;
}
