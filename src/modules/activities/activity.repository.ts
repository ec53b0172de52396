// Activities' storage: the insert that keeps its rules in one statement (the lead within the
// caller's sources, the material not archived, one activity per lead and external id) and the
// reads, each one statement.
import type { PrismaClient } from "../../generated/prisma/client.js";
import { Prisma } from "../../generated/prisma/client.js";
import type { SourceScope } from "../appeals/appeal.repository.js";
import type { TimelineCursor } from "./activity.schemas.js";
import { MATERIAL_VIEWED } from "./activity-types.js";

export type ActivityRow = {
  id: number;
  lead_id: number;
  type: string;
  material_id: number | null;
  data: Record<string, unknown>;
  occurred_at: Date;
  external_id: string | null;
  created_at: Date;
};

export type NewActivity = {
  lead: { id: number } | { externalId: string };
  type: string;
  materialId: number | null;
  data: Record<string, unknown>;
  occurredAt: Date;
  externalId: string | null;
  recordedAt: Date;
};

/** Whose leads and which materials a caller may name: a scoped key's sources; bots published materials only. */
export type ActivityScope = { sources: SourceScope; publishedMaterialsOnly: boolean };

export type RecordResult =
  /** Stored now (created) or found under its external id (a repeat). */
  | { outcome: "recorded"; activity: ActivityRow; created: boolean }
  | { outcome: "lead_not_found" }
  | { outcome: "material_not_found" }
  | { outcome: "material_archived" }
  /** Lead and material fine, nothing stored and nothing seen: a concurrent retry stored it first. */
  | { outcome: "lost_race"; leadId: number };

export type MaterialViews = { views: bigint; unique_leads: bigint; last_viewed_at: Date | null };

const ACTIVITY_COLUMNS = Prisma.raw(
  "a.id, a.lead_id, a.type, a.material_id, a.data, a.occurred_at, a.external_id, a.created_at",
);

export class ActivityRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * One statement. ONE ACTIVITY PER (lead, external_id): a repeat finds the first and inserts
   * nothing; of concurrent retries one inserts and the others wait on the unique index
   * activities_lead_id_external_id_key, then do nothing (ON CONFLICT DO NOTHING), so 20 retries
   * store one row. ARCHIVED MATERIALS TAKE NO NEW ACTIVITY: the material's row is read FOR SHARE,
   * so an archive (which updates it) commits wholly before this statement, which then sees
   * archived_at and inserts nothing, or waits until this one has committed.
   */
  async record(activity: NewActivity, scope: ActivityScope): Promise<RecordResult> {
    const { materialId, externalId } = activity;
    const leadCondition =
      "id" in activity.lead
        ? Prisma.sql`l.id = ${activity.lead.id}`
        : Prisma.sql`l.external_id = ${activity.lead.externalId}`;
    const rows = await this.prisma.$queryRaw<
      (Partial<ActivityRow> & {
        found_lead: number | null;
        found_material: number | null;
        material_archived: boolean | null;
        material_published: boolean | null;
        created: boolean | null;
      })[]
    >`
      WITH lead AS (
        SELECT l.id FROM leads l WHERE ${leadCondition} ${leadScope(scope.sources)}
      ),
      material AS (
        SELECT m.id, m.archived_at IS NOT NULL AS archived, m.published
        FROM materials m WHERE m.id = ${materialId}::int
        FOR SHARE
      ),
      existing AS (
        SELECT a.* FROM activities a
        WHERE a.lead_id = (SELECT id FROM lead) AND a.external_id = ${externalId}::varchar
      ),
      inserted AS (
        INSERT INTO activities (lead_id, type, material_id, data, occurred_at, external_id, created_at)
        SELECT lead.id, ${activity.type}, ${materialId}::int, ${JSON.stringify(activity.data)}::jsonb,
               ${activity.occurredAt.toISOString()}::timestamptz, ${externalId}::varchar,
               ${activity.recordedAt.toISOString()}::timestamptz
        FROM lead
        WHERE NOT EXISTS (SELECT 1 FROM existing)
          AND (${materialId}::int IS NULL OR EXISTS (
                SELECT 1 FROM material
                WHERE NOT material.archived AND (material.published OR NOT ${scope.publishedMaterialsOnly})))
        ON CONFLICT (lead_id, external_id) DO NOTHING
        RETURNING *
      ),
      answer AS (
        SELECT true AS created, * FROM inserted
        UNION ALL
        SELECT false AS created, * FROM existing
      )
      SELECT (SELECT id FROM lead) AS found_lead, (SELECT id FROM material) AS found_material,
             (SELECT archived FROM material) AS material_archived,
             (SELECT published FROM material) AS material_published,
             ${ACTIVITY_COLUMNS}, a.created
      FROM (SELECT 1) AS one LEFT JOIN answer a ON true`;
    const row = rows[0];
    if (!row || row.found_lead === null) return { outcome: "lead_not_found" };
    if (row.id !== null && row.id !== undefined) {
      const {
        found_lead: _,
        found_material: __,
        material_archived: ___,
        material_published: ____,
        created,
        ...stored
      } = row;
      return { outcome: "recorded", activity: stored as ActivityRow, created: created === true };
    }
    if (materialId !== null) {
      if (row.found_material === null) return { outcome: "material_not_found" };
      if (row.material_archived) return { outcome: "material_archived" };
      if (scope.publishedMaterialsOnly && !row.material_published) return { outcome: "material_not_found" };
    }
    return { outcome: "lost_race", leadId: row.found_lead };
  }

  /** The activity first stored under this external id for the lead. */
  async findByExternalId(leadId: number, externalId: string): Promise<ActivityRow | null> {
    const rows = await this.prisma.$queryRaw<ActivityRow[]>`
      SELECT ${ACTIVITY_COLUMNS} FROM activities a WHERE a.lead_id = ${leadId} AND a.external_id = ${externalId}`;
    return rows[0] ?? null;
  }

  /**
   * One page of the lead's timeline, newest first (occurred_at, then id), after `cursor`; null
   * when the lead does not exist. One statement: the lead and the page, read backwards from the
   * (lead_id, occurred_at, id) index.
   */
  async listForLead(
    leadId: number,
    filter: { type?: string | undefined; materialId?: number | undefined },
    page: { limit: number; after?: TimelineCursor | undefined },
  ): Promise<ActivityRow[] | null> {
    const conditions = [
      filter.type === undefined ? Prisma.empty : Prisma.sql`AND a.type = ${filter.type}`,
      filter.materialId === undefined ? Prisma.empty : Prisma.sql`AND a.material_id = ${filter.materialId}`,
      page.after === undefined
        ? Prisma.empty
        : Prisma.sql`AND (a.occurred_at, a.id) < (${new Date(page.after.occurredAtMs).toISOString()}::timestamptz, ${page.after.id}::int)`,
    ];
    const rows = await this.prisma.$queryRaw<(Partial<ActivityRow> & { lead: number })[]>`
      SELECT l.id AS lead, ${ACTIVITY_COLUMNS}
      FROM leads l
      LEFT JOIN LATERAL (
        SELECT * FROM activities a
        WHERE a.lead_id = l.id ${Prisma.join(conditions, " ")}
        ORDER BY a.occurred_at DESC, a.id DESC
        LIMIT ${page.limit}
      ) a ON true
      WHERE l.id = ${leadId}
      ORDER BY a.occurred_at DESC, a.id DESC`;
    if (rows.length === 0) return null;
    return rows
      .filter((row) => row.id !== null && row.id !== undefined)
      .map(({ lead: _, ...activity }) => activity as ActivityRow);
  }

  /**
   * The material's views (activities of type material_viewed on it): how many, by how many leads,
   * the latest; null when the material does not exist (archived ones count). One statement, an
   * index-only scan of the material's entries in the partial index activities_material_views_idx
   * (the type is written literally so the planner matches the index's predicate).
   */
  async viewsOf(materialId: number): Promise<MaterialViews | null> {
    const rows = await this.prisma.$queryRaw<MaterialViews[]>`
      SELECT v.views, v.unique_leads, v.last_viewed_at
      FROM materials m
      CROSS JOIN LATERAL (
        SELECT count(*) AS views, count(DISTINCT a.lead_id) AS unique_leads, max(a.occurred_at) AS last_viewed_at
        FROM activities a
        WHERE a.material_id = m.id AND a.type = ${Prisma.raw(`'${MATERIAL_VIEWED}'`)}
      ) v
      WHERE m.id = ${materialId}`;
    return rows[0] ?? null;
  }
}

/** A scoped key names only leads with an appeal in its sources. */
function leadScope(sources: SourceScope): Prisma.Sql {
  if (sources === null) return Prisma.empty;
  return Prisma.sql`AND EXISTS (
    SELECT 1 FROM appeals ap WHERE ap.lead_id = l.id AND ap.source_id IN (${Prisma.join([...sources, 0])}))`;
}
