// Resources: what bookings take, written by admins, archived, never deleted.
import { AppError, NotFoundError } from "../../core/errors.js";
import type { Clock } from "../../core/ports.js";
import { toResourceDto } from "./resource.dto.js";
import type { ResourceChanges, ResourceRepository } from "./resource.repository.js";
import type {
  CreateResourceInput,
  ListResourcesQuery,
  ResourceDto,
  UpdateResourceInput,
} from "./resource.schemas.js";

export class ResourceService {
  constructor(
    private readonly resources: ResourceRepository,
    private readonly clock: Clock,
  ) {}

  async create(input: CreateResourceInput, actor: string): Promise<ResourceDto> {
    const resource = await this.resources.create(
      {
        name: input.name,
        kind: input.kind ?? null,
        capacity: input.capacity ?? null,
        openingHours: input.opening_hours ?? null,
        isActive: input.is_active,
      },
      actor,
      this.clock.now(),
    );
    return toResourceDto(resource);
  }

  /** In id order; archived ones only with include_archived. */
  async list(query: ListResourcesQuery): Promise<ResourceDto[]> {
    const rows = await this.resources.list({
      kind: query.kind,
      includeArchived: query.include_archived ?? false,
    });
    return rows.map(toResourceDto);
  }

  /** Archived ones too (archived_at set). */
  async get(id: number): Promise<ResourceDto> {
    const resource = await this.resources.findById(id);
    if (!resource) throw resourceNotFound(id);
    return toResourceDto(resource);
  }

  /** An archived resource is a 409 resource_archived: archiving is final. */
  async update(id: number, input: UpdateResourceInput, actor: string): Promise<ResourceDto> {
    const changes: ResourceChanges = {
      ...(input.name !== undefined && { name: input.name }),
      ...(input.kind !== undefined && { kind: input.kind }),
      ...(input.capacity !== undefined && { capacity: input.capacity }),
      ...(input.opening_hours !== undefined && { openingHours: input.opening_hours }),
      ...(input.is_active !== undefined && { isActive: input.is_active }),
    };
    const result = await this.resources.update(id, changes, actor, this.clock.now());
    if (result.outcome === "not_found") throw resourceNotFound(id);
    if (result.outcome === "archived") throw resourceArchived(id);
    return toResourceDto(result.resource);
  }

  /** Archiving an archived resource is a 204 that changes nothing; its bookings stay. */
  async archive(id: number, actor: string): Promise<void> {
    if (!(await this.resources.archive(id, actor, this.clock.now()))) throw resourceNotFound(id);
  }
}

export function resourceNotFound(id: number, path?: string): NotFoundError {
  return new NotFoundError(
    `Resource ${id} does not exist.`,
    path === undefined ? undefined : [{ path, message: "not found" }],
  );
}

/** A 409: the resource exists (GET still shows it) but takes no change. */
export function resourceArchived(id: number): AppError {
  return new AppError(
    "resource_archived",
    409,
    "The resource is archived",
    `Resource ${id} is archived: it takes no changes and no bookings.`,
  );
}
