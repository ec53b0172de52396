// The access rules routes declare in `config: { access }`. admin may do everything,
// viewer every read, intake register appeals and read one back.
import type { Access } from "./principal.js";

export const ACCESS = {
  /** No key needed: health, readiness, the API docs. */
  public: "public",
  /** Changes: operators, sources, weights, closing appeals. */
  admin: ["admin"],
  /** Every GET. */
  read: ["admin", "viewer"],
  /** POST /appeals: the bots' intake. */
  intake: ["admin", "intake"],
  /** GET /appeals/{id}: a bot reads back the appeal it registered. */
  readAndIntake: ["admin", "intake", "viewer"],
} as const satisfies Record<string, Access>;
