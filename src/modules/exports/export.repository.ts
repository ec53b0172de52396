// The exports' statements: one per export, read through a cursor on the heavy reads' pool
// (Database.heavyCursor), in id order so that a keyset batch (the embedded database) reads the
// same rows in the same order as the server-side cursor. Every per-row figure is a lateral
// subquery on the row's own index (appeals by lead, activities by lead, messages by appeal), so
// the first rows come at once and the cost grows with the rows read, not the tables' size.
import type { BatchedStatement, RowCursor, SqlCursors } from "../../db/sql-cursor.js";
import { Prisma } from "../../generated/prisma/client.js";
import { MATERIAL_VIEWED } from "../activities/activity-types.js";
import { firstResponseAt } from "../events/event-data.sql.js";
import { filterConditions, type LeadFilter, type LeadSearch, matches } from "../leads/lead.repository.js";
import type { AppealExportRow, LeadExportRow } from "./export-columns.js";

export type AppealExportFilter = {
  /** created_at at or after (inclusive). */
  from?: Date | undefined;
  /** created_at before (exclusive). */
  to?: Date | undefined;
  sourceId?: number | undefined;
  operatorId?: number | undefined;
};

/** The statement of `select`, its rows in `key` order: whole, or a keyset page of it. */
function batched(select: Prisma.Sql, conditions: Prisma.Sql[], key: string): BatchedStatement {
  const column = Prisma.raw(key);
  return (page) => {
    const where =
      page?.afterId == null ? conditions : [...conditions, Prisma.sql`${column} > ${page.afterId}`];
    const clause = where.length > 0 ? Prisma.sql`WHERE ${Prisma.join(where, " AND ")}` : Prisma.empty;
    const limit = page === null ? Prisma.empty : Prisma.sql`LIMIT ${page.limit}`;
    return Prisma.sql`${select} ${clause} ORDER BY ${column} ${limit}`;
  };
}

/** materials_viewed: each material once, in the order first viewed; archived ones too (they were viewed). */
const LEADS = Prisma.sql`
  SELECT l.id, l.external_id, l.name, l.first_name, l.last_name, l.middle_name, l.phone, l.phone_e164,
    l.second_phone, l.second_phone_e164, l.email, l.company, l.position, l.heard_from, l.notes, l.tags,
    l.consent_given_at, l.consent_text_version, l.blocked_at, l.erased_at, l.created_at, l.updated_at,
    ap.appeals_count, ap.last_appeal_at, ac.activities_count, coalesce(mv.titles, '{}') AS materials_viewed
  FROM leads l
  CROSS JOIN LATERAL (
    SELECT count(*)::int AS appeals_count, max(a.created_at) AS last_appeal_at
    FROM appeals a WHERE a.lead_id = l.id
  ) ap
  CROSS JOIN LATERAL (SELECT count(*)::int AS activities_count FROM activities v WHERE v.lead_id = l.id) ac
  CROSS JOIN LATERAL (
    SELECT array_agg(m.title ORDER BY seen.first_at, m.id) AS titles
    FROM (
      SELECT v.material_id, min(v.occurred_at) AS first_at FROM activities v
      WHERE v.lead_id = l.id AND v.type = ${MATERIAL_VIEWED} AND v.material_id IS NOT NULL
      GROUP BY v.material_id
    ) seen
    JOIN materials m ON m.id = seen.material_id
  ) mv`;

const APPEALS = Prisma.sql`
  SELECT a.id, a.created_at, a.status::text AS status, a.lead_id, l.external_id AS lead_external_id,
    l.name AS lead_name, a.source_id, s.name AS source_name, a.operator_id, o.name AS operator_name,
    a.message, a.assigned_at, a.closed_at, ${firstResponseAt(Prisma.sql`a.id`)} AS first_response_at,
    a.bot_script_id, a.bot_script_version
  FROM appeals a
  JOIN leads l ON l.id = a.lead_id
  JOIN sources s ON s.id = a.source_id
  LEFT JOIN operators o ON o.id = a.operator_id`;

export class ExportRepository {
  constructor(private readonly cursors: SqlCursors) {}

  /** Every lead the filters (and the search, when given: any of its matches) keep, oldest first. */
  leads(
    filter: LeadFilter,
    search: LeadSearch | undefined,
    batchSize: number,
  ): Promise<RowCursor<LeadExportRow>> {
    const conditions = filterConditions(filter);
    if (search !== undefined) conditions.push(matches(search));
    return this.cursors<LeadExportRow>(batched(LEADS, conditions, "l.id"), batchSize);
  }

  /** Every appeal the filters keep, oldest first. */
  appeals(filter: AppealExportFilter, batchSize: number): Promise<RowCursor<AppealExportRow>> {
    const conditions: Prisma.Sql[] = [];
    if (filter.from !== undefined) conditions.push(Prisma.sql`a.created_at >= ${filter.from}`);
    if (filter.to !== undefined) conditions.push(Prisma.sql`a.created_at < ${filter.to}`);
    if (filter.sourceId !== undefined) conditions.push(Prisma.sql`a.source_id = ${filter.sourceId}`);
    if (filter.operatorId !== undefined) conditions.push(Prisma.sql`a.operator_id = ${filter.operatorId}`);
    return this.cursors<AppealExportRow>(batched(APPEALS, conditions, "a.id"), batchSize);
  }
}
