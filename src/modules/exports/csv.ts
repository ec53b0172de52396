// CSV as RFC 4180 writes it: records end with CRLF; a field holding the separator, a double
// quote, a CR or a LF is quoted, its quotes doubled. UTF-8 with a BOM, so that Excel reads
// Cyrillic right. Text goes through cellText (the formula guard) first.
import { type Cell, cellText } from "./cell.js";

/** `,` by default; `;` for spreadsheets in locales whose decimal separator is the comma. */
export type CsvSeparator = "," | ";";

/** The byte order mark, first in the file: how Excel knows a CSV is UTF-8. */
export const CSV_BOM = "\uFEFF";

/** Numbers as digits, times as the API writes them (ISO-8601 UTC), null as an empty field. */
export function csvField(cell: Cell, separator: CsvSeparator): string {
  if (cell === null) return "";
  if (typeof cell === "number") return String(cell);
  if (cell instanceof Date) return cell.toISOString();
  const text = cellText(cell);
  const quoted = text.includes(separator) || /["\r\n]/.test(text);
  return quoted ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRecord(cells: readonly Cell[], separator: CsvSeparator): string {
  return `${cells.map((cell) => csvField(cell, separator)).join(separator)}\r\n`;
}
