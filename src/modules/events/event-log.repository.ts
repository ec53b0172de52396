// Reads of the event log for its subscribers (the live stream, webhooks): the raw
// snapshot probe the horizon needs, and the events in a range. Raw statements on the
// hot path of every subscriber poll (src/db/sql.ts).
import type { SqlClient } from "../../db/sql.js";
import { Prisma } from "../../generated/prisma/client.js";

/** An event as its subscribers receive it: `data` is the resource as the API showed it. */
export type LoggedEvent = {
  id: bigint;
  type: string;
  occurredAt: Date;
  actor: string;
  entityType: string;
  entityId: number;
  appealId: number | null;
  operatorId: number | null;
  sourceId: number | null;
  /**
   * The resource as the API showed it, as PostgreSQL writes the jsonb (`data::text`): a
   * webhook body carries it as it is, without parsing and writing it again per event.
   */
  dataJson: string;
};

/** What a subscriber may see; every field narrows. */
export type EventFilter = {
  types?: readonly string[] | undefined;
  /** Only events about this operator's appeals and tasks (an operator key). */
  operatorId?: number | undefined;
  /** Only events of these sources (a source-scoped intake key). */
  sourceIds?: readonly number[] | undefined;
  /** Only events of some source: appeal and lead activity, no admin changes (an unscoped intake key). */
  hasSource?: boolean | undefined;
};

export type EventProbe = {
  /** Every transaction with a lower id had ended when the probe ran. */
  xmin: bigint;
  /** No transaction running when the probe ran has this id or a higher one. */
  xmax: bigint;
  /** The ids visible after `after`, ascending. */
  ids: bigint[];
  /** The highest id visible, 0 for an empty log. */
  newest: bigint;
};

type EventRow = {
  id: string;
  type: string;
  occurred_at: Date;
  actor: string;
  entity_type: string;
  entity_id: number;
  appeal_id: number | null;
  operator_id: number | null;
  source_id: number | null;
  data_json: string;
};

export class EventLogRepository {
  constructor(private readonly sql: SqlClient) {}

  /** The ids after `after` (at most `limit`) and the bounds of the snapshot that saw them, in one statement. */
  async probe(after: bigint, limit: number): Promise<EventProbe> {
    const [row] = await this.sql.rows<{ xmin: string; xmax: string; ids: string[] | null; newest: string }>(
      "event_log_probe",
      Prisma.sql`
      SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin,
             pg_snapshot_xmax(pg_current_snapshot())::text AS xmax,
             ARRAY(SELECT id::text FROM events WHERE id > ${after.toString()}::bigint
                   ORDER BY id LIMIT ${limit}::int) AS ids,
             COALESCE((SELECT max(id) FROM events), 0)::text AS newest`,
    );
    if (!row) throw new Error("the event log probe returned no row");
    return {
      xmin: BigInt(row.xmin),
      xmax: BigInt(row.xmax),
      ids: (row.ids ?? []).map((id) => BigInt(id)),
      newest: BigInt(row.newest),
    };
  }

  /** The highest id visible now, 0 for an empty log: where a reader that wants only new events starts. */
  async newest(): Promise<bigint> {
    const [row] = await this.sql.rows<{ newest: string }>(
      "event_log_newest",
      Prisma.sql`SELECT COALESCE(max(id), 0)::text AS newest FROM events`,
    );
    return BigInt(row?.newest ?? "0");
  }

  /** The events in (after, upTo] that pass the filter, oldest first, at most `limit`. */
  async read(after: bigint, upTo: bigint, filter: EventFilter, limit: number): Promise<LoggedEvent[]> {
    const rows = await this.sql.rows<EventRow>(
      "event_log_read",
      Prisma.sql`
      SELECT id::text, type, occurred_at, actor, entity_type, entity_id, appeal_id, operator_id, source_id,
             data::text AS data_json
      FROM events
      WHERE id > ${after.toString()}::bigint AND id <= ${upTo.toString()}::bigint
        AND (${filter.types ?? null}::text[] IS NULL OR type = ANY (${filter.types ?? null}::text[]))
        AND (${filter.operatorId ?? null}::int IS NULL OR operator_id = ${filter.operatorId ?? null}::int)
        AND (${filter.sourceIds ?? null}::int[] IS NULL OR source_id = ANY (${filter.sourceIds ?? null}::int[]))
        AND (NOT ${filter.hasSource ?? false}::boolean OR source_id IS NOT NULL)
      ORDER BY events.id -- not the text column of the same name
      LIMIT ${limit}::int`,
    );
    return rows.map((row) => ({
      id: BigInt(row.id),
      type: row.type,
      occurredAt: row.occurred_at,
      actor: row.actor,
      entityType: row.entity_type,
      entityId: row.entity_id,
      appealId: row.appeal_id,
      operatorId: row.operator_id,
      sourceId: row.source_id,
      dataJson: row.data_json,
    }));
  }
}
