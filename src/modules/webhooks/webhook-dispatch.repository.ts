// The dispatcher's statements: claim an endpoint with a lease, renew it, record attempts,
// release it. Each is one statement and no connection is held while a request is in flight.
// The lease is the only thing that lets an instance deliver to an endpoint, and every write
// of delivery state is guarded by lease_owner = this instance: two instances never work one
// endpoint at once, and an instance whose lease was taken over (it stalled past lease_until)
// cannot move the cursor any more. Leases use the database's clock (one clock for every
// instance); next_attempt_at uses the dispatcher's injectable clock (tests move it).
import type { SqlClient } from "../../db/sql.js";
import { Prisma } from "../../generated/prisma/client.js";

export type ClaimedWebhook = {
  id: number;
  url: string;
  secret: string;
  eventTypes: string[];
  cursor: bigint;
  attempt: number;
  nextAttemptAt: Date | null;
};

/** One attempt of an event after the cursor, as sent. */
export type HeadAttempt = { event: { id: bigint; type: string }; attempt: number; record: AttemptRecord };

export type LeasedSettings = { url: string; secret: string; eventTypes: string[] };

export type PendingDelivery = {
  id: number;
  eventId: bigint | null;
  eventType: string;
  attempt: number;
  createdAt: Date;
};

export type AttemptRecord = {
  status: "succeeded" | "failed";
  responseStatus: number | null;
  durationMs: number;
  error: string | null;
  nextAttemptAt: Date | null;
  /** The receiver answered 410 Gone: the endpoint is disabled with this reason. */
  disable: string | null;
};

type ClaimRow = {
  id: number;
  url: string;
  secret: string;
  event_types: string[];
  cursor: string;
  attempt: number;
  next_attempt_at: Date | null;
};

export class WebhookDispatchRepository {
  constructor(private readonly sql: SqlClient) {}

  /**
   * Leases one endpoint that has work due: events after its cursor up to the horizon of its
   * types (unless it waits for a retry), or a queued manual retry or test. SKIP LOCKED lets
   * instances claiming at once take different endpoints; the outer WHERE re-checks the lease
   * on the row as committed. Least recently worked first.
   */
  /** Whether any endpoint is enabled: until one is, no instance needs a dispatcher running. */
  async anyEnabled(): Promise<boolean> {
    const [row] = await this.sql.rows<{ any: boolean }>(
      "webhook_any_enabled",
      Prisma.sql`SELECT EXISTS (SELECT 1 FROM webhooks WHERE enabled) AS any`,
    );
    return row?.any ?? false;
  }

  async claim(owner: string, horizon: bigint, now: Date, leaseMs: number): Promise<ClaimedWebhook | null> {
    const rows = await this.sql.rows<ClaimRow>(
      "webhook_claim",
      Prisma.sql`
      UPDATE webhooks w
      SET lease_owner = ${owner}, lease_until = now() + ${leaseMs}::int * interval '1 millisecond'
      WHERE w.id = (
        SELECT c.id FROM webhooks c
        WHERE c.enabled AND (c.lease_until IS NULL OR c.lease_until < now())
          AND (
            ((c.next_attempt_at IS NULL OR c.next_attempt_at <= ${now}::timestamptz)
              AND EXISTS (SELECT 1 FROM events e
                          WHERE e.id > c.cursor AND e.id <= ${horizon.toString()}::bigint
                            AND ('*' = ANY (c.event_types) OR e.type = ANY (c.event_types))))
            OR EXISTS (SELECT 1 FROM webhook_deliveries d
                       WHERE d.webhook_id = c.id AND d.status = 'pending'
                         AND d.next_attempt_at <= ${now}::timestamptz))
        ORDER BY c.lease_until NULLS FIRST, c.id
        LIMIT 1
        FOR UPDATE SKIP LOCKED)
        AND w.enabled AND (w.lease_until IS NULL OR w.lease_until < now())
      RETURNING w.id, w.url, w.secret, w.event_types, w.cursor::text, w.attempt, w.next_attempt_at`,
    );
    const row = rows[0];
    if (!row) return null;
    return {
      id: row.id,
      url: row.url,
      secret: row.secret,
      eventTypes: row.event_types,
      cursor: BigInt(row.cursor),
      attempt: row.attempt,
      nextAttemptAt: row.next_attempt_at,
    };
  }

  /**
   * Extends the lease, and reads the settings the next attempts are sent with. The dispatcher
   * renews only once a third of the lease has passed since the claim or the last renewal (not
   * before every attempt), so a PATCH of the URL or a rotated secret applies from the next
   * renewal or the next claim on: within a third of the lease, or at the next batch. Null
   * when the lease is lost or the endpoint was disabled or deleted: then this instance stops.
   */
  async renew(id: number, owner: string, leaseMs: number): Promise<LeasedSettings | null> {
    const rows = await this.sql.rows<{ url: string; secret: string; event_types: string[] }>(
      "webhook_renew",
      Prisma.sql`
      UPDATE webhooks SET lease_until = now() + ${leaseMs}::int * interval '1 millisecond'
      WHERE id = ${id}::int AND lease_owner = ${owner} AND enabled
      RETURNING url, secret, event_types`,
    );
    const row = rows[0];
    return row ? { url: row.url, secret: row.secret, eventTypes: row.event_types } : null;
  }

  async release(id: number, owner: string): Promise<void> {
    await this.sql.rows(
      "webhook_release",
      Prisma.sql`
      UPDATE webhooks SET lease_owner = NULL, lease_until = now()
      WHERE id = ${id}::int AND lease_owner = ${owner}`,
    );
  }

  /** Queued attempts due now, oldest first. */
  async duePending(id: number, now: Date, limit: number): Promise<PendingDelivery[]> {
    const rows = await this.sql.rows<{
      id: number;
      event_id: string | null;
      event_type: string;
      attempt: number;
      created_at: Date;
    }>(
      "webhook_due_pending",
      Prisma.sql`
      SELECT id, event_id::text, event_type, attempt, created_at FROM webhook_deliveries
      WHERE webhook_id = ${id}::int AND status = 'pending' AND next_attempt_at <= ${now}::timestamptz
      ORDER BY id LIMIT ${limit}::int`,
    );
    return rows.map((row) => ({
      id: row.id,
      eventId: row.event_id === null ? null : BigInt(row.event_id),
      eventType: row.event_type,
      attempt: row.attempt,
      createdAt: row.created_at,
    }));
  }

  /**
   * Records attempts of the events after the cursor, oldest first, and moves the endpoint's
   * state, in one statement: the attempt rows (in their order, so ids ascend with the events),
   * the cursor, failed attempts so far and the next attempt's time, or disabled. The
   * dispatcher sends a run of events and records the successes together with the attempt
   * that ends the run (a failure is recorded as soon as it happens), one statement per run
   * rather than one per event. The state moves only under this instance's lease; the attempt
   * rows are kept either way (they were sent). False when the lease was lost, or the endpoint
   * was disabled or deleted: then this instance stops working it.
   */
  async recordHeadAttempts(
    webhookId: number,
    owner: string,
    attempts: readonly HeadAttempt[],
    state: { cursor: bigint; attempt: number; nextAttemptAt: Date | null; disable: string | null },
  ): Promise<boolean> {
    if (attempts.length === 0) return true;
    // One text whatever the number of rows (a prepared statement): the rows go as arrays.
    const column = <T>(pick: (attempt: HeadAttempt) => T): T[] => attempts.map(pick);
    const rows = await this.sql.rows<{ owned: number }>(
      "webhook_record_head_attempts",
      Prisma.sql`
      WITH moved AS (
        UPDATE webhooks
        SET cursor = ${state.cursor.toString()}::bigint, attempt = ${state.attempt}::int,
            next_attempt_at = ${state.nextAttemptAt}::timestamptz,
            enabled = enabled AND ${state.disable}::text IS NULL,
            disabled_reason = COALESCE(${state.disable}::text, disabled_reason)
        WHERE id = ${webhookId}::int AND lease_owner = ${owner}
        RETURNING id, enabled)
      INSERT INTO webhook_deliveries
        (webhook_id, event_id, event_type, attempt, status, response_status, duration_ms, error, next_attempt_at)
      SELECT w.id, a.event_id, a.event_type, a.attempt, a.status, a.response_status, a.duration_ms,
             a.error, a.next_attempt_at
      FROM webhooks w
      CROSS JOIN unnest(
        ${column((a) => a.event.id.toString())}::bigint[],
        ${column((a) => a.event.type)}::text[],
        ${column((a) => a.attempt)}::int[],
        ${column((a) => a.record.status)}::webhook_delivery_status[],
        ${column((a) => a.record.responseStatus)}::int[],
        ${column((a) => a.record.durationMs)}::int[],
        ${column((a) => a.record.error)}::text[],
        ${column((a) => a.record.nextAttemptAt)}::timestamptz[]
      ) WITH ORDINALITY AS a(event_id, event_type, attempt, status, response_status, duration_ms,
                             error, next_attempt_at, n)
      WHERE w.id = ${webhookId}::int
      ORDER BY a.n
      RETURNING (SELECT count(*) FROM moved WHERE enabled)::int AS owned`,
    );
    return (rows[0]?.owned ?? 0) > 0;
  }

  /** Turns a queued attempt into the attempt made (and disables the endpoint on a 410), under the lease. */
  async recordQueuedAttempt(
    deliveryId: number,
    webhookId: number,
    owner: string,
    record: AttemptRecord,
  ): Promise<boolean> {
    const rows = await this.sql.rows<{ id: number }>(
      "webhook_record_queued_attempt",
      Prisma.sql`
      WITH owner AS (
        UPDATE webhooks
        SET enabled = enabled AND ${record.disable}::text IS NULL,
            disabled_reason = COALESCE(${record.disable}::text, disabled_reason)
        WHERE id = ${webhookId}::int AND lease_owner = ${owner}
        RETURNING id)
      UPDATE webhook_deliveries
      SET status = ${record.status}::webhook_delivery_status, response_status = ${record.responseStatus}::int,
          duration_ms = ${record.durationMs}::int, error = ${record.error}::text, next_attempt_at = NULL
      WHERE id = ${deliveryId}::int AND status = 'pending' AND webhook_id IN (SELECT id FROM owner)
      RETURNING id`,
    );
    return rows.length > 0;
  }
}
