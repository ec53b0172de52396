// The audit trail's contract: the event vocabulary, the read queries, the answers.
import { z } from "zod";
import {
  idSchema,
  integerString,
  pageSchema,
  paginationQueryOf,
  queryIdSchema,
  timestampSchema,
  withoutNul,
} from "../../http/common.schemas.js";

/**
 * Every event type the log records. The engine's events are written by the SQL in
 * distribution.repository.ts, drain.repository.ts and appeal-moves.repository.ts.
 */
export const AUDIT_ACTIONS = [
  "operator.created",
  "operator.updated",
  /** npm run db:reconcile set active_load to the operator's count of active appeals. */
  "operator.load_reconciled",
  "operator.archived",
  "source.created",
  "source.updated",
  "source.archived",
  "weights.replaced",
  "weight.set",
  "weight.removed",
  "api_key.created",
  "api_key.revoked",
  "webhook.created",
  "webhook.updated",
  "webhook.deleted",
  "appeal.created",
  /** An operator took the appeal: at intake, by a drain (details.via "drain") or a transfer. */
  "appeal.assigned",
  /** Back to pending: its operator was archived with reassign. */
  "appeal.queued",
  /** Recorded before the event log (2026-12-01) only: a drain's assignment, now appeal.assigned. */
  "appeal.drained",
  "appeal.closed",
  "appeal.reopened",
  "lead.created",
  "lead.updated",
  /** DELETE /leads/{id}: the personal data blanked everywhere; data is the blank lead. */
  "lead.erased",
  "message.created",
  "task.created",
  "task.updated",
  "material.created",
  "material.updated",
  /** DELETE /materials/{id}: out of the default lists, no new activities. */
  "material.archived",
  "bot_script.created",
  "bot_script.updated",
  "segment.created",
  "segment.updated",
  /** DELETE /segments/{id}: out of the default lists, still readable, no changes. */
  "segment.archived",
  "resource.created",
  "resource.updated",
  /** DELETE /resources/{id}: out of the default list, no new bookings; its bookings stay. */
  "resource.archived",
  "booking.created",
  /** PATCH /bookings/{id}: a move, a change of its fields, completed. */
  "booking.updated",
  "booking.cancelled",
  /** BOOKING_REMINDER_BEFORE_MINUTES before the first item starts, once per start (recorded by "system"). */
  "booking.reminder",
  /** POST /calendar/feeds: data is the feed without its token (only the token's hash is stored). */
  "calendar_feed.created",
  /** DELETE /calendar/feeds/{id}: its URL answers 401 from then on. */
  "calendar_feed.revoked",
] as const;

export const AUDIT_ENTITY_TYPES = [
  "operator",
  "source",
  "appeal",
  "lead",
  "api_key",
  "webhook",
  "message",
  "task",
  "material",
  "bot_script",
  "segment",
  "resource",
  "booking",
  "calendar_feed",
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];
export type AuditEntityType = (typeof AUDIT_ENTITY_TYPES)[number];

export const auditEventSchema = z
  .object({
    id: idSchema.describe("Increases in the order events were recorded"),
    occurred_at: timestampSchema.describe("When the transaction that made the change started"),
    actor: z.string().describe('The label of the API key that made the change ("anonymous" in open mode)'),
    type: z.string().describe(`One of ${AUDIT_ACTIONS.join(", ")}`),
    action: z.string().describe("The same as type (the field's name before the event log)"),
    entity_type: z.string().describe(`One of ${AUDIT_ENTITY_TYPES.join(", ")}`),
    entity_id: idSchema,
    appeal_id: idSchema.nullable().describe("Set on appeal events"),
    data: z
      .record(z.string(), z.unknown())
      .describe(
        "The resource as the API showed it right after the change (the Appeal, Lead, Message, Task, Material, Operator, Source, " +
          "weights or API key); {} for events recorded before the event log",
      ),
    details: z
      .record(z.string(), z.unknown())
      .describe(
        "What changed: the fields sent with their values before and after (operator.updated, source.updated), " +
          "the old and new weights (weights.replaced), the created record (*.created), active_load before and " +
          "after (operator.load_reconciled), the operator chosen (appeal.assigned, appeal.drained) or released " +
          "(appeal.closed), the profile fields an intake changed, before and after, with the appeal that changed " +
          "them (lead.updated)",
      ),
  })
  .meta({ id: "AuditEvent" });

/** Audit ids are a bigint sequence: wider than the int4 ids of the other tables. */
const auditCursor = integerString(1, Number.MAX_SAFE_INTEGER, 15);

export const listAuditQuerySchema = z
  .strictObject({
    type: z.enum(AUDIT_ACTIONS).optional().describe("Only events of this type"),
    action: z.enum(AUDIT_ACTIONS).optional().describe("The same as type (its name before the event log)"),
    actor: withoutNul(z.string().min(1).max(200)).optional().describe("Only events by this API key label"),
    entity_type: z.enum(AUDIT_ENTITY_TYPES).optional().describe("Only events about this kind of entity"),
    entity_id: queryIdSchema.optional().describe("Only events about the entity with this id"),
    appeal_id: queryIdSchema.optional().describe("Only events of this appeal"),
    from: timestampSchema.optional().describe("Only events at or after this time (inclusive)"),
    to: timestampSchema.optional().describe("Only events before this time (exclusive)"),
    ...paginationQueryOf(auditCursor),
  })
  .refine(
    (query) =>
      query.from === undefined || query.to === undefined || Date.parse(query.from) <= Date.parse(query.to),
    {
      message: "must not be before from",
      path: ["to"],
      when: (payload) => payload.issues.length === 0,
    },
  );

export const auditPageSchema = pageSchema(auditEventSchema, "AuditEventPage");

export type AuditEventDto = z.infer<typeof auditEventSchema>;
export type ListAuditQuery = z.infer<typeof listAuditQuerySchema>;
