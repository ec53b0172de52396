// The filters of GET /leads as the storage takes them, shared by the leads' lists and exports:
// the times parsed, the segment looked up (an unknown one is a 404 naming segment_id, before
// any lead is read or any byte of an export sent).
import { NotFoundError } from "../../core/errors.js";
import type { SegmentLookup } from "../segments/segment.repository.js";
import type { LeadFilter } from "./lead.repository.js";

export type LeadFilterQuery = {
  tag?: string | undefined;
  source_id?: number | undefined;
  created_from?: string | undefined;
  created_to?: string | undefined;
  segment_id?: number | undefined;
};

export async function leadFilterOf(query: LeadFilterQuery, segments: SegmentLookup): Promise<LeadFilter> {
  const filter: LeadFilter = {
    tag: query.tag,
    sourceId: query.source_id,
    createdFrom: query.created_from === undefined ? undefined : new Date(query.created_from),
    createdTo: query.created_to === undefined ? undefined : new Date(query.created_to),
  };
  if (query.segment_id !== undefined) {
    const segment = await segments(query.segment_id);
    if (segment === null) {
      throw new NotFoundError(`Segment ${query.segment_id} does not exist.`, [
        { path: "segment_id", message: "not found" },
      ]);
    }
    filter.segment = segment;
  }
  return filter;
}
