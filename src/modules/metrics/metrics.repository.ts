import type { PrismaClient } from "../../generated/prisma/client.js";

export class MetricsRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** The pending queue's depth: an index-only count over the partial index appeals_pending_queue_idx. */
  async countPending(): Promise<number> {
    const rows = await this.prisma.$queryRaw<{ pending: number }[]>`
      SELECT count(*)::int AS pending FROM appeals WHERE status = 'pending'`;
    return rows[0]?.pending ?? 0;
  }
}
