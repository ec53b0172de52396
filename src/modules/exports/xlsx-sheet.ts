// The XLSX format of the exports: exceljs' streaming WorkbookWriter, one worksheet, shared
// strings off (the table of every distinct text would grow with the rows) and styles off (the
// style of every cell would be looked up; dates still get exceljs' one date style). Each row is
// committed as written, so the writer keeps none of them.
import type { EventEmitter } from "node:events";
import ExcelJS from "exceljs";
import { type Cell, cellText } from "./cell.js";
import { XLSX_CONTENT_TYPE } from "./content-types.js";
import type { SheetFormat } from "./sheet-writer.js";

/** A column a little wider than its header. */
const columnWidth = (header: string) => Math.max(12, header.length + 2);

/**
 * The buffer where a worksheet's XML waits to be compressed. exceljs' worksheet stream writes
 * into the zip's input without waiting for it (exceljs 4.4.0: `StreamBuf` pipes to archiver's
 * PassThrough and ignores its answer), so however slow the client, every row committed would wait
 * there: 73 MB for 100k rows measured. Writing only once it drained holds that to one batch. This
 * reaches for exceljs' and archiver's fields by name (the version is pinned); it throws at the
 * first export if they are gone, rather than let memory grow unseen.
 */
function zipInput(worksheet: ExcelJS.Worksheet): EventEmitter & { _writableState: { needDrain: boolean } } {
  const stream = (worksheet as unknown as { stream?: { pipes?: unknown[] } }).stream;
  const input = stream?.pipes?.[0] as
    | (EventEmitter & { _writableState?: { needDrain?: unknown } })
    | undefined;
  if (typeof input?._writableState?.needDrain !== "boolean") {
    throw new Error("exceljs changed: the worksheet's zip input is not where xlsx-sheet.ts looks for it");
  }
  return input as EventEmitter & { _writableState: { needDrain: boolean } };
}

/**
 * Text through the formula guard, its line breaks as LF: an XML reader turns a CR LF (or a lone
 * CR) into LF anyway (XML's end-of-line handling), so the cell holds what every reader reads, and
 * Excel shows a line break either way. Numbers and times stay typed (a time is a date cell, UTC).
 */
function xlsxValue(cell: Cell): string | number | Date | null {
  return typeof cell === "string" ? cellText(cell).replace(/\r\n?/g, "\n") : cell;
}

export const xlsxFormat: SheetFormat = {
  contentType: XLSX_CONTENT_TYPE,
  extension: "xlsx",
  open(out, headers, sheet) {
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
      stream: out,
      useSharedStrings: false,
      useStyles: false,
    });
    const worksheet = workbook.addWorksheet(sheet);
    worksheet.columns = headers.map((header) => ({ header: cellText(header), width: columnWidth(header) }));
    const input = zipInput(worksheet);
    return {
      write(rows) {
        for (const cells of rows) worksheet.addRow(cells.map(xlsxValue)).commit();
      },
      backedUp() {
        if (input._writableState.needDrain) return input;
        return out.writableNeedDrain ? out : null;
      },
      async end() {
        worksheet.commit();
        await workbook.commit();
      },
    };
  },
};
