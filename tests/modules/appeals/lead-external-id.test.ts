// A lead_external_id names a lead in a bot: one with nothing visible in it (a lone
// zero-width space, a word joiner, a soft hyphen) would be a lead nobody can tell
// apart or type back, so it is a 400 naming the field, and nothing is stored.
import { describe, expect, it } from "vitest";
import { createSource, unique } from "../../helpers/factories.js";
import { query } from "../../helpers/sql.js";
import { useTestApp } from "../../helpers/test-app.js";
import { expectValidationError } from "../../http/problem-assertions.js";

const t = useTestApp();

async function leadCount(): Promise<number> {
  const [row] = await query<{ n: number }>(t.testDatabase.url, "SELECT count(*)::int AS n FROM leads");
  return row?.n ?? -1;
}

describe("POST /appeals lead_external_id", () => {
  it.each([
    ["a zero-width space", "\u200b"],
    ["zero-width joiners and non-joiners", "\u200c\u200d\u200c"],
    ["a word joiner", "\u2060"],
    ["a soft hyphen", "\u00ad"],
    ["a Hangul filler", "\u3164"],
    ["a Braille blank", "\u2800"],
    ["a left-to-right mark between spaces", " \u200e "],
    ["a lone combining mark", "\u0301"],
  ])("refuses %s with a 400 naming lead_external_id, storing nothing", async (_, externalId) => {
    const source = await createSource(t.app);
    const before = await leadCount();
    const response = await t.app.inject({
      method: "POST",
      url: "/appeals",
      payload: { lead_external_id: externalId, source_id: source.id },
    });
    const body = expectValidationError(response, "lead_external_id");
    expect(body.errors?.[0]?.message).toBe("must contain a visible character");
    expect(await leadCount()).toBe(before);
  });

  it.each([
    ["latin", "tg_user_42"],
    ["Cyrillic", "клиент-7"],
    ["CJK", "客户"],
    ["an emoji", "🙂"],
    ["a visible character beside a zero-width space", "\u200bx"],
  ])("accepts %s", async (_, text) => {
    const source = await createSource(t.app);
    const externalId = `${text}-${unique("v")}`;
    const response = await t.app.inject({
      method: "POST",
      url: "/appeals",
      payload: { lead_external_id: externalId, source_id: source.id },
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json().lead_external_id).toBe(externalId);
  });
});
