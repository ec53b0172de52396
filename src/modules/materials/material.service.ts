// Materials: the library admins write and bots read (published ones only), archived, never deleted.
import { AppError, NotFoundError } from "../../core/errors.js";
import { keysetPage, type Page } from "../../core/page.js";
import type { Clock } from "../../core/ports.js";
import { toMaterialDto } from "./material.dto.js";
import type { MaterialChanges, MaterialRepository, MaterialVisibility } from "./material.repository.js";
import type {
  CreateMaterialInput,
  ListMaterialsQuery,
  MaterialDto,
  MediaReferenceDto,
  UpdateMaterialInput,
} from "./material.schemas.js";

type MediaInput = CreateMaterialInput["media"];

export class MaterialService {
  constructor(
    private readonly materials: MaterialRepository,
    private readonly clock: Clock,
  ) {}

  async create(input: CreateMaterialInput, actor: string): Promise<MaterialDto> {
    const material = await this.materials.create(
      {
        title: input.title,
        category: input.category,
        body: input.body ?? null,
        media: toMedia(input.media),
        published: input.published,
      },
      actor,
      this.clock.now(),
    );
    return toMaterialDto(material);
  }

  /** Newest first; without include_archived archived ones are left out; bots see published ones only. */
  async list(query: ListMaterialsQuery, visibility: MaterialVisibility): Promise<Page<MaterialDto>> {
    const rows = await this.materials.list(
      {
        category: query.category,
        published: query.published,
        includeArchived: query.include_archived ?? false,
      },
      visibility,
      { limit: query.limit + 1, beforeId: query.cursor },
    );
    return keysetPage(rows, query.limit, toMaterialDto);
  }

  /** Archived ones too (with archived_at set), except to bots, which see published, unarchived ones only. */
  async get(id: number, visibility: MaterialVisibility): Promise<MaterialDto> {
    const material = await this.materials.findById(id, visibility);
    if (!material) throw materialNotFound(id);
    return toMaterialDto(material);
  }

  /** An archived material is a 409 material_archived: archiving is final. */
  async update(id: number, input: UpdateMaterialInput, actor: string): Promise<MaterialDto> {
    const changes: MaterialChanges = {
      ...(input.title !== undefined && { title: input.title }),
      ...(input.category !== undefined && { category: input.category }),
      ...(input.body !== undefined && { body: input.body }),
      ...(input.media !== undefined && { media: toMedia(input.media) }),
      ...(input.published !== undefined && { published: input.published }),
    };
    const result = await this.materials.update(id, changes, actor, this.clock.now());
    if (result.outcome === "not_found") throw materialNotFound(id);
    if (result.outcome === "archived") throw materialArchived(id);
    return toMaterialDto(result.material);
  }

  /** Archiving an archived material is a 204 that changes nothing. */
  async archive(id: number, actor: string): Promise<void> {
    if (!(await this.materials.archive(id, actor, this.clock.now()))) throw materialNotFound(id);
  }
}

/** Every member stored, the ones not sent null: the shape answered. */
function toMedia(media: MediaInput): MediaReferenceDto[] {
  return media.map((reference) => ({
    kind: reference.kind,
    url: reference.url ?? null,
    telegram_file_id: reference.telegram_file_id ?? null,
    name: reference.name ?? null,
  }));
}

export function materialNotFound(id: number, path?: string): NotFoundError {
  return new NotFoundError(
    `Material ${id} does not exist.`,
    path === undefined ? undefined : [{ path, message: "not found" }],
  );
}

/** A 409: the material exists (GET still shows it) but takes no change and no new activity. */
export function materialArchived(id: number, path?: string): AppError {
  return new AppError(
    "material_archived",
    409,
    "The material is archived",
    `Material ${id} is archived: it takes no changes and no new activities.`,
    path === undefined ? undefined : [{ path, message: "is archived" }],
  );
}
