// The live stream's contract: what a client may ask for (types, where to resume). What
// it answers is text/event-stream, described in the route (event-stream.routes.ts).
import { z } from "zod";
import { integerString } from "../../http/common.schemas.js";
import { AUDIT_ACTIONS } from "../audit/audit.schemas.js";

/**
 * The types a stream may be filtered by: what the log records today. The event types of
 * API.md that no writer records yet are refused until one does, so a typo is a 400 rather
 * than a stream that stays silent.
 */
export const STREAM_EVENT_TYPES: readonly string[] = AUDIT_ACTIONS;

const KNOWN_TYPES = new Set(STREAM_EVENT_TYPES);

/** "a, b,a" -> ["a", "b"]; an unknown or empty name is a 400 naming `types` and listing the valid ones. */
const typesSchema = z
  .string()
  .transform((value, context) => {
    const names = [...new Set(value.split(",").map((name) => name.trim()))];
    const unknown = names.filter((name) => !KNOWN_TYPES.has(name));
    if (unknown.length > 0) {
      const named = unknown.map((name) => (name === "" ? "(empty)" : JSON.stringify(name))).join(", ");
      context.addIssue({
        code: "custom",
        message: `unknown event type ${named}; valid types: ${STREAM_EVENT_TYPES.join(", ")}`,
      });
      return z.NEVER;
    }
    return names;
  })
  .meta({ examples: ["appeal.assigned,appeal.closed"] })
  .describe(`Only events of these types, comma-separated: ${STREAM_EVENT_TYPES.join(", ")}`);

/** Event ids are a bigint sequence; 0 asks for the whole log. */
const eventIdString = integerString(0, Number.MAX_SAFE_INTEGER, 16);

export const streamQuerySchema = z.strictObject({
  types: typesSchema.optional(),
  last_event_id: eventIdString
    .optional()
    .describe(
      "Resume after this event id, for clients that cannot set the Last-Event-ID header; the header wins " +
        "when both are sent (a browser's EventSource reconnects with the header, to the URL it first used)",
    ),
});

export const streamHeadersSchema = z.object({
  "last-event-id": eventIdString
    .optional()
    .describe(
      "Resume after this event id: every event after it comes first, then live ones (0: the whole log). " +
        "Without it (or last_event_id) the stream starts with the events committed after it opened",
    ),
});

export type StreamQuery = z.infer<typeof streamQuerySchema>;
