// A segment's membership as SQL conditions on `leads l`, evaluated whenever the segment is read
// (its page, its count, GET /leads?segment_id=, the leads' exports), so it is always current.
// Each condition is one predicate of the row or one probe on an index keyed by the lead (appeals
// (lead_id, id), activities (lead_id, occurred_at, id), segment_leads (segment_id, lead_id)): a
// page reads the leads newest first and stops after its last member, so a dense segment costs a
// page (5-7 ms at 1M leads, docs/PERFORMANCE.md) and a sparse one (a small list, a rare activity)
// as many leads as lie between its members; the planner may drive a rare condition from its index.
import { Prisma } from "../../generated/prisma/client.js";
import type { SegmentConditions } from "./segment.schemas.js";

/** Who is in a segment: the leads its conditions keep, or the leads of its fixed list. */
export type SegmentMembership =
  | { kind: "filter"; conditions: SegmentConditions }
  | { kind: "list"; segmentId: number };

/** The conditions a lead of the segment meets (all of them). Erased leads are in no segment. */
export function membershipConditions(membership: SegmentMembership): Prisma.Sql[] {
  const conditions = [Prisma.sql`l.erased_at IS NULL`];
  if (membership.kind === "list") {
    conditions.push(Prisma.sql`EXISTS (
      SELECT 1 FROM segment_leads sl WHERE sl.segment_id = ${membership.segmentId} AND sl.lead_id = l.id)`);
    return conditions;
  }
  const filter = membership.conditions;
  // `tags <> '{}'` lets the planner use the partial GIN index (leads_tags_idx).
  if (filter.tags_any !== undefined) {
    conditions.push(Prisma.sql`l.tags && ${filter.tags_any}::text[] AND l.tags <> '{}'`);
  }
  if (filter.tags_all !== undefined) {
    conditions.push(Prisma.sql`l.tags @> ${filter.tags_all}::text[] AND l.tags <> '{}'`);
  }
  if (filter.consent !== undefined) {
    conditions.push(
      filter.consent ? Prisma.sql`l.consent_given_at IS NOT NULL` : Prisma.sql`l.consent_given_at IS NULL`,
    );
  }
  if (filter.blocked !== undefined) {
    conditions.push(filter.blocked ? Prisma.sql`l.blocked_at IS NOT NULL` : Prisma.sql`l.blocked_at IS NULL`);
  }
  if (filter.created_from !== undefined)
    conditions.push(Prisma.sql`l.created_at >= ${new Date(filter.created_from)}`);
  if (filter.created_to !== undefined)
    conditions.push(Prisma.sql`l.created_at < ${new Date(filter.created_to)}`);
  if (filter.source_ids !== undefined) {
    conditions.push(Prisma.sql`EXISTS (
      SELECT 1 FROM appeals a WHERE a.lead_id = l.id AND a.source_id = ANY(${filter.source_ids}::int[]))`);
  }
  if (filter.appeal_status !== undefined) {
    conditions.push(Prisma.sql`EXISTS (
      SELECT 1 FROM appeals a WHERE a.lead_id = l.id AND a.status = ${filter.appeal_status}::appeal_status)`);
  }
  // The latest appeal's time; a lead without appeals has none, so it meets neither bound.
  const lastAppeal = Prisma.sql`(SELECT max(a.created_at) FROM appeals a WHERE a.lead_id = l.id)`;
  if (filter.last_appeal_from !== undefined) {
    conditions.push(Prisma.sql`${lastAppeal} >= ${new Date(filter.last_appeal_from)}`);
  }
  if (filter.last_appeal_to !== undefined) {
    conditions.push(Prisma.sql`${lastAppeal} < ${new Date(filter.last_appeal_to)}`);
  }
  if (filter.activity !== undefined) {
    const { type, material_id, since, present } = filter.activity;
    const probe = [Prisma.sql`v.lead_id = l.id`, Prisma.sql`v.type = ${type}`];
    if (material_id !== undefined) probe.push(Prisma.sql`v.material_id = ${material_id}`);
    if (since !== undefined) probe.push(Prisma.sql`v.occurred_at >= ${new Date(since)}`);
    const exists = Prisma.sql`EXISTS (SELECT 1 FROM activities v WHERE ${Prisma.join(probe, " AND ")})`;
    conditions.push(present ? exists : Prisma.sql`NOT ${exists}`);
  }
  return conditions;
}
