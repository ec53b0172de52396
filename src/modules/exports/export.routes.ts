// GET /exports/leads.xlsx|.csv and GET /exports/appeals.xlsx|.csv: files streamed as the rows are
// read. The query is validated before anything is read (a 400 names the field, no byte of a file
// is sent); the cursor is opened and its first batch read before the head goes out.
import type { FastifyReply } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { problemResponses } from "../../http/problem.schema.js";
import { ACCESS } from "../auth/access.js";
import { CSV_MEDIA_TYPE, XLSX_CONTENT_TYPE } from "./content-types.js";
import {
  appealCsvExportQuerySchema,
  appealExportQuerySchema,
  fileSchema,
  leadCsvExportQuerySchema,
  leadExportQuerySchema,
} from "./export.schemas.js";
import type { ExportFile, ExportService } from "./export.service.js";
import { APPEAL_COLUMNS, LEAD_COLUMNS, LIST_SEPARATOR } from "./export-columns.js";

const COMMON =
  "Streamed from a database cursor (memory does not grow with the rows); one row per record, oldest first " +
  "(by id), headers the API's field names. Text that starts with =, +, -, @, a tab or a CR is written with an " +
  "apostrophe before it, so a spreadsheet never runs it as a formula. XLSX: numbers and times stay typed " +
  "(times in UTC); CSV: UTF-8 with a BOM, RFC 4180 quoting, CRLF, times as ISO-8601 UTC, an empty field for " +
  `null, lists joined with "${LIST_SEPARATOR}". Content-Disposition names the file with the day (UTC).`;

const LEADS =
  `Every lead the filters of GET /leads keep (with search: all its matches). Columns: ${LEAD_COLUMNS.map((c) => c.name).join(", ")}; ` +
  "consent as consent_given_at and consent_text_version, last_appeal_at the newest appeal's created_at, " +
  "materials_viewed the titles of the materials it viewed (material_viewed activities), each once, in the " +
  "order first viewed. ";

const APPEALS = `Every appeal created in [from, to) of the source and operator given. Columns: ${APPEAL_COLUMNS.map((c) => c.name).join(", ")}. `;

/** The 200 of a file route: its bytes under its one media type. */
const fileResponse = (contentType: string, description: string) => ({
  description,
  content: { [contentType]: { schema: fileSchema(description) } },
});

/** The answer may have gone out while the cursor opened (the request deadline's 503, a client gone). */
function sendFile(reply: FastifyReply, file: ExportFile): FastifyReply {
  if (reply.sent || reply.raw.headersSent || reply.raw.destroyed) {
    file.body.destroy(); // closes the cursor: its connection goes back to the pool
    return reply;
  }
  return reply
    .header("content-type", file.contentType)
    .header("content-disposition", `attachment; filename="${file.filename}"`)
    .send(file.body);
}

export const exportRoutes: FastifyPluginAsyncZod<{ exports: ExportService }> = async (app, { exports }) => {
  // A HEAD would run the whole export to throw it away.
  const route = { exposeHeadRoute: false, config: { access: ACCESS.read } } as const;

  app.get(
    "/exports/leads.xlsx",
    {
      ...route,
      schema: {
        operationId: "exportLeadsXlsx",
        tags: ["exports"],
        summary: "Export leads as an Excel workbook",
        description: LEADS + COMMON,
        querystring: leadExportQuerySchema,
        response: { 200: fileResponse(XLSX_CONTENT_TYPE, "The leads, one worksheet"), ...problemResponses() },
      },
    },
    async (request, reply) => sendFile(reply, await exports.leads(request.query, "xlsx")),
  );

  app.get(
    "/exports/leads.csv",
    {
      ...route,
      schema: {
        operationId: "exportLeadsCsv",
        tags: ["exports"],
        summary: "Export leads as CSV",
        description: LEADS + COMMON,
        querystring: leadCsvExportQuerySchema,
        response: {
          200: fileResponse(CSV_MEDIA_TYPE, "The leads, a header record first"),
          ...problemResponses(),
        },
      },
    },
    async (request, reply) => sendFile(reply, await exports.leads(request.query, "csv")),
  );

  app.get(
    "/exports/appeals.xlsx",
    {
      ...route,
      schema: {
        operationId: "exportAppealsXlsx",
        tags: ["exports"],
        summary: "Export appeals as an Excel workbook",
        description: APPEALS + COMMON,
        querystring: appealExportQuerySchema,
        response: {
          200: fileResponse(XLSX_CONTENT_TYPE, "The appeals, one worksheet"),
          ...problemResponses(),
        },
      },
    },
    async (request, reply) => sendFile(reply, await exports.appeals(request.query, "xlsx")),
  );

  app.get(
    "/exports/appeals.csv",
    {
      ...route,
      schema: {
        operationId: "exportAppealsCsv",
        tags: ["exports"],
        summary: "Export appeals as CSV",
        description: APPEALS + COMMON,
        querystring: appealCsvExportQuerySchema,
        response: {
          200: fileResponse(CSV_MEDIA_TYPE, "The appeals, a header record first"),
          ...problemResponses(),
        },
      },
    },
    async (request, reply) => sendFile(reply, await exports.appeals(request.query, "csv")),
  );
};
