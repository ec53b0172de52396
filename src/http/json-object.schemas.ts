// A client's own JSON object stored as sent (an activity's data, a bot's dialog state's): bounded
// in size and depth, and made only of text PostgreSQL's jsonb can hold, so a bad one is a 400
// naming the field instead of a database error.
import { z } from "zod";
import { hasUnstorableText } from "./common.schemas.js";

export type JsonObjectLimits = { maxBytes: number; maxDepth: number };

/**
 * A JSON object (not an array, not null) of at most `maxBytes` bytes once serialised, nested at
 * most `maxDepth` levels. Every problem is reported on the field itself, with where inside it in
 * the message: a member's name may hold dots, so a joined path would name no real field.
 */
export function jsonObjectSchema({ maxBytes, maxDepth }: JsonObjectLimits) {
  return z
    .record(z.string(), z.unknown())
    .superRefine((value, ctx) => {
      const problem = depthOrTextProblem(value, maxDepth);
      if (problem !== null) {
        ctx.addIssue({ code: "custom", message: problem });
        return;
      }
      const bytes = Buffer.byteLength(JSON.stringify(value), "utf8");
      if (bytes > maxBytes) {
        ctx.addIssue({
          code: "custom",
          message: `must be at most ${maxBytes} bytes as JSON (it is ${bytes})`,
        });
      }
    })
    .meta({ examples: [{ source: "menu", button: "price_list" }] });
}

/**
 * Walks the value without recursion (a deep one must not exhaust the stack): too deep, or a
 * member name or string holding NUL or a lone surrogate, which jsonb refuses.
 */
function depthOrTextProblem(root: unknown, maxDepth: number): string | null {
  const stack: { value: unknown; at: string; depth: number }[] = [{ value: root, at: "", depth: 1 }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { value, at, depth } = next;
    if (typeof value === "string") {
      if (hasUnstorableText(value)) return `${at || "a value"}: ${UNSTORABLE}`;
      continue;
    }
    if (value === null || typeof value !== "object") continue;
    if (depth > maxDepth) return `must be nested at most ${maxDepth} levels deep (${at} is deeper)`;
    const entries = Array.isArray(value)
      ? value.map((item, i) => [String(i), item] as const)
      : Object.entries(value);
    for (const [key, child] of entries) {
      if (hasUnstorableText(key)) return `a member name: ${UNSTORABLE}`;
      stack.push({ value: child, at: at === "" ? key : `${at}.${key}`, depth: depth + 1 });
    }
  }
  return null;
}

const UNSTORABLE = "must not contain the NUL character (U+0000) nor a lone UTF-16 surrogate";
