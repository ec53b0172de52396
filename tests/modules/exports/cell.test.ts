// The formula guard every text cell goes through (CSV and XLSX alike), and RFC 4180 quoting.
import { describe, expect, it } from "vitest";
import { cellText, MAX_CELL_TEXT } from "../../../src/modules/exports/cell.js";
import { csvField, csvRecord } from "../../../src/modules/exports/csv.js";
import { parseCsv } from "./csv-parser.js";

describe("cellText, the formula guard", () => {
  it.each([
    ["=1+2", "'=1+2"],
    ["+7 916 123-45-67", "'+7 916 123-45-67"],
    ["-1", "'-1"],
    ["@SUM(A1:A9)", "'@SUM(A1:A9)"],
    ["\t=1+2", "'\t=1+2"],
    ["\r=1+2", "'\r=1+2"],
    ['=HYPERLINK("http://evil.example","x")', `'=HYPERLINK("http://evil.example","x")`],
  ])("puts an apostrophe before %j", (text, written) => {
    expect(cellText(text)).toBe(written);
  });

  it.each(["Иван Петров", "1+2=3", " =1+2", "'=1+2", "ivan@example.com", "", "\n=1+2"])(
    "leaves %j as it is (no formula start)",
    (text) => {
      expect(cellText(text)).toBe(text);
    },
  );

  it("cuts text past a cell's 32,767 characters, never between the halves of a surrogate pair", () => {
    expect(cellText("я".repeat(MAX_CELL_TEXT))).toBe("я".repeat(MAX_CELL_TEXT));
    expect(cellText("я".repeat(MAX_CELL_TEXT + 1))).toBe(`${"я".repeat(MAX_CELL_TEXT - 1)}…`);
    const emoji = `${"a".repeat(MAX_CELL_TEXT - 2)}😀😀`;
    expect(cellText(emoji)).toBe(`${"a".repeat(MAX_CELL_TEXT - 2)}…`);
    expect(cellText(`=${"x".repeat(MAX_CELL_TEXT)}`)).toHaveLength(MAX_CELL_TEXT);
  });
});

describe("CSV fields (RFC 4180)", () => {
  it("quotes a field holding the separator, a quote, a CR or a LF, and doubles its quotes", () => {
    expect(csvField('ООО "Ромашка"', ",")).toBe('"ООО ""Ромашка"""');
    expect(csvField("a, b", ",")).toBe('"a, b"');
    expect(csvField("a, b", ";")).toBe("a, b");
    expect(csvField("a; b", ";")).toBe('"a; b"');
    expect(csvField("line 1\nline 2", ",")).toBe('"line 1\nline 2"');
    expect(csvField("line 1\r\nline 2", ";")).toBe('"line 1\r\nline 2"');
    expect(csvField("plain", ",")).toBe("plain");
  });

  it("guards formulas before quoting, writes numbers as digits, times in ISO-8601 UTC, null as nothing", () => {
    expect(csvField('=HYPERLINK("x")', ",")).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField("-5", ",")).toBe("'-5");
    expect(csvField(42, ",")).toBe("42");
    expect(csvField(new Date("2026-12-01T10:00:00.000Z"), ",")).toBe("2026-12-01T10:00:00.000Z");
    expect(csvField(null, ",")).toBe("");
    expect(csvField("", ",")).toBe("");
  });

  it("ends each record with CRLF, and reads back as written", () => {
    const cells = ["Пётр", 'he said "hi", then left', "a\r\nb", null, 7, "=1+2"];
    const record = csvRecord(cells, ",");
    expect(record).toBe('Пётр,"he said ""hi"", then left","a\r\nb",,7,\'=1+2\r\n');
    expect(parseCsv(record)).toEqual([["Пётр", 'he said "hi", then left', "a\r\nb", "", "7", "'=1+2"]]);
    expect(parseCsv(csvRecord(cells, ";"), ";")).toEqual(parseCsv(record));
  });
});
