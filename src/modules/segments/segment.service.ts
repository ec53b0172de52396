// Segments: groups of leads that mailings target, a filter evaluated whenever it is read or a
// fixed list. A segment's leads are read as GET /leads reads them (its page, its order, its
// cursor), with the segment as one more filter.
import { AppError, NotFoundError } from "../../core/errors.js";
import { keysetPage, type Page } from "../../core/page.js";
import type { Clock } from "../../core/ports.js";
import type { LeadDto } from "../leads/lead.schemas.js";
import type { LeadService } from "../leads/lead.service.js";
import { toSegmentDto } from "./segment.dto.js";
import { membershipOf, type SegmentContent, type SegmentRepository } from "./segment.repository.js";
import type {
  CountedSegmentDto,
  CreateSegmentInput,
  ListSegmentsQuery,
  SegmentDto,
  SegmentFilterInput,
  SegmentLeadsQuery,
  UpdateSegmentInput,
} from "./segment.schemas.js";

export class SegmentService {
  constructor(
    private readonly segments: SegmentRepository,
    private readonly leads: LeadService,
    private readonly clock: Clock,
  ) {}

  async create(input: CreateSegmentInput, actor: string): Promise<SegmentDto> {
    const segment = await this.segments.create(
      { name: input.name, description: input.description ?? null, content: contentOf(input.filter) },
      actor,
    );
    return toSegmentDto(segment);
  }

  async list(query: ListSegmentsQuery): Promise<Page<SegmentDto>> {
    const rows = await this.segments.list(query.include_archived ?? false, {
      limit: query.limit + 1,
      beforeId: query.cursor,
    });
    return keysetPage(rows, query.limit, toSegmentDto);
  }

  /** With its leads counted now: one statement on the heavy reads' pool. */
  async get(id: number): Promise<CountedSegmentDto> {
    const segment = await this.segments.findById(id);
    if (!segment) throw segmentNotFound(id);
    return { ...toSegmentDto(segment), lead_count: await this.segments.countLeads(membershipOf(segment)) };
  }

  /** An archived segment is a 409 segment_archived: archiving is final. */
  async update(id: number, input: UpdateSegmentInput, actor: string): Promise<SegmentDto> {
    const result = await this.segments.update(
      id,
      {
        name: input.name,
        description: input.description,
        content: input.filter === undefined ? undefined : contentOf(input.filter),
      },
      actor,
    );
    if (result.outcome === "not_found") throw segmentNotFound(id);
    if (result.outcome === "archived") throw segmentArchived(id);
    return toSegmentDto(result.segment);
  }

  /** Archiving an archived segment is a 204 that changes nothing. */
  async archive(id: number, actor: string): Promise<void> {
    if (!(await this.segments.archive(id, actor, this.clock.now()))) throw segmentNotFound(id);
  }

  /**
   * The segment's leads, newest first, as GET /leads?segment_id= lists them. Its existence is
   * checked first (one read by primary key), so an unknown one is the 404 of the path's id.
   */
  async leadsOf(id: number, query: SegmentLeadsQuery): Promise<Page<LeadDto>> {
    if ((await this.segments.membership(id)) === null) throw segmentNotFound(id);
    return this.leads.list({
      segment_id: id,
      limit: query.limit,
      cursor: query.cursor === undefined ? undefined : { rank: null, id: query.cursor },
    });
  }
}

function contentOf(filter: SegmentFilterInput): SegmentContent {
  const { lead_ids, ...conditions } = filter;
  return lead_ids === undefined ? { conditions } : { leadIds: lead_ids };
}

function segmentNotFound(id: number): NotFoundError {
  return new NotFoundError(`Segment ${id} does not exist.`);
}

/** A 409: the segment exists (GET still shows it and its leads) but takes no change. */
function segmentArchived(id: number): AppError {
  return new AppError(
    "segment_archived",
    409,
    "The segment is archived",
    `Segment ${id} is archived: it takes no changes.`,
  );
}
