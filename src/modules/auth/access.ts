// The access rules routes declare in `config: { access }`. admin may do everything,
// viewer every read, intake register appeals, read one back, post lead and bot messages,
// create tasks and read the bot scripts they follow, operator read its own appeals, post
// operator messages on them and create, read and change its own tasks. A role a rule does not
// name gets a 403.
import type { Access } from "./principal.js";

export const ACCESS = {
  /** No key needed: health, readiness, the API docs. */
  public: "public",
  /** Changes: operators, sources, weights, closing appeals, API keys. */
  admin: ["admin"],
  /** Every GET. */
  read: ["admin", "viewer"],
  /** POST /appeals: the bots' intake. */
  intake: ["admin", "intake"],
  /**
   * GET /appeals/{id}: a bot reads back an appeal of its sources, an operator key one of its
   * own; the route passes both scopes, and outside them the appeal is a 404.
   */
  readAppeal: ["admin", "intake", "viewer", "operator"],
  /** GET /appeals: an operator key's list holds its own appeals only (the route passes the scope). */
  listAppeals: ["admin", "viewer", "operator"],
  /**
   * POST /appeals/{id}/messages: a bot posts lead and bot messages on appeals of its sources, an
   * operator key operator messages on its own appeals; the service checks the sender per role (403).
   */
  postMessage: ["admin", "intake", "operator"],
  /**
   * GET /events/stream: every role, each seeing its own part (streamFilter in
   * event-stream.service.ts): an operator key its appeals, an intake key its sources.
   */
  events: ["admin", "viewer", "operator", "intake"],
  /** POST /tasks: admins, bots (for the lead's operator) and operator keys (for themselves). */
  createTask: ["admin", "intake", "operator"],
  /** GET /tasks, GET /tasks/{id}: an operator key its own tasks only (others 404). */
  readTasks: ["admin", "viewer", "operator"],
  /**
   * GET /bot-scripts/{id} and its versions: a bot reads the script it follows; a key with
   * source_ids only the scripts its sources name (the route passes the scope; others 404).
   */
  readBotScript: ["admin", "viewer", "intake"],
  /** PATCH /tasks/{id}: an operator key its own tasks only (others 404). */
  updateTask: ["admin", "operator"],
} as const satisfies Record<string, Access>;
