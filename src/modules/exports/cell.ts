// A cell of an export, and the one rule every text cell of every format goes through: a
// spreadsheet never runs it as a formula (OWASP "CSV Injection").

/** What a column gives per row: text, a number, a time, or nothing (an empty cell). */
export type Cell = string | number | Date | null;

/** A column of an export: its header (the API's field name) and its cell of a row. */
export type Column<Row> = { name: string; value(row: Row): Cell };

/**
 * What a spreadsheet reads the start of a cell as a formula by: `=`, `+`, `-`, `@`, and a tab or a
 * carriage return before them (OWASP's list). `-1` or `+7 916...` are formulas to Excel too.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** The most characters a spreadsheet cell holds (Excel, LibreOffice); longer text is cut. */
export const MAX_CELL_TEXT = 32_767;

/**
 * A text cell as it is written: with an apostrophe before a formula-like start (the spreadsheet
 * convention for "this is text", kept visible: the cell shows `'=1+2`, never 3), and cut to
 * MAX_CELL_TEXT characters with an ellipsis (never between the two halves of a surrogate pair).
 */
export function cellText(text: string): string {
  const guarded = FORMULA_START.test(text) ? `'${text}` : text;
  if (guarded.length <= MAX_CELL_TEXT) return guarded;
  let end = MAX_CELL_TEXT - 1;
  const last = guarded.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${guarded.slice(0, end)}…`;
}
