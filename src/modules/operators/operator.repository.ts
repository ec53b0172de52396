import { isRecordNotFound } from "../../db/prisma-errors.js";
import type { Operator, PrismaClient } from "../../generated/prisma/client.js";

export type OperatorRecord = Operator;
export type OperatorChanges = Partial<Pick<Operator, "name" | "isActive" | "maxLoad">>;

export class OperatorRepository {
  constructor(private readonly prisma: PrismaClient) {}

  create(data: { name: string; isActive: boolean; maxLoad: number }): Promise<OperatorRecord> {
    return this.prisma.operator.create({ data });
  }

  findById(id: number): Promise<OperatorRecord | null> {
    return this.prisma.operator.findUnique({ where: { id } });
  }

  list(filter: { isActive?: boolean }): Promise<OperatorRecord[]> {
    return this.prisma.operator.findMany({ where: filter, orderBy: { id: "asc" } });
  }

  /** Returns null when no operator has this id. */
  async update(id: number, changes: OperatorChanges): Promise<OperatorRecord | null> {
    try {
      return await this.prisma.operator.update({ where: { id }, data: changes });
    } catch (error) {
      if (isRecordNotFound(error)) return null;
      throw error;
    }
  }
}
