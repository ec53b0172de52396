import { ConflictError, NotFoundError } from "../../core/errors.js";
import type { DistributionService } from "../appeals/distribution.service.js";
import { toSourceDto, toWeightDto } from "./source.dto.js";
import type { SourceRecord, SourceRepository } from "./source.repository.js";
import type {
  CreateSourceInput,
  SetWeightInput,
  SourceDto,
  UpdateSourceInput,
  WeightDto,
  WeightsInput,
} from "./source.schemas.js";

export class SourceService {
  constructor(
    private readonly sources: SourceRepository,
    private readonly distribution: Pick<DistributionService, "drainSource">,
  ) {}

  async create(input: CreateSourceInput, actor: string): Promise<SourceDto> {
    const source = await this.sources.create(
      {
        name: input.name,
        description: input.description ?? null,
        strategy: input.strategy,
        botScriptId: input.bot_script_id ?? null,
      },
      actor,
    );
    return toSourceDto(source);
  }

  async list(query: { include_archived?: boolean | undefined } = {}): Promise<SourceDto[]> {
    return (await this.sources.list({ includeArchived: query.include_archived ?? false })).map(toSourceDto);
  }

  /** Archives the source (archiving an archived one changes nothing); with pending appeals it is a 409. */
  async archive(id: number, actor: string): Promise<void> {
    const result = await this.sources.archive(id, actor);
    if (!result) throw sourceNotFound(id);
    if (!result.archived) {
      const n = result.pending;
      throw new ConflictError(
        `Source ${id} has ${n} pending appeal${n === 1 ? "" : "s"}; it was not archived. ` +
          "Give its weights to operators who can take them, or close them, first.",
      );
    }
  }

  /** Sets one weight; like new weights, it can make pending appeals assignable: they are assigned at once. */
  async setWeight(
    sourceId: number,
    operatorId: number,
    input: SetWeightInput,
    actor: string,
  ): Promise<WeightDto> {
    const stored = await this.sources.setWeight(sourceId, operatorId, input.weight, actor);
    await this.distribution.drainSource(sourceId, actor);
    return toWeightDto(stored);
  }

  /** Fewer weights make no appeal assignable: nothing to drain. */
  removeWeight(sourceId: number, operatorId: number, actor: string): Promise<void> {
    return this.sources.removeWeight(sourceId, operatorId, actor);
  }

  async get(id: number): Promise<SourceDto> {
    return toSourceDto(await this.require(id));
  }

  async update(id: number, input: UpdateSourceInput, actor: string): Promise<SourceDto> {
    const { bot_script_id: botScriptId, ...rest } = input;
    const source = await this.sources.update(
      id,
      { ...rest, ...(botScriptId !== undefined && { botScriptId }) },
      actor,
    );
    if (!source) throw sourceNotFound(id);
    // A new strategy changes the candidates' shares, not who is a candidate: nothing to drain.
    return toSourceDto(source);
  }

  async listWeights(sourceId: number): Promise<WeightDto[]> {
    await this.require(sourceId);
    return (await this.sources.listWeights(sourceId)).map(toWeightDto);
  }

  /**
   * New weights can make pending appeals of the source assignable: they are assigned
   * at once, and recorded as drained by the same actor.
   */
  async replaceWeights(sourceId: number, input: WeightsInput, actor: string): Promise<WeightDto[]> {
    const stored = await this.sources.replaceWeights(
      sourceId,
      input.map((item) => ({ operatorId: item.operator_id, weight: item.weight })),
      actor,
    );
    if (!stored) throw sourceNotFound(sourceId);
    await this.distribution.drainSource(sourceId, actor);
    // The set this request stored, even when a concurrent replacement has already followed it.
    return stored.map(toWeightDto);
  }

  private async require(id: number): Promise<SourceRecord> {
    const source = await this.sources.findById(id);
    if (!source) throw sourceNotFound(id);
    return source;
  }
}

export function sourceNotFound(id: number): NotFoundError {
  return new NotFoundError(`Source ${id} does not exist.`);
}
