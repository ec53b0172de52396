// The README's examples run as written once its own first step (an admin key in KEY) is done:
// every curl to a route that needs a key sends it. A newcomer copying the error example got a
// 401 instead of the validation error it shows.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const PUBLIC = /^\/(health|ready|docs)\b/;

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
  const commands = curlCommands(readFileSync(new URL("../../README.md", import.meta.url), "utf8"));

  it("has curl examples", () => {
    expect(commands.length).toBeGreaterThan(40);
  });

  it("sends the admin key on every route that needs one", () => {
    const keyless = commands.filter((command) => {
      const path = /https?:\/\/[^/\s'"]+(\/[^\s'"]*)/.exec(command)?.[1] ?? "";
      return !PUBLIC.test(path) && !/-H "Authorization: Bearer \$(KEY|BOOTSTRAP_ADMIN_KEY)"/.test(command);
    });
    expect(keyless).toEqual([]);
  });
});
