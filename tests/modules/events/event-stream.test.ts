// GET /events/stream over real sockets on a real database: the SSE fields of each event,
// id order, resuming with Last-Event-ID on another instance of the same database, the
// type filter and what each kind of key sees. Events are made through the API where a
// writer records them; the role tests insert rows with operator_id and source_id
// directly, since no writer fills those columns yet.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unique } from "../../helpers/factories.js";
import { query } from "../../helpers/sql.js";
import { SseClient, type SseEvent } from "../../helpers/sse-client.js";
import { type RunningApp, startTestApp, useTestApp } from "../../helpers/test-app.js";
import { expectProblem } from "../../http/problem-assertions.js";

const AUTH = { mode: "on", host: "127.0.0.1" } as const;
const OPTIONS = { auth: AUTH, eventPollIntervalMs: 20 } as const;
const t = useTestApp(OPTIONS);
/** A second instance on the same database, with its own event feed. */
let other: RunningApp;
let baseUrl = "";
let otherUrl = "";
let admin = "";
const clients: SseClient[] = [];

beforeAll(async () => {
  other = await startTestApp(t.testDatabase.url, { ...OPTIONS, poolSize: 2 });
  baseUrl = await t.app.listen({ port: 0, host: "127.0.0.1" });
  otherUrl = await other.app.listen({ port: 0, host: "127.0.0.1" });
  admin = (await t.deps.apiKeys.create({ label: "stream admin", role: "admin" }, "test")).key;
});
afterAll(async () => {
  for (const client of clients) client.close();
  await other?.close();
});

async function stream(url: string, path: string, key: string, headers: Record<string, string> = {}) {
  const client = await SseClient.open(url, path, { authorization: `Bearer ${key}`, ...headers });
  clients.push(client);
  expect(client.status).toBe(200);
  // The stream has started (its cursor is set) once its first comment is in.
  await client.waitForComments("connected", 1);
  return client;
}

async function createOperator(app = t.app): Promise<number> {
  const response = await app.inject({
    method: "POST",
    url: "/operators",
    headers: { authorization: `Bearer ${admin}` },
    payload: { name: unique("stream operator") },
  });
  expect(response.statusCode, response.body).toBe(201);
  return (response.json() as { id: number }).id;
}

/** The SSE messages the log's rows after `afterId` should be written as, in id order. */
async function expectedAfter(afterId: number, ids?: number[]): Promise<SseEvent[]> {
  const rows = await query<{ id: number; type: string; occurred_at: Date; actor: string; data: unknown }>(
    t.testDatabase.url,
    `SELECT id::int, type, occurred_at, actor, data FROM events
     WHERE id > $1 AND ($2::int[] IS NULL OR id = ANY ($2::int[])) ORDER BY id`,
    [afterId, ids ?? null],
  );
  return rows.map((row) => ({
    id: String(row.id),
    event: row.type,
    data: JSON.stringify({
      id: row.id,
      type: row.type,
      occurred_at: row.occurred_at.toISOString(),
      actor: row.actor,
      data: row.data,
    }),
  }));
}

async function newestId(): Promise<number> {
  const [row] = await query<{ id: number }>(
    t.testDatabase.url,
    "SELECT COALESCE(max(id), 0)::int AS id FROM events",
  );
  return row?.id ?? 0;
}

type Row = { type: string; operator_id?: number | null; source_id?: number | null };

/** Inserts events the way a writer would, with the scope columns set; returns their ids. */
async function insertEvents(rows: Row[]): Promise<number[]> {
  const inserted = await query<{ id: number }>(
    t.testDatabase.url,
    `INSERT INTO events (actor, type, entity_type, entity_id, operator_id, source_id, data)
     SELECT 'test', r.type, 'appeal', 1, r.operator_id, r.source_id, jsonb_build_object('n', r.n)
     FROM jsonb_to_recordset($1::jsonb) AS r(n int, type text, operator_id int, source_id int)
     ORDER BY r.n
     RETURNING id::int`,
    [JSON.stringify(rows.map((row, n) => ({ n, ...row })))],
  );
  return inserted.map((row) => row.id).sort((a, b) => a - b);
}

describe("GET /events/stream", () => {
  it("writes each event as id, event and data lines, in id order, with the SSE answer's headers", async () => {
    const client = await stream(baseUrl, "/events/stream", admin);
    expect(client.response.headers["content-type"]).toBe("text/event-stream");
    expect(client.response.headers["cache-control"]).toBe("no-store");
    expect(client.response.headers["x-request-id"]).toEqual(expect.any(String));
    expect(client.response.headers["x-content-type-options"]).toBe("nosniff");
    const before = await newestId();
    for (let i = 0; i < 3; i++) await createOperator();

    const expected = await expectedAfter(before);
    expect(expected.map((event) => event.event)).toEqual([
      "operator.created",
      "operator.created",
      "operator.created",
    ]);
    expect(await client.waitForEvents(3)).toEqual(expected);
    expect(client.json<{ actor: string }>().map((event) => event.actor)).toEqual([
      "stream admin",
      "stream admin",
      "stream admin",
    ]);
    expect(client.comments[0]).toBe("connected");
  });

  it("resumes with Last-Event-ID on another instance: the missed events first, then live ones", async () => {
    const first = await stream(baseUrl, "/events/stream", admin);
    const start = await newestId();
    await createOperator();
    await createOperator();
    const seen = await first.waitForEvents(2);
    first.close();
    await first.ended;
    const lastSeen = seen[1]?.id ?? "";

    // Missed while disconnected, written through the first instance.
    for (let i = 0; i < 3; i++) await createOperator();
    const resumed = await stream(otherUrl, "/events/stream", admin, { "last-event-id": lastSeen });
    const missed = await expectedAfter(Number(lastSeen));
    expect(missed).toHaveLength(3);
    expect(await resumed.waitForEvents(3)).toEqual(missed);

    // Live: committed by the first instance, delivered by the second's stream.
    await createOperator(t.app);
    const all = await expectedAfter(start);
    expect(all).toHaveLength(6);
    expect(await resumed.waitForEvents(4)).toEqual(all.slice(2));
    expect(seen).toEqual(all.slice(0, 2));
  });

  it("takes last_event_id from the query for clients without the header; the header wins over it", async () => {
    const before = await newestId();
    await createOperator();
    await createOperator();
    const [firstId, secondId] = (await expectedAfter(before)).map((event) => Number(event.id));
    const byQuery = await stream(otherUrl, `/events/stream?last_event_id=${before}`, admin);
    expect((await byQuery.waitForEvents(2)).map((event) => Number(event.id))).toEqual([firstId, secondId]);
    const both = await stream(otherUrl, `/events/stream?last_event_id=${before}`, admin, {
      "last-event-id": String(firstId),
    });
    await createOperator();
    const third = (await expectedAfter(secondId ?? 0))[0];
    expect(await both.waitForEvents(2)).toEqual([...(await expectedAfter(before)).slice(1, 2), third]);
  });

  it("starts without Last-Event-ID after the newest event: only events committed after it opened", async () => {
    await createOperator();
    const client = await stream(baseUrl, "/events/stream", admin);
    const before = await newestId();
    await createOperator();
    expect(await client.waitForEvents(1)).toEqual(await expectedAfter(before));
  });

  it("sends only the types asked for", async () => {
    const client = await stream(baseUrl, "/events/stream?types=operator.created, source.created", admin);
    const before = await newestId();
    const operatorId = await createOperator();
    const updated = await t.app.inject({
      method: "PATCH",
      url: `/operators/${operatorId}`,
      headers: { authorization: `Bearer ${admin}` },
      payload: { max_load: 3 },
    });
    expect(updated.statusCode, updated.body).toBe(200);
    const source = await t.app.inject({
      method: "POST",
      url: "/sources",
      headers: { authorization: `Bearer ${admin}` },
      payload: { name: unique("stream source") },
    });
    expect(source.statusCode, source.body).toBe(201);
    const all = await expectedAfter(before);
    expect(all.map((event) => event.event)).toEqual([
      "operator.created",
      "operator.updated",
      "source.created",
    ]);
    // source.created comes after operator.updated in the log: had the filter let it through, it would be here.
    expect(await client.waitForEvents(2)).toEqual([all[0], all[2]]);
  });

  it("refuses an unknown type with a 400 naming types and listing the valid ones", async () => {
    const response = await t.app.inject({
      method: "GET",
      url: "/events/stream?types=operator.created,appeal.exploded",
      headers: { authorization: `Bearer ${admin}` },
    });
    const problem = expectProblem(response, 400, "validation_failed");
    expect(problem.errors).toEqual([
      {
        path: "types",
        message: expect.stringMatching(
          /^unknown event type "appeal\.exploded"; valid types: operator\.created, /,
        ),
      },
    ]);
    expect(problem.errors?.[0]?.message).toContain("appeal.assigned");
    const empty = await t.app.inject({
      method: "GET",
      url: "/events/stream?types=",
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(expectProblem(empty, 400, "validation_failed").errors?.[0]).toMatchObject({ path: "types" });
  });

  it("refuses a Last-Event-ID that is not an event id with a 400 naming it", async () => {
    for (const value of ["abc", "-1", "1.5"]) {
      const response = await t.app.inject({
        method: "GET",
        url: "/events/stream",
        headers: { authorization: `Bearer ${admin}`, "last-event-id": value },
      });
      expect(expectProblem(response, 400, "validation_failed").errors?.[0], value).toMatchObject({
        path: "last-event-id",
      });
    }
    const query = await t.app.inject({
      method: "GET",
      url: "/events/stream?last_event_id=x",
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(expectProblem(query, 400, "validation_failed").errors?.[0]).toMatchObject({
      path: "last_event_id",
    });
  });
});

describe("what each key's stream shows", () => {
  const keys = { viewer: "", operator: "", scopedIntake: "", intake: "" };
  const scope = { operator: 0, otherOperator: 0, source: 0, otherSource: 0 };

  beforeAll(async () => {
    scope.operator = await createOperator();
    scope.otherOperator = await createOperator();
    scope.source = (
      await t.deps.sources.create({ name: unique("scoped source"), strategy: "weighted" }, "test")
    ).id;
    scope.otherSource = (
      await t.deps.sources.create({ name: unique("other source"), strategy: "weighted" }, "test")
    ).id;
    const create = async (role: string, extra: { sourceIds?: number[]; operatorId?: number } = {}) =>
      (await t.deps.apiKeys.create({ label: unique(`stream ${role}`), role, ...extra }, "test")).key;
    keys.viewer = await create("viewer");
    keys.operator = await create("operator", { operatorId: scope.operator });
    keys.scopedIntake = await create("intake", { sourceIds: [scope.source] });
    keys.intake = await create("intake");
  });

  it("viewer everything; operator its own; intake its sources (unscoped: every source), no admin changes", async () => {
    const viewer = await stream(baseUrl, "/events/stream", keys.viewer);
    const operator = await stream(otherUrl, "/events/stream", keys.operator);
    const scopedIntake = await stream(baseUrl, "/events/stream", keys.scopedIntake);
    const intake = await stream(otherUrl, "/events/stream", keys.intake);
    const ids = await insertEvents([
      { type: "appeal.assigned", operator_id: scope.operator, source_id: scope.source }, // 0: all
      { type: "appeal.assigned", operator_id: scope.otherOperator, source_id: scope.otherSource }, // 1
      { type: "appeal.closed", operator_id: scope.otherOperator, source_id: scope.source }, // 2
      { type: "operator.updated", operator_id: null, source_id: null }, // 3: an admin change
      { type: "appeal.queued", operator_id: null, source_id: scope.otherSource }, // 4
      { type: "appeal.closed", operator_id: scope.operator, source_id: scope.otherSource }, // 5
      { type: "appeal.assigned", operator_id: scope.operator, source_id: scope.source }, // 6: all, last
    ]);
    const expectIds = async (client: SseClient, positions: number[]) => {
      const expected = await expectedAfter(
        0,
        positions.map((position) => ids[position] ?? 0),
      );
      // The last event is one every stream gets: whatever was filtered out came before it.
      expect(await client.waitForEvents(positions.length)).toEqual(expected);
    };
    await expectIds(viewer, [0, 1, 2, 3, 4, 5, 6]);
    await expectIds(operator, [0, 5, 6]);
    await expectIds(scopedIntake, [0, 2, 6]);
    await expectIds(intake, [0, 1, 2, 4, 5, 6]);
  });

  it("applies the scope to a resume as well", async () => {
    const before = await newestId();
    const ids = await insertEvents([
      { type: "appeal.assigned", operator_id: scope.otherOperator, source_id: scope.source },
      { type: "appeal.assigned", operator_id: scope.operator, source_id: scope.otherSource },
      { type: "appeal.closed", operator_id: scope.operator, source_id: scope.source },
    ]);
    const operator = await stream(otherUrl, "/events/stream", keys.operator, {
      "last-event-id": String(before),
    });
    expect(await operator.waitForEvents(2)).toEqual(await expectedAfter(before, [ids[1] ?? 0, ids[2] ?? 0]));
  });
});
