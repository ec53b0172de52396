// The exports' contract (API.md "Exports"): the queries, and the files as OpenAPI describes them.
import { z } from "zod";
import { queryIdSchema } from "../../http/common.schemas.js";
import { createdInOrder, leadFilterQuery } from "../leads/lead.schemas.js";
import { periodChecked, periodQuery, refinePeriod } from "../stats/period.schemas.js";

/** The CSV exports' field separator; the XLSX ones take none (an unknown field there). */
const csvQuery = {
  sep: z
    .enum([",", ";"])
    .default(",")
    .describe(
      "The CSV field separator: `,` (RFC 4180), or `;` for spreadsheets in locales that write decimals " +
        "with a comma (Excel in ru, de, fr, ...). Pass it URL-encoded or as is: `sep=;` or `sep=%3B`",
    ),
};

/** The filters of GET /leads, segment_id too. Not its limit and cursor: an export is every row. */
export const leadExportQuerySchema = z
  .strictObject({ ...leadFilterQuery })
  .refine(createdInOrder.check, createdInOrder.params);

export const leadCsvExportQuerySchema = z
  .strictObject({ ...leadFilterQuery, ...csvQuery })
  .refine(createdInOrder.check, createdInOrder.params);

const appealFilterQuery = {
  ...periodQuery,
  source_id: queryIdSchema.optional().describe("Only appeals of this source"),
  operator_id: queryIdSchema.optional().describe("Only appeals of this operator"),
};

export const appealExportQuerySchema = z
  .strictObject({ ...appealFilterQuery })
  .superRefine(refinePeriod, periodChecked);

export const appealCsvExportQuerySchema = z
  .strictObject({ ...appealFilterQuery, ...csvQuery })
  .superRefine(refinePeriod, periodChecked);

/** A file in an answer: its bytes, as OpenAPI 3.1 says (a string of media type contentMediaType). */
export const fileSchema = (description: string) =>
  z.string().describe(description).meta({ format: "binary" });

export type LeadExportQuery = z.infer<typeof leadExportQuerySchema> & { sep?: "," | ";" };
export type AppealExportQuery = z.infer<typeof appealExportQuerySchema> & { sep?: "," | ";" };
