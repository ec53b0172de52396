// Reads the exports back: the XLSX with exceljs' own reader, the CSV with the strict RFC 4180
// parser, into rows of cells, so tests compare them with what the API answers.
import ExcelJS from "exceljs";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { expect } from "vitest";
import { parseCsv } from "./csv-parser.js";

export type XlsxCell = string | number | Date | null;

/** The one worksheet's name and its rows (the header first), each `width` cells, empty ones null. */
export async function readXlsx(body: Buffer, width: number): Promise<{ sheet: string; rows: XlsxCell[][] }> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(body as unknown as ArrayBuffer);
  expect(workbook.worksheets).toHaveLength(1);
  const worksheet = workbook.worksheets[0] as ExcelJS.Worksheet;
  const rows: XlsxCell[][] = [];
  for (let r = 1; r <= worksheet.rowCount; r++) {
    const row = worksheet.getRow(r);
    const cells: XlsxCell[] = [];
    for (let c = 1; c <= width; c++) {
      const value = row.getCell(c).value;
      if (value === null || value === undefined) cells.push(null);
      else if (typeof value === "string" || typeof value === "number" || value instanceof Date)
        cells.push(value);
      else throw new Error(`row ${r} column ${c}: a cell of an unexpected kind: ${JSON.stringify(value)}`);
    }
    rows.push(cells);
  }
  return { sheet: worksheet.name, rows };
}

/** The CSV's records (the header first), after checking and removing the BOM. */
export function readCsv(body: Buffer, separator = ","): string[][] {
  const text = body.toString("utf8");
  expect(text.startsWith("\uFEFF"), "a BOM first").toBe(true);
  return parseCsv(text.slice(1), separator);
}

/** GET an export through inject and check it is a 200 file of its type, named for `day`. */
export async function download(
  app: FastifyInstance,
  url: string,
  expected: { contentType: string; filename: string },
): Promise<LightMyRequestResponse> {
  const response = await app.inject({ method: "GET", url });
  expect(response.statusCode, response.body).toBe(200);
  expect(response.headers["content-type"]).toBe(expected.contentType);
  expect(response.headers["content-disposition"]).toBe(`attachment; filename="${expected.filename}"`);
  return response;
}

export const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
export const CSV = "text/csv; charset=utf-8";
