// The CSV format of the exports: a BOM and the header record first, then one write per batch.
import { CSV_CONTENT_TYPE } from "./content-types.js";
import { CSV_BOM, type CsvSeparator, csvRecord } from "./csv.js";
import type { SheetFormat } from "./sheet-writer.js";

export function csvFormat(separator: CsvSeparator): SheetFormat {
  return {
    contentType: CSV_CONTENT_TYPE,
    extension: "csv",
    open(out, headers) {
      out.write(CSV_BOM + csvRecord(headers, separator));
      return {
        write(rows) {
          out.write(rows.map((cells) => csvRecord(cells, separator)).join(""));
        },
        backedUp: () => (out.writableNeedDrain ? out : null),
        async end() {
          out.end();
        },
      };
    },
  };
}
