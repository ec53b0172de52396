// The Resource as the API shows it: the routes' answers and the data of its events.
import type { Resource } from "../../generated/prisma/client.js";
import type { OpeningHoursDto, ResourceDto } from "./resource.schemas.js";

export function toResourceDto(resource: Resource): ResourceDto {
  return {
    id: resource.id,
    name: resource.name,
    kind: resource.kind,
    capacity: resource.capacity,
    // Written by this module only, after the schema checked it (CHECK: an object or null).
    opening_hours: resource.openingHours as OpeningHoursDto | null,
    is_active: resource.isActive,
    created_at: resource.createdAt.toISOString(),
    updated_at: resource.updatedAt.toISOString(),
    archived_at: resource.archivedAt?.toISOString() ?? null,
  };
}
