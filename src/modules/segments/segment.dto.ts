// The Segment as the API shows it: the routes' answers and the data of its events.
import type { Segment } from "../../generated/prisma/client.js";
import type { SegmentConditions, SegmentDto } from "./segment.schemas.js";

export function toSegmentDto(segment: Segment): SegmentDto {
  return {
    id: segment.id,
    name: segment.name,
    description: segment.description,
    kind: segment.filter === null ? "list" : "filter",
    // Written by this module only, from the validated filter (CHECK: an object).
    filter: segment.filter as SegmentConditions | null,
    created_at: segment.createdAt.toISOString(),
    updated_at: segment.updatedAt.toISOString(),
    archived_at: segment.archivedAt?.toISOString() ?? null,
  };
}
