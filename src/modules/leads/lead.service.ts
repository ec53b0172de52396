import { NotFoundError } from "../../core/errors.js";
import { keysetPage, type Page } from "../../core/page.js";
import type { AppealRepository } from "../appeals/appeal.repository.js";
import type { AppealDto } from "../appeals/appeal.schemas.js";
import { toAppealDto } from "../appeals/appeal.service.js";
import type { LeadRecord, LeadRepository } from "./lead.repository.js";
import type { LeadDto, ListLeadAppealsQuery, ListLeadsQuery } from "./lead.schemas.js";

export class LeadService {
  constructor(
    private readonly leads: LeadRepository,
    private readonly appeals: AppealRepository,
  ) {}

  async list(query: ListLeadsQuery): Promise<Page<LeadDto>> {
    const rows = await this.leads.list(
      { search: query.search },
      { limit: query.limit + 1, beforeId: query.cursor },
    );
    return keysetPage(rows, query.limit, toLeadDto);
  }

  async get(id: number): Promise<LeadDto> {
    const lead = await this.leads.findById(id);
    if (!lead) throw new NotFoundError(`Lead ${id} does not exist.`);
    return toLeadDto(lead);
  }

  async getByExternalId(externalId: string): Promise<LeadDto> {
    const lead = await this.leads.findByExternalId(externalId);
    if (!lead) throw new NotFoundError(`No lead has external_id "${externalId}".`);
    return toLeadDto(lead);
  }

  /** A page of the lead's appeals, oldest first. */
  async listAppeals(leadId: number, query: ListLeadAppealsQuery): Promise<Page<AppealDto>> {
    await this.requireLead(leadId);
    const rows = await this.appeals.listForLead(leadId, { limit: query.limit + 1, afterId: query.cursor });
    return keysetPage(rows, query.limit, toAppealDto);
  }

  /** The lead's `limit` newest appeals, oldest first: the original design's unpaged route, bounded. */
  async listNewestAppeals(leadId: number, limit: number): Promise<AppealDto[]> {
    await this.requireLead(leadId);
    return (await this.appeals.listNewestForLead(leadId, limit)).map(toAppealDto);
  }

  private async requireLead(id: number): Promise<void> {
    if (!(await this.leads.exists(id))) throw new NotFoundError(`Lead ${id} does not exist.`);
  }
}

function toLeadDto(lead: LeadRecord): LeadDto {
  return {
    id: lead.id,
    external_id: lead.externalId,
    name: lead.name,
    phone: lead.phone,
    email: lead.email,
    appeals_count: lead.appealsCount,
    created_at: lead.createdAt.toISOString(),
    updated_at: lead.updatedAt.toISOString(),
  };
}
