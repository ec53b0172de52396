// The access rules routes declare in `config: { access }`. admin may do everything,
// viewer every read, intake register appeals, read one back, post lead and bot messages (on an
// appeal, or to a lead's open conversation), create tasks, read published materials and the bot
// scripts they follow, record activities and keep their dialog state, operator read, close and
// transfer its own appeals, post operator messages on them, create, read and change its own tasks
// and read and set its own availability. A role a rule does not name gets a 403.
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
  /**
   * PATCH /appeals/{id}/close and /assign: an operator key closes and transfers its own appeals
   * (others 404, in the statement: OWN APPEALS in distribution.sql.ts), never with force (403).
   * Reopening stays admin's: a closed appeal is no one's to take back.
   */
  moveAppeal: ["admin", "operator"],
  /**
   * GET and PATCH /operators/me: the operator an operator key acts for. No other role names an
   * operator, so for them there is no "me": a 403 (open mode, without a key, too: the route's).
   */
  self: ["operator"],
  /** GET /appeals: an operator key's list holds its own appeals only (the route passes the scope). */
  listAppeals: ["admin", "viewer", "operator"],
  /**
   * POST /appeals/{id}/messages: a bot posts lead and bot messages on appeals of its sources, an
   * operator key operator messages on its own appeals; the service checks the sender per role (403).
   */
  postMessage: ["admin", "intake", "operator"],
  /**
   * POST /leads/by-external-id/{external_id}/messages: a bot posts its lead's message, which may
   * open an appeal (an intake); a scoped key within its sources (the service answers 404 outside).
   */
  stickyMessage: ["admin", "intake"],
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
  /**
   * GET /materials, GET /materials/{id}: bots list and show materials, published ones only (the
   * route passes that visibility; anything else is the 404 of a missing one).
   */
  readMaterials: ["admin", "viewer", "intake"],
  /** POST /activities: bots record what leads do; a scoped key only for leads of its sources (others 404). */
  recordActivity: ["admin", "intake"],
  /**
   * PUT and DELETE /bot-state/{source_id}/{chat_id}: bots keep their dialog state; a key with
   * source_ids only in its sources (others 404). Operator keys have no dialog to keep (403).
   */
  writeBotState: ["admin", "intake"],
  /** GET /bot-state/{source_id}/{chat_id}: the bot reads its state back; viewers read every GET. */
  readBotState: ["admin", "viewer", "intake"],
} as const satisfies Record<string, Access>;
