// The media types of the export files, for the formats and the routes' OpenAPI description alike.

export const CSV_CONTENT_TYPE = "text/csv; charset=utf-8";

export const XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
