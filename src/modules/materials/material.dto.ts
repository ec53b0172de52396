// The Material as the API shows it: the routes' answers and the data of its events.
import type { Material } from "../../generated/prisma/client.js";
import type { MaterialDto, MediaReferenceDto } from "./material.schemas.js";

export function toMaterialDto(material: Material): MaterialDto {
  return {
    id: material.id,
    title: material.title,
    category: material.category,
    body: material.body,
    // Written by this module only, always in this shape (CHECK: an array).
    media: material.media as MediaReferenceDto[],
    published: material.published,
    published_at: material.publishedAt?.toISOString() ?? null,
    created_at: material.createdAt.toISOString(),
    updated_at: material.updatedAt.toISOString(),
    archived_at: material.archivedAt?.toISOString() ?? null,
  };
}
