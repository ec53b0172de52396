// Leads' storage: the profile reads, the search (one statement per page, ranked), and the
// audited profile changes (each change and its lead.updated event in one transaction).
import { createHash } from "node:crypto";
import type { SqlClient } from "../../db/sql.js";
import type { Lead, PrismaClient } from "../../generated/prisma/client.js";
import { Prisma } from "../../generated/prisma/client.js";
import type { AuditRepository } from "../audit/audit.repository.js";
import { membershipConditions, type SegmentMembership } from "../segments/segment-membership.sql.js";

export type LeadRecord = Lead & { appealsCount: number };

/** What a phone number is written with, and nothing more: digits, spaces, + ( ) - . */
const PHONE_TEXT = /^[\d\s+().-]+$/;

/** The search's rank of an exact match (phone, email, external id), above any name similarity (0..1). */
export const EXACT_MATCH_RANK = 2;

export type LeadFilter = {
  tag?: string | undefined;
  sourceId?: number | undefined;
  createdFrom?: Date | undefined;
  createdTo?: Date | undefined;
  /** Leads in this segment (segment_id, looked up by the service). */
  segment?: SegmentMembership | undefined;
};

/** What a search looks for, prepared by the service: the text as typed, its name form, its phone form. */
export type LeadSearch = { text: string; name: string; e164: string | null };

/** Keyset position: a search's rank and id, or (rank null) the id of a newest-first list. */
export type LeadCursor = { rank: number | null; id: number };

export type RankedLead = LeadRecord & { rank: number | null };

/** A profile change: the columns to write, and its event given the lead after it. */
export type LeadChange = {
  data: Prisma.LeadUpdateInput;
  event: (after: LeadRecord) => { data: Prisma.InputJsonObject; details: Prisma.InputJsonObject };
};

/** Decides the change from the lead as it is; null when there is nothing to change. */
export type LeadChangePlanner = (before: LeadRecord) => LeadChange | null;

/** The columns of a Lead under Prisma's field names, with the count of its appeals. */
const LEAD_COLUMNS = Prisma.sql`
  l.id, l.external_id AS "externalId", l.name, l.first_name AS "firstName", l.last_name AS "lastName",
  l.middle_name AS "middleName", l.phone, l.phone_e164 AS "phoneE164", l.second_phone AS "secondPhone",
  l.second_phone_e164 AS "secondPhoneE164", l.email, l.company, l.position, l.heard_from AS "heardFrom",
  l.notes, l.tags, l.consent_given_at AS "consentGivenAt", l.consent_text_version AS "consentTextVersion",
  l.blocked_at AS "blockedAt", l.erased_at AS "erasedAt", l.created_at AS "createdAt",
  l.updated_at AS "updatedAt",
  (SELECT count(*) FROM appeals a WHERE a.lead_id = l.id)::int AS "appealsCount"`;

const withAppealsCount = { _count: { select: { appeals: true } } } as const;

function toRecord(row: Lead & { _count: { appeals: number } }): LeadRecord {
  const { _count, ...lead } = row;
  return { ...lead, appealsCount: _count.appeals };
}

/** The filters' conditions on `leads l`: the lists, the searches and the leads' exports. */
export function filterConditions(filter: LeadFilter): Prisma.Sql[] {
  const conditions: Prisma.Sql[] = [];
  // `tags <> '{}'` lets the planner use the partial GIN index (leads_tags_idx).
  if (filter.tag !== undefined)
    conditions.push(Prisma.sql`l.tags @> ARRAY[${filter.tag}]::text[] AND l.tags <> '{}'`);
  if (filter.sourceId !== undefined) {
    conditions.push(
      Prisma.sql`EXISTS (SELECT 1 FROM appeals a WHERE a.lead_id = l.id AND a.source_id = ${filter.sourceId})`,
    );
  }
  if (filter.createdFrom !== undefined) conditions.push(Prisma.sql`l.created_at >= ${filter.createdFrom}`);
  if (filter.createdTo !== undefined) conditions.push(Prisma.sql`l.created_at < ${filter.createdTo}`);
  if (filter.segment !== undefined) conditions.push(...membershipConditions(filter.segment));
  return conditions;
}

/**
 * Whether a lead matches the search: exactly by either phone (E.164), by email (any case) or
 * by external id, or by name: `search_name %> text` is pg_trgm's word similarity of the text
 * to some extent of the lead's name parts at or above its threshold (0.6), served by the
 * trigram GIN index; each arm has its own index, so a search that matches nothing reads none.
 * The leads' exports filter by it too.
 */
export function matches(search: LeadSearch): Prisma.Sql {
  const arms = exactMatches(search);
  // A text that is a phone number and nothing else is looked up exactly: no name holds a phone's
  // digits (and the trigram arm for them cost more than the rest of the search, docs/PERFORMANCE.md).
  const onlyPhone = search.e164 !== null && PHONE_TEXT.test(search.text);
  if (search.name !== "" && !onlyPhone) arms.push(Prisma.sql`l.search_name %> ${search.name}`);
  return Prisma.sql`(${Prisma.join(arms, " OR ")})`;
}

/** The exact arms of a search: external id, either phone when the text is a number, email when it has an @. */
function exactMatches(search: LeadSearch): Prisma.Sql[] {
  const arms = [Prisma.sql`l.external_id = ${search.text}`];
  if (search.e164 !== null) {
    arms.push(Prisma.sql`l.phone_e164 = ${search.e164}`, Prisma.sql`l.second_phone_e164 = ${search.e164}`);
  }
  if (search.text.includes("@")) arms.push(Prisma.sql`lower(l.email) = lower(${search.text})`);
  return arms;
}

/** Exact matches first, then by name similarity (six decimals, as the cursor carries it). */
function rankOf(search: LeadSearch): Prisma.Sql {
  return Prisma.sql`CASE WHEN ${Prisma.join(exactMatches(search), " OR ")} THEN ${EXACT_MATCH_RANK}::numeric
    ELSE round(word_similarity(${search.name}, l.search_name)::numeric, 6) END`;
}

export class LeadRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly audit: AuditRepository,
    /** The heavy reads' pool (Database.heavy): the lists and searches run there, not beside the intake. */
    private readonly heavy: SqlClient,
  ) {}

  /** A statement on the heavy reads' pool, named by its text (each combination of filters is one). */
  private heavyRows<Row extends object>(statement: Prisma.Sql): Promise<Row[]> {
    const name = `leads_${createHash("sha1").update(statement.text).digest("hex").slice(0, 16)}`;
    return this.heavy.rows<Row & Record<string, unknown>>(name, statement);
  }

  /**
   * One page in one statement, on the heavy reads' pool: without a search newest first (keyset
   * on id), with one best match first (keyset on rank, then id). `limit` rows at most.
   */
  async list(
    filter: LeadFilter,
    search: LeadSearch | undefined,
    page: { limit: number; after?: LeadCursor | undefined },
  ): Promise<RankedLead[]> {
    const conditions = filterConditions(filter);
    if (search === undefined) {
      if (page.after !== undefined) conditions.push(Prisma.sql`l.id < ${page.after.id}`);
      const where =
        conditions.length > 0 ? Prisma.sql`WHERE ${Prisma.join(conditions, " AND ")}` : Prisma.empty;
      return this.heavyRows<RankedLead>(Prisma.sql`
        SELECT ${LEAD_COLUMNS}, NULL::numeric AS rank FROM leads l ${where}
        ORDER BY l.id DESC LIMIT ${page.limit}`);
    }
    conditions.push(matches(search));
    const after =
      page.after === undefined
        ? Prisma.empty
        : Prisma.sql`WHERE (ranked.rank, ranked.id) < (${page.after.rank ?? EXACT_MATCH_RANK + 1}::numeric, ${page.after.id}::int)`;
    // Every match is ranked, the page's rows only are read whole: sorting the matches' ids and
    // ranks instead of their whole rows took a third off a name search matching thousands of
    // leads at 1M (docs/PERFORMANCE.md, the contacts phase).
    const rows = await this.heavyRows<Omit<RankedLead, "rank"> & { rank: string }>(Prisma.sql`
      SELECT ${LEAD_COLUMNS}, page.rank FROM (
        SELECT ranked.id, ranked.rank FROM (
          SELECT l.id, ${rankOf(search)} AS rank
          FROM leads l WHERE ${Prisma.join(conditions, " AND ")}
        ) ranked ${after}
        ORDER BY ranked.rank DESC, ranked.id DESC LIMIT ${page.limit}
      ) page JOIN leads l ON l.id = page.id
      ORDER BY page.rank DESC, page.id DESC`);
    return rows.map((row) => ({ ...row, rank: Number(row.rank) }));
  }

  async findById(id: number): Promise<LeadRecord | null> {
    const row = await this.prisma.lead.findUnique({ where: { id }, include: withAppealsCount });
    return row ? toRecord(row) : null;
  }

  /** Whether the lead exists: one index probe, without counting its appeals as findById does. */
  async exists(id: number): Promise<boolean> {
    return (await this.prisma.lead.findUnique({ where: { id }, select: { id: true } })) !== null;
  }

  async findByExternalId(externalId: string): Promise<LeadRecord | null> {
    const row = await this.prisma.lead.findUnique({ where: { externalId }, include: withAppealsCount });
    return row ? toRecord(row) : null;
  }

  /**
   * Changes the lead as `plan` decides from the row as it is (locked, so `before` is what this
   * change replaced) and records lead.updated with what `plan` describes, in one transaction.
   * A plan of null changes nothing and records nothing. Null when the lead does not exist.
   */
  update(id: number, plan: LeadChangePlanner, actor: string): Promise<LeadRecord | null> {
    return this.prisma.$transaction(async (tx) => {
      // FOR NO KEY UPDATE: a concurrent change of this lead waits for this one.
      const locked = await tx.$queryRaw<
        { id: number }[]
      >`SELECT id FROM leads WHERE id = ${id} FOR NO KEY UPDATE`;
      if (locked.length === 0) return null;
      const before = toRecord(await tx.lead.findUniqueOrThrow({ where: { id }, include: withAppealsCount }));
      const change = plan(before);
      if (change === null) return before;
      const after = toRecord(
        await tx.lead.update({ where: { id }, data: change.data, include: withAppealsCount }),
      );
      const event = change.event(after);
      await this.audit.record(tx, {
        actor,
        action: "lead.updated",
        entityType: "lead",
        entityId: id,
        data: event.data,
        details: event.details,
      });
      return after;
    });
  }

  /**
   * Erases the lead's personal data where it lives, in one transaction, and records lead.erased:
   * the profile blanked (its external id too, replaced by `erased:<id>`, so a later appeal with
   * the old id starts a fresh lead), the texts and attachments of every message of its appeals
   * and the appeals' copies of message 1, its activities' data, its bookings' notes, and the
   * payloads of the events that held any of it (the lead's own, its appeals', their messages', its
   * bookings'): the stream's replay and webhook deliveries read the log, so they send what is left.
   * Counts, statuses, times and booked slots stay.
   * The lead's row is locked first, so an intake or a sticky message for it waits. Null when the
   * lead does not exist; an erased lead again is answered as it is, nothing written.
   */
  erase(
    id: number,
    now: Date,
    actor: string,
    eventData: (erased: LeadRecord) => Prisma.InputJsonObject,
  ): Promise<LeadRecord | null> {
    return this.prisma.$transaction(async (tx) => {
      const locked = await tx.$queryRaw<{ erased_at: Date | null }[]>`
        SELECT erased_at FROM leads WHERE id = ${id} FOR UPDATE`;
      const row = locked[0];
      if (!row) return null;
      if (row.erased_at === null) {
        await tx.$executeRaw`
          UPDATE leads SET external_id = 'erased:' || id, name = NULL, first_name = NULL, last_name = NULL,
                 middle_name = NULL, phone = NULL, phone_e164 = NULL, second_phone = NULL,
                 second_phone_e164 = NULL, email = NULL, company = NULL, position = NULL, heard_from = NULL,
                 notes = NULL, tags = '{}', consent_given_at = NULL, consent_text_version = NULL,
                 blocked_at = NULL, erased_at = ${now}, updated_at = ${now}
          WHERE id = ${id}`;
        await tx.$executeRaw`UPDATE appeals SET message = NULL WHERE lead_id = ${id} AND message IS NOT NULL`;
        await tx.$executeRaw`
          UPDATE messages SET text = '', attachments = '[]'
          WHERE appeal_id IN (SELECT a.id FROM appeals a WHERE a.lead_id = ${id})`;
        await tx.$executeRaw`UPDATE activities SET data = '{}' WHERE lead_id = ${id} AND data <> '{}'`;
        // Bookings keep their slots, kind and extras; their notes (free text about the lead) go, and
        // the log's copies lose the lead's name and the notes, and what changed (details).
        await tx.$executeRaw`UPDATE bookings SET notes = NULL WHERE lead_id = ${id} AND notes IS NOT NULL`;
        await tx.$executeRaw`
          UPDATE events SET data = data || '{"lead_name": null, "notes": null}'::jsonb, details = '{}'
          WHERE entity_type = 'booking' AND entity_id IN (SELECT b.id FROM bookings b WHERE b.lead_id = ${id})`;
        // The log's copies: appeal events carry the external id and message 1, message events the
        // text and attachments, lead events the whole profile (and what changed, in details).
        await tx.$executeRaw`
          UPDATE events SET data = CASE
              WHEN entity_type = 'message' THEN data || '{"text": "", "attachments": []}'::jsonb
              ELSE data || jsonb_build_object('lead_external_id', 'erased:' || ${id}::int, 'message', NULL)
            END
          WHERE appeal_id IN (SELECT a.id FROM appeals a WHERE a.lead_id = ${id})
            AND entity_type IN ('appeal', 'message')`;
        const erased = toRecord(
          await tx.lead.findUniqueOrThrow({ where: { id }, include: withAppealsCount }),
        );
        const blank = eventData(erased);
        await tx.$executeRaw`
          UPDATE events SET data = ${blank}::jsonb, details = '{}'
          WHERE entity_type = 'lead' AND entity_id = ${id}`;
        await this.audit.record(tx, {
          actor,
          action: "lead.erased",
          entityType: "lead",
          entityId: id,
          data: blank,
        });
        return erased;
      }
      return toRecord(await tx.lead.findUniqueOrThrow({ where: { id }, include: withAppealsCount }));
    });
  }
}
