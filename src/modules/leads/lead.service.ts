// Leads as contacts: profiles, their search, their changes and consent.

import { NotFoundError, ValidationError } from "../../core/errors.js";
import { keysetPage, type Page } from "../../core/page.js";
import type { Clock } from "../../core/ports.js";
import type { Prisma } from "../../generated/prisma/client.js";
import type { AppealRepository } from "../appeals/appeal.repository.js";
import type { AppealDto } from "../appeals/appeal.schemas.js";
import { toAppealDto } from "../appeals/appeal.service.js";
import type { SegmentLookup } from "../segments/segment.repository.js";
import type {
  LeadChangePlanner,
  LeadRecord,
  LeadRepository,
  LeadSearch,
  RankedLead,
} from "./lead.repository.js";
import type {
  ConsentInput,
  LeadDto,
  ListLeadAppealsQuery,
  ListLeadsQuery,
  UpdateLeadInput,
} from "./lead.schemas.js";
import { leadFilterOf } from "./lead-filter.js";
import { type PhoneRegion, toE164 } from "./phone.js";

/** The fields PATCH /leads/{id} may change, by API name, with the column each is stored in. */
const PROFILE_FIELDS = {
  name: "name",
  first_name: "firstName",
  last_name: "lastName",
  middle_name: "middleName",
  phone: "phone",
  second_phone: "secondPhone",
  email: "email",
  company: "company",
  position: "position",
  heard_from: "heardFrom",
  notes: "notes",
  tags: "tags",
  blocked_at: "blockedAt",
} as const satisfies Record<keyof UpdateLeadInput, keyof LeadRecord>;

type ProfileField = keyof typeof PROFILE_FIELDS;
type ProfileValue = string | string[] | null;

/** A name as the search compares it (the generated leads.search_name): lower case, ё as е, one space. */
export function searchableName(text: string): string {
  return text.toLowerCase().replaceAll("ё", "е").replace(/\s+/g, " ").trim();
}

/** What a search text looks for: itself (external id, email), its name form, its phone form. */
export function leadSearchOf(text: string, region: PhoneRegion): LeadSearch {
  return { text, name: searchableName(text), e164: toE164(text, region) };
}

/** The display name built from the parts: first, middle, last; null without any. */
export function nameFromParts(parts: {
  firstName: string | null;
  middleName: string | null;
  lastName: string | null;
}): string | null {
  const built = [parts.firstName, parts.middleName, parts.lastName].filter((part) => part !== null).join(" ");
  return built === "" ? null : built;
}

export class LeadService {
  constructor(
    private readonly leads: LeadRepository,
    private readonly appeals: AppealRepository,
    private readonly clock: Clock,
    private readonly phoneRegion: PhoneRegion,
    private readonly segments: SegmentLookup,
  ) {}

  /** Newest first; with `search`, best match first (exact phone, email or external id, then by name). */
  async list(query: ListLeadsQuery): Promise<Page<LeadDto>> {
    const search = query.search === undefined ? undefined : leadSearchOf(query.search, this.phoneRegion);
    const after = query.cursor;
    const filter = await leadFilterOf(query, this.segments);
    const rows = await this.leads.list(filter, search, { limit: query.limit + 1, after });
    const page = keysetPage(rows, query.limit, toLeadDto);
    // A search pages by rank and id: its cursor carries both.
    if (search !== undefined && page.next_cursor !== null) {
      const last = rows[query.limit - 1] as RankedLead;
      page.next_cursor = `${(last.rank ?? 0).toFixed(6)}_${last.id}`;
    }
    return page;
  }

  async get(id: number): Promise<LeadDto> {
    const lead = await this.leads.findById(id);
    if (!lead) throw leadNotFound(id);
    return toLeadDto(lead);
  }

  async getByExternalId(externalId: string): Promise<LeadDto> {
    const lead = await this.leads.findByExternalId(externalId);
    if (!lead) throw new NotFoundError(`No lead has external_id "${externalId}".`);
    return toLeadDto(lead);
  }

  /**
   * Changes the fields sent. Phones must be valid numbers (400 naming the field); their E.164
   * forms follow them. A name not sent follows the parts while it is the one built from them
   * (or there is none). Fields sent with their current value change nothing: without any real
   * change nothing is written and no event recorded.
   */
  async update(id: number, input: UpdateLeadInput, actor: string): Promise<LeadDto> {
    const phoneE164 = this.checkedPhone(input.phone, "phone");
    const secondPhoneE164 = this.checkedPhone(input.second_phone, "second_phone");
    const plan: LeadChangePlanner = (before) => {
      const next = new Map<ProfileField, ProfileValue>();
      for (const field of Object.keys(PROFILE_FIELDS) as ProfileField[]) {
        const value = input[field];
        if (value === undefined) continue;
        next.set(
          field,
          field === "blocked_at" && value !== null ? new Date(value as string).toISOString() : value,
        );
      }
      const part = (field: "first_name" | "middle_name" | "last_name") =>
        (next.has(field) ? next.get(field) : apiValue(before, field)) as string | null;
      const partsSent = next.has("first_name") || next.has("middle_name") || next.has("last_name");
      if (partsSent && !next.has("name") && (before.name === null || before.name === nameFromParts(before))) {
        next.set(
          "name",
          nameFromParts({
            firstName: part("first_name"),
            middleName: part("middle_name"),
            lastName: part("last_name"),
          }),
        );
      }
      const changed = [...next].filter(([field, value]) => !sameValue(apiValue(before, field), value));
      if (changed.length === 0) return null;
      const data: Prisma.LeadUpdateInput = {};
      for (const [field, value] of changed) {
        const column = PROFILE_FIELDS[field];
        (data as Record<string, unknown>)[column] =
          field === "blocked_at" && value !== null ? new Date(value as string) : value;
        if (field === "phone") data.phoneE164 = phoneE164 ?? null;
        if (field === "second_phone") data.secondPhoneE164 = secondPhoneE164 ?? null;
      }
      return {
        data,
        event: (after) => ({
          data: toLeadDto(after),
          details: {
            before: Object.fromEntries(changed.map(([field]) => [field, apiValue(before, field)])),
            after: Object.fromEntries(changed.map(([field]) => [field, apiValue(after, field)])),
          },
        }),
      };
    };
    const lead = await this.leads.update(id, plan, actor);
    if (!lead) throw leadNotFound(id);
    return toLeadDto(lead);
  }

  /** Consent given now to `text_version` (again, if the version changed); the same version again changes nothing. */
  async giveConsent(id: number, input: ConsentInput, actor: string): Promise<LeadDto> {
    const now = this.clock.now();
    return this.changeConsent(id, actor, (before) =>
      before.consentGivenAt !== null && before.consentTextVersion === input.text_version
        ? null
        : { consentGivenAt: now, consentTextVersion: input.text_version },
    );
  }

  /** Consent withdrawn; withdrawing none changes nothing. */
  async withdrawConsent(id: number, actor: string): Promise<LeadDto> {
    return this.changeConsent(id, actor, (before) =>
      before.consentGivenAt === null ? null : { consentGivenAt: null, consentTextVersion: null },
    );
  }

  private async changeConsent(
    id: number,
    actor: string,
    decide: (before: LeadRecord) => Prisma.LeadUpdateInput | null,
  ): Promise<LeadDto> {
    const lead = await this.leads.update(
      id,
      (before) => {
        const data = decide(before);
        if (data === null) return null;
        return {
          data,
          event: (after) => ({
            data: toLeadDto(after),
            details: { before: { consent: consentOf(before) }, after: { consent: consentOf(after) } },
          }),
        };
      },
      actor,
    );
    if (!lead) throw leadNotFound(id);
    return toLeadDto(lead);
  }

  /**
   * Erases the lead's personal data everywhere it lives (LeadRepository.erase) and records
   * lead.erased; the lead stays, blank, with erased_at, its counts and its appeals' statistics.
   */
  async erase(id: number, actor: string): Promise<LeadDto> {
    const lead = await this.leads.erase(id, this.clock.now(), actor, (erased) => toLeadDto(erased));
    if (!lead) throw leadNotFound(id);
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

  /** The E.164 form of a phone sent to PATCH: undefined when not sent, null when cleared, else valid or a 400. */
  private checkedPhone(value: string | null | undefined, field: string): string | null | undefined {
    if (value === undefined || value === null) return value;
    const e164 = toE164(value, this.phoneRegion);
    if (e164 === null) {
      throw new ValidationError(`"${value}" is not a valid phone number.`, [
        { path: field, message: `not a valid phone number (region ${this.phoneRegion} when without +)` },
      ]);
    }
    return e164;
  }

  private async requireLead(id: number): Promise<void> {
    if (!(await this.leads.exists(id))) throw leadNotFound(id);
  }
}

function leadNotFound(id: number): NotFoundError {
  return new NotFoundError(`Lead ${id} does not exist.`);
}

function apiValue(lead: LeadRecord, field: ProfileField): ProfileValue {
  const value = lead[PROFILE_FIELDS[field]];
  if (value instanceof Date) return value.toISOString();
  return value as ProfileValue;
}

function sameValue(a: ProfileValue, b: ProfileValue): boolean {
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((item, i) => item === b[i]);
  return a === b;
}

function consentOf(lead: LeadRecord): LeadDto["consent"] {
  return lead.consentGivenAt === null
    ? null
    : { given_at: lead.consentGivenAt.toISOString(), text_version: lead.consentTextVersion ?? "" };
}

export function toLeadDto(lead: LeadRecord): LeadDto {
  const iso = (date: Date | null) => (date === null ? null : date.toISOString());
  return {
    id: lead.id,
    external_id: lead.externalId,
    name: lead.name,
    first_name: lead.firstName,
    last_name: lead.lastName,
    middle_name: lead.middleName,
    phone: lead.phone,
    phone_e164: lead.phoneE164,
    second_phone: lead.secondPhone,
    second_phone_e164: lead.secondPhoneE164,
    email: lead.email,
    company: lead.company,
    position: lead.position,
    heard_from: lead.heardFrom,
    notes: lead.notes,
    tags: lead.tags,
    consent: consentOf(lead),
    blocked_at: iso(lead.blockedAt),
    erased_at: iso(lead.erasedAt),
    appeals_count: lead.appealsCount,
    created_at: lead.createdAt.toISOString(),
    updated_at: lead.updatedAt.toISOString(),
  };
}
