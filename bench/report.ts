// Plain-text tables for the terminal (and Markdown, to paste into docs/PERFORMANCE.md).
export type Row = (string | number)[];

function cell(value: string | number): string {
  if (typeof value === "string") return value;
  if (!Number.isFinite(value)) return "-";
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(1);
}

export function markdownTable(header: string[], rows: Row[]): string {
  const cells = [header, ...rows.map((row) => row.map(cell))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? "").length)));
  const line = (row: string[]) => `| ${row.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [
    line(header),
    `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`,
    ...cells.slice(1).map(line),
  ].join("\n");
}

export function percent(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(0)}%` : "-";
}

export function verdict(ok: boolean): string {
  return ok ? "met" : "MISSED";
}
