import type { Lead, Prisma, PrismaClient } from "../../generated/prisma/client.js";

export type LeadRecord = Lead & { appealsCount: number };

const withAppealsCount = { _count: { select: { appeals: true } } } as const;

/** Prisma's `contains` becomes ILIKE without escaping: `%` and `_` must match themselves. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, "\\$&");
}

function toRecord(row: Lead & { _count: { appeals: number } }): LeadRecord {
  const { _count, ...lead } = row;
  return { ...lead, appealsCount: _count.appeals };
}

export class LeadRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** Newest first, keyset-paginated: `beforeId` is the last id of the previous page. */
  async list(
    filter: { search?: string | undefined },
    page: { limit: number; beforeId?: number | undefined },
  ): Promise<LeadRecord[]> {
    const { search } = filter;
    const where: Prisma.LeadWhereInput = {
      ...(search !== undefined && {
        OR: (["name", "phone", "email", "externalId"] as const).map((field) => ({
          [field]: { contains: escapeLike(search), mode: "insensitive" as const },
        })),
      }),
      ...(page.beforeId !== undefined && { id: { lt: page.beforeId } }),
    };
    const rows = await this.prisma.lead.findMany({
      where,
      include: withAppealsCount,
      orderBy: { id: "desc" },
      take: page.limit,
    });
    return rows.map(toRecord);
  }

  async findById(id: number): Promise<LeadRecord | null> {
    const row = await this.prisma.lead.findUnique({ where: { id }, include: withAppealsCount });
    return row ? toRecord(row) : null;
  }

  /** Whether the lead exists: one index probe, without counting its appeals as findById does. */
  async exists(id: number): Promise<boolean> {
    return (await this.prisma.lead.findUnique({ where: { id }, select: { id: true } })) !== null;
  }

  async findByExternalId(externalId: string): Promise<LeadRecord | null> {
    const row = await this.prisma.lead.findUnique({ where: { externalId }, include: withAppealsCount });
    return row ? toRecord(row) : null;
  }
}
