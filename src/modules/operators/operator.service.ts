import { ConflictError, ForbiddenError, NotFoundError } from "../../core/errors.js";
import type { DistributionService } from "../appeals/distribution.service.js";
import { toOperatorDto } from "./operator.dto.js";
import type { OperatorRecord, OperatorRepository } from "./operator.repository.js";
import type {
  CreateOperatorInput,
  ListOperatorsQuery,
  OperatorDto,
  UpdateOperatorInput,
  UpdateOwnOperatorInput,
} from "./operator.schemas.js";

export class OperatorService {
  constructor(
    private readonly operators: OperatorRepository,
    private readonly distribution: Pick<DistributionService, "drainForOperator" | "archiveOperator">,
  ) {}

  async create(input: CreateOperatorInput, actor: string): Promise<OperatorDto> {
    const operator = await this.operators.create(
      { name: input.name, isActive: input.is_active, maxLoad: input.max_load },
      actor,
    );
    return toOperatorDto(operator);
  }

  async list(query: ListOperatorsQuery): Promise<OperatorDto[]> {
    const operators = await this.operators.list({
      isActive: query.is_active,
      includeArchived: query.include_archived ?? false,
    });
    return operators.map(toOperatorDto);
  }

  /**
   * Archives the operator (never a hard delete; archiving an archived one changes nothing).
   * Holding active appeals it is a 409 naming how many, unless `reassign`: then they go back
   * to distribution first, each assigned at once where some operator can take it.
   */
  async archive(id: number, reassign: boolean, actor: string): Promise<void> {
    const result = await this.distribution.archiveOperator(id, reassign, actor);
    if (result.outcome === "not_found") throw operatorNotFound(id);
    if (result.outcome === "has_active") {
      const n = result.activeAppeals;
      throw new ConflictError(
        `Operator ${id} holds ${n} active appeal${n === 1 ? "" : "s"}; it was not archived. ` +
          `DELETE /operators/${id}?reassign=true hands ${n === 1 ? "it" : "them"} back to distribution first.`,
      );
    }
  }

  async get(id: number): Promise<OperatorDto> {
    return toOperatorDto(await this.require(id));
  }

  /**
   * Whenever the operator is active and below its limit after a change, pending
   * appeals it can take are assigned at once (recorded as drained by the same actor):
   * also after a PATCH that changed nothing, since a retried one may follow a request
   * that committed and died before its drain.
   */
  async update(id: number, input: UpdateOperatorInput, actor: string): Promise<OperatorDto> {
    const updated = await this.operators.update(
      id,
      {
        ...(input.name !== undefined && { name: input.name }),
        ...(input.is_active !== undefined && { isActive: input.is_active }),
        ...(input.max_load !== undefined && { maxLoad: input.max_load }),
      },
      actor,
    );
    if (!updated) throw operatorNotFound(id);
    const { after } = updated;
    if (after.isActive && after.activeLoad < after.maxLoad) {
      if ((await this.distribution.drainForOperator(id, actor)) > 0) return this.get(id);
    }
    return toOperatorDto(after);
  }

  /**
   * The operator an operator key acts for (`self`, from the key). Every other caller (another
   * role, open mode) has no operator of its own: a 403, not a 404, since no id was named.
   */
  async getSelf(self: number | null): Promise<OperatorDto> {
    return this.get(requireSelf(self));
  }

  /** Sets the key's own operator's availability, with every effect of update() (drain, event). */
  async updateSelf(self: number | null, input: UpdateOwnOperatorInput, actor: string): Promise<OperatorDto> {
    return this.update(requireSelf(self), { is_active: input.is_active }, actor);
  }

  private async require(id: number): Promise<OperatorRecord> {
    const operator = await this.operators.findById(id);
    if (!operator) throw operatorNotFound(id);
    return operator;
  }
}

export function operatorNotFound(id: number): NotFoundError {
  return new NotFoundError(`Operator ${id} does not exist.`);
}

function requireSelf(self: number | null): number {
  if (self === null) {
    throw new ForbiddenError(
      "/operators/me needs an operator key: it is the operator the key acts for, and this caller has none.",
    );
  }
  return self;
}
