import { NotFoundError } from "../../http/errors.js";
import type { AppealRepository } from "../appeals/appeal.repository.js";
import type { AppealDto } from "../appeals/appeal.schemas.js";
import { toAppealDto } from "../appeals/appeal.service.js";
import type { LeadRecord, LeadRepository } from "./lead.repository.js";
import type { LeadDto, ListLeadsQuery } from "./lead.schemas.js";

export class LeadService {
  constructor(
    private readonly leads: LeadRepository,
    private readonly appeals: AppealRepository,
  ) {}

  async list(query: ListLeadsQuery): Promise<{ items: LeadDto[]; next_cursor: string | null }> {
    const rows = await this.leads.list(
      { search: query.search },
      { limit: query.limit + 1, beforeId: query.cursor },
    );
    const items = rows.slice(0, query.limit);
    const last = items.at(-1);
    return {
      items: items.map(toLeadDto),
      next_cursor: rows.length > query.limit && last ? String(last.id) : null,
    };
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

  /** Every appeal of the lead, oldest first. */
  async listAppeals(leadId: number): Promise<AppealDto[]> {
    await this.get(leadId);
    return (await this.appeals.listForLead(leadId)).map(toAppealDto);
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
