// The media types of the export files, for the formats and the routes' OpenAPI description alike.

/** The CSV's Content-Type header: always UTF-8. */
export const CSV_CONTENT_TYPE = "text/csv; charset=utf-8";

/** Its media type, as the OpenAPI document keys the answer by. */
export const CSV_MEDIA_TYPE = "text/csv";

export const XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
