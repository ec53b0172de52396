// The exports: every lead or appeal the filters keep, as a CSV or XLSX file streamed from a
// database cursor. The cursor is opened and its first batch read before the answer starts, so a
// database that cannot serve (no connection of the heavy reads' pool in time, a timeout) is a
// problem+json answer, not a file cut short.
import type { Readable } from "node:stream";
import type { Clock } from "../../core/ports.js";
import type { RowCursor } from "../../db/sql-cursor.js";
import { leadSearchOf } from "../leads/lead.service.js";
import { leadFilterOf } from "../leads/lead-filter.js";
import type { PhoneRegion } from "../leads/phone.js";
import type { SegmentLookup } from "../segments/segment.repository.js";
import type { Column } from "./cell.js";
import type { CsvSeparator } from "./csv.js";
import { csvFormat } from "./csv-sheet.js";
import type { ExportRepository } from "./export.repository.js";
import type { AppealExportQuery, LeadExportQuery } from "./export.schemas.js";
import { APPEAL_COLUMNS, LEAD_COLUMNS } from "./export-columns.js";
import { type ExportStreamOptions, exportStream } from "./export-stream.js";
import type { SheetFormat } from "./sheet-writer.js";
import { xlsxFormat } from "./xlsx-sheet.js";

export type ExportFormat = "csv" | "xlsx";

export type ExportOptions = ExportStreamOptions & {
  /** Rows per FETCH (per keyset statement on the embedded database): what memory holds at a time. */
  batchSize: number;
};

export const DEFAULT_EXPORT_OPTIONS: ExportOptions = Object.freeze({
  batchSize: 500,
  drainTimeoutMs: 30_000,
});

/** What createDeps' options may set for the exports (tests: a small batch, a short drain timeout). */
export type ExportModuleOptions = { exports?: Partial<ExportOptions> };

export type ExportFile = {
  /** `leads-2026-12-01.xlsx`: the day by the service's clock, in UTC. */
  filename: string;
  contentType: string;
  body: Readable;
};

export class ExportService {
  private readonly options: ExportOptions;

  constructor(
    private readonly exports: ExportRepository,
    private readonly clock: Clock,
    private readonly phoneRegion: PhoneRegion,
    private readonly segments: SegmentLookup,
    options: Partial<ExportOptions> = {},
  ) {
    this.options = { ...DEFAULT_EXPORT_OPTIONS, ...options };
  }

  /** The leads GET /leads would list with these filters (a search: all its matches), oldest first. */
  async leads(query: LeadExportQuery, format: ExportFormat): Promise<ExportFile> {
    const search = query.search === undefined ? undefined : leadSearchOf(query.search, this.phoneRegion);
    const filter = await leadFilterOf(query, this.segments);
    const cursor = await this.exports.leads(filter, search, this.options.batchSize);
    return this.file("leads", cursor, LEAD_COLUMNS, formatOf(format, query.sep));
  }

  /** The appeals created in [from, to) of the source and operator given, oldest first. */
  async appeals(query: AppealExportQuery, format: ExportFormat): Promise<ExportFile> {
    const cursor = await this.exports.appeals(
      {
        from: dateOf(query.from),
        to: dateOf(query.to),
        sourceId: query.source_id,
        operatorId: query.operator_id,
      },
      this.options.batchSize,
    );
    return this.file("appeals", cursor, APPEAL_COLUMNS, formatOf(format, query.sep));
  }

  private async file<Row>(
    name: string,
    cursor: RowCursor<Row>,
    columns: readonly Column<Row>[],
    format: SheetFormat,
  ): Promise<ExportFile> {
    try {
      const first = await cursor.next();
      const day = this.clock.now().toISOString().slice(0, 10);
      return {
        filename: `${name}-${day}.${format.extension}`,
        contentType: format.contentType,
        body: exportStream(cursor, first, { columns, sheet: name }, format, this.options),
      };
    } catch (error) {
      await cursor.close();
      throw error;
    }
  }
}

function formatOf(format: ExportFormat, separator: CsvSeparator | undefined): SheetFormat {
  return format === "xlsx" ? xlsxFormat : csvFormat(separator ?? ",");
}

function dateOf(value: string | undefined): Date | undefined {
  return value === undefined ? undefined : new Date(value);
}
