// The README's examples run as written once its own first step (an admin key in KEY) is done:
// every curl to a route that needs a key sends it. A newcomer copying the error example got a
// 401 instead of the validation error it shows. The walkthroughs with other roles' keys (a bot's
// BOT_KEY, an operator's OP_KEY) set those variables in the README itself first.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

/** Routes without an API key: the probes, the docs, and the calendar feed (its token is in its URL). */
const PUBLIC = /^\/(health|ready|docs|calendar\.ics)\b/;

/** Each curl command of the README's bash blocks, continuation lines joined. */
function curlCommands(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/```bash\n([\s\S]*?)```/g)].map((match) => match[1] ?? "");
  return blocks.flatMap((block) =>
    block
      .replace(/\\\n\s*/g, " ")
      .split("\n")
      .filter((line) => line.trimStart().startsWith("curl ")),
  );
}

describe("README examples", () => {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const commands = curlCommands(readme);

  it("has curl examples", () => {
    expect(commands.length).toBeGreaterThan(40);
  });

  it("sends the admin key on every route that needs one", () => {
    const keyless = commands.filter((command) => {
      const path = /https?:\/\/[^/\s'"]+(\/[^\s'"]*)/.exec(command)?.[1] ?? "";
      return !PUBLIC.test(path) && !/-H "Authorization: Bearer \$[A-Z_]*KEY"/.test(command);
    });
    expect(keyless).toEqual([]);
  });

  it("sets every key variable a curl sends before it is used", () => {
    const variables = new Set(
      commands.flatMap((command) => [...command.matchAll(/Bearer \$([A-Z_]*KEY)\b/g)].map((m) => m[1])),
    );
    for (const name of variables) {
      if (name === "KEY" || name === "BOOTSTRAP_ADMIN_KEY") continue;
      const assigned = readme.search(new RegExp(`\\b${name}=`));
      const used = readme.search(new RegExp(`Bearer \\$${name}\\b`));
      expect(assigned, `${name} is set in the README`).toBeGreaterThanOrEqual(0);
      expect(assigned, `${name} is set before its first use`).toBeLessThan(used);
    }
    expect(variables.size).toBeGreaterThan(1);
  });
});
