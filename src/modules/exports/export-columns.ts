// The columns of the exports, in order: headers are the API's field names (a lead's consent
// split in two), so a file reads like the JSON of GET /leads and GET /appeals and can be mapped
// back by name. Lists (tags, viewed materials) are joined into one cell.
import type { Cell, Column } from "./cell.js";

/** What joins a list into one cell: titles often hold commas, rarely semicolons. */
export const LIST_SEPARATOR = "; ";

/** A lead as the export reads it (export.repository.ts), under the API's names. */
export type LeadExportRow = {
  id: number;
  external_id: string;
  name: string | null;
  first_name: string | null;
  last_name: string | null;
  middle_name: string | null;
  phone: string | null;
  phone_e164: string | null;
  second_phone: string | null;
  second_phone_e164: string | null;
  email: string | null;
  company: string | null;
  position: string | null;
  heard_from: string | null;
  notes: string | null;
  tags: string[];
  consent_given_at: Date | null;
  consent_text_version: string | null;
  blocked_at: Date | null;
  erased_at: Date | null;
  created_at: Date;
  updated_at: Date;
  appeals_count: number;
  last_appeal_at: Date | null;
  activities_count: number;
  /** The titles of the materials it viewed, each material once, in the order first viewed. */
  materials_viewed: string[];
};

export type AppealExportRow = {
  id: number;
  created_at: Date;
  status: string;
  lead_id: number;
  lead_external_id: string;
  lead_name: string | null;
  source_id: number;
  source_name: string;
  operator_id: number | null;
  operator_name: string | null;
  message: string | null;
  assigned_at: Date | null;
  closed_at: Date | null;
  first_response_at: Date | null;
  bot_script_id: number | null;
  bot_script_version: number | null;
};

/** The fields of a row that are one cell as they are. */
type CellField<Row> = { [K in keyof Row]: Row[K] extends Cell ? K : never }[keyof Row] & string;

const field = <Row>(name: CellField<Row>): Column<Row> => ({ name, value: (row) => row[name] as Cell });

/** A list in one cell; an empty list is an empty cell. */
const list = <Row>(name: string, items: (row: Row) => readonly string[]): Column<Row> => ({
  name,
  value: (row) => (items(row).length === 0 ? null : items(row).join(LIST_SEPARATOR)),
});

export const LEAD_COLUMNS: readonly Column<LeadExportRow>[] = [
  ...(
    [
      "id",
      "external_id",
      "name",
      "first_name",
      "last_name",
      "middle_name",
      "phone",
      "phone_e164",
      "second_phone",
      "second_phone_e164",
      "email",
      "company",
      "position",
      "heard_from",
      "notes",
    ] as const
  ).map((name) => field<LeadExportRow>(name)),
  list<LeadExportRow>("tags", (row) => row.tags),
  ...(
    [
      "consent_given_at",
      "consent_text_version",
      "blocked_at",
      "erased_at",
      "created_at",
      "updated_at",
      "appeals_count",
      "last_appeal_at",
      "activities_count",
    ] as const
  ).map((name) => field<LeadExportRow>(name)),
  list<LeadExportRow>("materials_viewed", (row) => row.materials_viewed),
];

export const APPEAL_COLUMNS: readonly Column<AppealExportRow>[] = (
  [
    "id",
    "created_at",
    "status",
    "lead_id",
    "lead_external_id",
    "lead_name",
    "source_id",
    "source_name",
    "operator_id",
    "operator_name",
    "message",
    "assigned_at",
    "closed_at",
    "first_response_at",
    "bot_script_id",
    "bot_script_version",
  ] as const
).map((name) => field<AppealExportRow>(name));
