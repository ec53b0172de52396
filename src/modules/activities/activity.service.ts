// Activities: bots record what a lead did (idempotently, by external_id); a lead's timeline and a
// material's stats read them back.
import { NotFoundError, ValidationError } from "../../core/errors.js";
import { keysetPage, type Page } from "../../core/page.js";
import type { Clock } from "../../core/ports.js";
import { materialArchived, materialNotFound } from "../materials/material.service.js";
import type { ActivityRepository, ActivityRow, ActivityScope, NewActivity } from "./activity.repository.js";
import type {
  ActivityDto,
  CreateActivityInput,
  ListLeadActivitiesQuery,
  MaterialStatsDto,
} from "./activity.schemas.js";

/** How far ahead of the service's clock an occurred_at may be: a bot's clock a little fast, not a typo. */
export const MAX_OCCURRED_AHEAD_MS = 24 * 60 * 60 * 1000;

export class ActivityService {
  constructor(
    private readonly activities: ActivityRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * Stores the activity (created: true, a 201) or, for an external_id the lead has already,
   * answers the first one and writes nothing (created: false, a 200), whatever else the body
   * says and even once its material is archived. An unknown lead or material (or, for a scoped
   * key, a lead without an appeal in its sources; for a bot, an unpublished material) is a 404
   * naming the field; an archived material a 409 material_archived.
   */
  async record(
    input: CreateActivityInput,
    scope: ActivityScope,
  ): Promise<{ activity: ActivityDto; created: boolean }> {
    const now = this.clock.now();
    const occurredAt = input.occurred_at === undefined ? now : new Date(input.occurred_at);
    if (occurredAt.getTime() - now.getTime() > MAX_OCCURRED_AHEAD_MS) {
      throw new ValidationError(`Invalid body: occurred_at: ${input.occurred_at} is more than a day ahead.`, [
        { path: "occurred_at", message: "must not be more than 24 hours ahead of the service's clock" },
      ]);
    }
    const activity: NewActivity = {
      lead:
        input.lead_id !== undefined ? { id: input.lead_id } : { externalId: input.lead_external_id ?? "" },
      type: input.type,
      materialId: input.material_id ?? null,
      data: input.data ?? {},
      occurredAt,
      externalId: input.external_id ?? null,
      recordedAt: now,
    };
    const result = await this.activities.record(activity, scope);
    switch (result.outcome) {
      case "recorded":
        return { activity: toActivityDto(result.activity), created: result.created };
      case "lead_not_found":
        throw leadNotFound(input);
      case "material_not_found":
        throw materialNotFound(activity.materialId ?? 0, "material_id");
      case "material_archived":
        throw materialArchived(activity.materialId ?? 0, "material_id");
      case "lost_race":
        return {
          activity: toActivityDto(await this.firstOf(result.leadId, activity.externalId)),
          created: false,
        };
    }
  }

  /** Newest first (by occurred_at, then id); `cursor` is the previous page's next_cursor. */
  async listForLead(leadId: number, query: ListLeadActivitiesQuery): Promise<Page<ActivityDto>> {
    const rows = await this.activities.listForLead(
      leadId,
      { type: query.type, materialId: query.material_id },
      { limit: query.limit + 1, after: query.cursor },
    );
    if (rows === null) throw new NotFoundError(`Lead ${leadId} does not exist.`);
    return keysetPage(rows, query.limit, toActivityDto, timelineCursor);
  }

  /** Archived materials keep their stats; an unknown one is a 404. */
  async statsOf(materialId: number): Promise<MaterialStatsDto> {
    const views = await this.activities.viewsOf(materialId);
    if (!views) throw materialNotFound(materialId);
    return {
      material_id: materialId,
      views: Number(views.views),
      unique_leads: Number(views.unique_leads),
      last_viewed_at: views.last_viewed_at?.toISOString() ?? null,
    };
  }

  /**
   * A concurrent retry stored the activity first: the statement waited for it on the unique
   * index and wrote nothing, and its snapshot predates it, so it is read now.
   */
  private async firstOf(leadId: number, externalId: string | null): Promise<ActivityRow> {
    const first = externalId === null ? null : await this.activities.findByExternalId(leadId, externalId);
    if (!first) throw new Error(`activity of lead ${leadId} was neither stored nor found`);
    return first;
  }
}

function leadNotFound(input: CreateActivityInput): NotFoundError {
  return input.lead_id !== undefined
    ? new NotFoundError(`Lead ${input.lead_id} does not exist.`, [{ path: "lead_id", message: "not found" }])
    : new NotFoundError(`No lead has external_id "${input.lead_external_id}".`, [
        { path: "lead_external_id", message: "not found" },
      ]);
}

/** The timeline's cursor: the last activity's occurred_at (ms) and id. */
function timelineCursor(row: ActivityRow): string {
  return `${row.occurred_at.getTime()}.${row.id}`;
}

export function toActivityDto(row: ActivityRow): ActivityDto {
  return {
    id: row.id,
    lead_id: row.lead_id,
    type: row.type,
    material_id: row.material_id,
    data: row.data,
    occurred_at: row.occurred_at.toISOString(),
    external_id: row.external_id,
    created_at: row.created_at.toISOString(),
  };
}
