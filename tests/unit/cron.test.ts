// When a cron schedule is due, by pg-boss's rule (its latest tick less than 60 s ago):
// what runDue({ at }) uses as a test clock.
import { describe, expect, it } from "vitest";
import { cronIsDue, parseCron } from "../../src/jobs/cron.js";

describe("cronIsDue", () => {
  it.each([
    ["2026-03-01T10:00:00.001Z", true],
    ["2026-03-01T10:00:30.000Z", true],
    ["2026-03-01T10:00:59.999Z", true],
    ["2026-03-01T10:01:00.000Z", false],
    ["2026-03-01T10:30:00.000Z", false],
    ["2026-03-01T09:59:59.999Z", false],
  ])("hourly (0 * * * *) at %s: %s", (at, due) => {
    expect(cronIsDue("0 * * * *", new Date(at))).toBe(due);
  });

  it("reads the expression in UTC", () => {
    expect(cronIsDue("0 3 * * *", new Date("2026-03-01T03:00:10Z"))).toBe(true);
    expect(cronIsDue("0 3 * * *", new Date("2026-03-01T04:00:10Z"))).toBe(false);
  });

  it("refuses an expression pg-boss would refuse", () => {
    expect(() => parseCron("every hour")).toThrow();
    expect(() => parseCron("0 * * * *")).not.toThrow();
  });
});
