// Calendar feed tokens over HTTP, with API keys on: POST /calendar/feeds shows the token and its
// URL once, the database holds only its SHA-256, GET lists feeds without tokens, DELETE revokes in
// place. GET /calendar.ics takes the token alone (no API key, none needed): a missing, wrong,
// malformed or revoked token is one and the same 401 that tells nothing, answered before any
// booking is read. Bad input names its field and writes nothing.
import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { query } from "../../helpers/sql.js";
import { startTestApp, useTestApp } from "../../helpers/test-app.js";
import { expectProblem, expectValidationError, ISO_UTC } from "../../http/problem-assertions.js";
import type { Resource } from "../bookings/booking-fixtures.js";
import { createFeed, type FeedCreated, getIcs, parseIcs } from "./feed-fixtures.js";

const statements: string[] = [];
const clock = { now: () => new Date("2026-12-03T10:00:00.000Z") };
const t = useTestApp({
  auth: { mode: "on", host: "127.0.0.1" },
  clock,
  onQuery: (sql) => statements.push(sql),
});
const TOKEN_FORMAT = /^lcf_[A-Za-z0-9_-]{43}$/;
const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

let admin: Record<string, string> = {};
let field: Resource;
let archived: Resource;
let bookedItemId = 0;

const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
  query<T>(t.testDatabase.url, text, params);
/** Every row a refused request must leave as it was. */
const snapshot = async () =>
  (
    await sql<{ feeds: string; events: number }>(
      `SELECT (SELECT coalesce(string_agg(f::text, '|' ORDER BY f.id), '') FROM calendar_feeds f) AS feeds,
              (SELECT count(*)::int FROM events) AS events`,
    )
  )[0];
const eventsOf = (id: number) =>
  sql<{ type: string; actor: string; data: unknown; details: unknown }>(
    "SELECT type, actor, data, details FROM events WHERE entity_type = 'calendar_feed' AND entity_id = $1 ORDER BY id",
    [id],
  );

beforeAll(async () => {
  const key = await t.deps.apiKeys.create({ label: "feeds admin", role: "admin" }, "test");
  admin = { authorization: `Bearer ${key.key}` };
  const as = { ...t, app: t.app };
  const post = (url: string, payload: object) =>
    as.app.inject({ method: "POST", url, payload, headers: admin });
  const made = await post("/resources", { name: "Field A" });
  expect(made.statusCode, made.body).toBe(201);
  field = made.json() as Resource;
  archived = (await post("/resources", { name: "Old field" })).json() as Resource;
  expect(
    (await t.app.inject({ method: "DELETE", url: `/resources/${archived.id}`, headers: admin })).statusCode,
  ).toBe(204);
  const source = await post("/sources", { name: "Feed bot" });
  const appeal = await post("/appeals", {
    source_id: (source.json() as { id: number }).id,
    lead_external_id: "feed-lead",
    lead_name: "Olga",
  });
  expect(appeal.statusCode, appeal.body).toBe(201);
  await t.deps.jobs.start();
  const booking = await post("/bookings", {
    lead_external_id: "feed-lead",
    items: [{ resource_id: field.id, starts_at: "2026-12-10T12:00:00Z", duration_minutes: 60 }],
  });
  expect(booking.statusCode, booking.body).toBe(201);
  bookedItemId = (booking.json() as { items: { id: number }[] }).items[0]?.id ?? 0;
});

describe("POST /calendar/feeds", () => {
  it("answers the token once, in a URL on the request's own address; stores only its SHA-256 and records calendar_feed.created", async () => {
    const feed = await createFeed(t.app, { label: "  Front desk  " }, admin);
    expect(feed).toEqual({
      id: expect.any(Number),
      url: `http://localhost:80/calendar.ics?token=${feed.token}`,
      token: expect.stringMatching(TOKEN_FORMAT),
      label: "Front desk",
      resource_id: null,
      created_at: "2026-12-03T10:00:00.000Z",
    });
    const rows = await sql<{ token_hash: string; row: string }>(
      "SELECT token_hash, row_to_json(f)::text AS row FROM calendar_feeds f WHERE id = $1",
      [feed.id],
    );
    expect(rows.map((row) => row.token_hash)).toEqual([sha256(feed.token)]);
    // The token itself is nowhere: not in the row, not in the event.
    expect(rows[0]?.row).not.toContain(feed.token.slice(4));
    const events = await eventsOf(feed.id);
    expect(events).toEqual([
      {
        type: "calendar_feed.created",
        actor: "feeds admin",
        data: {
          id: feed.id,
          label: "Front desk",
          resource_id: null,
          created_at: feed.created_at,
          revoked_at: null,
        },
        details: { label: "Front desk", resource_id: null },
      },
    ]);
    expect(JSON.stringify(events)).not.toContain(feed.token.slice(4));
    expect(JSON.stringify(events)).not.toContain(sha256(feed.token));
  });

  it("makes a feed of one resource, every token different", async () => {
    const first = await createFeed(t.app, { resource_id: field.id }, admin);
    const second = await createFeed(t.app, { resource_id: field.id, label: null }, admin);
    expect(first).toMatchObject({ label: null, resource_id: field.id });
    expect(second.token).not.toBe(first.token);
    expect(new URL(first.url).searchParams.get("token")).toBe(first.token);
  });

  it("builds the URL on PUBLIC_URL when it is set, else on the Host the admin's request named", async () => {
    const proxied = await t.app.inject({
      method: "POST",
      url: "/calendar/feeds",
      payload: {},
      headers: { ...admin, host: "crm.local:8080" },
    });
    const local = proxied.json() as FeedCreated;
    expect(local.url).toBe(`http://crm.local:8080/calendar.ics?token=${local.token}`);
    const other = await startTestApp(t.testDatabase.url, {
      auth: { mode: "on", host: "127.0.0.1" },
      clock,
      publicUrl: "https://crm.example.com/club",
    });
    try {
      const feed = await createFeed(other.app, {}, admin);
      expect(feed.url).toBe(`https://crm.example.com/club/calendar.ics?token=${feed.token}`);
      // Either instance serves a feed made on the other.
      expect((await getIcs(t.app, `?token=${feed.token}`)).statusCode).toBe(200);
    } finally {
      await other.close();
    }
  });

  describe("bad input: a problem naming the field, nothing written", () => {
    it.each([
      ["an empty label", { label: "" }, "label"],
      ["a blank label", { label: "   " }, "label"],
      ["a label of zero-width characters", { label: "\u200b\u200b" }, "label"],
      ["a label over 200 characters", { label: "l".repeat(201) }, "label"],
      ["a label with NUL", { label: "front\u0000desk" }, "label"],
      ["a label that is not text", { label: 5 }, "label"],
      ["resource_id 0", { resource_id: 0 }, "resource_id"],
      ["resource_id as text", { resource_id: "1" }, "resource_id"],
      ["resource_id not whole", { resource_id: 1.5 }, "resource_id"],
      ["resource_id past int4", { resource_id: 2_147_483_648 }, "resource_id"],
      ["an unknown field", { token: "lcf_mine" }, "token"],
    ])("%s: 400", async (_, payload, path) => {
      const before = await snapshot();
      expectValidationError(
        await t.app.inject({ method: "POST", url: "/calendar/feeds", payload, headers: admin }),
        path,
      );
      expect(await snapshot()).toEqual(before);
    });

    it("a body that is not an object, or none: 400 naming the body", async () => {
      const before = await snapshot();
      expectValidationError(
        await t.app.inject({ method: "POST", url: "/calendar/feeds", payload: [], headers: admin }),
        "(root)",
      );
      expectValidationError(
        await t.app.inject({ method: "POST", url: "/calendar/feeds", headers: admin }),
        "(root)",
      );
      expect(await snapshot()).toEqual(before);
    });

    it("an unknown resource: 404 naming resource_id; an archived one: 400 naming resource_id", async () => {
      const before = await snapshot();
      const unknown = expectProblem(
        await t.app.inject({
          method: "POST",
          url: "/calendar/feeds",
          payload: { resource_id: 424242 },
          headers: admin,
        }),
        404,
        "not_found",
      );
      expect(unknown).toMatchObject({
        detail: "Resource 424242 does not exist.",
        errors: [{ path: "resource_id", message: "not found" }],
      });
      const old = expectValidationError(
        await t.app.inject({
          method: "POST",
          url: "/calendar/feeds",
          payload: { resource_id: archived.id },
          headers: admin,
        }),
        "resource_id",
      );
      expect(old.errors).toEqual([{ path: "resource_id", message: "is archived" }]);
      expect(await snapshot()).toEqual(before);
    });
  });
});

describe("GET /calendar/feeds", () => {
  it("lists every feed oldest first, revoked ones too, never a token or a URL", async () => {
    const response = await t.app.inject({ method: "GET", url: "/calendar/feeds", headers: admin });
    expect(response.statusCode).toBe(200);
    const feeds = response.json() as Record<string, unknown>[];
    const stored = await sql<{ id: number; label: string | null; resource_id: number | null }>(
      "SELECT id, label, resource_id FROM calendar_feeds ORDER BY id",
    );
    expect(feeds).toEqual(
      stored.map((row) => ({ ...row, created_at: "2026-12-03T10:00:00.000Z", revoked_at: null })),
    );
    expect(response.body).not.toMatch(/lcf_|token|url/);
  });
});

describe("DELETE /calendar/feeds/{id}", () => {
  it("revokes in place: 204, the URL answers 401 from then on, calendar_feed.revoked once; again a 204 changing nothing", async () => {
    const feed = await createFeed(t.app, { label: "Lost phone" }, admin);
    expect((await getIcs(t.app, `?token=${feed.token}`)).statusCode).toBe(200);
    const revoke = () =>
      t.app.inject({ method: "DELETE", url: `/calendar/feeds/${feed.id}`, headers: admin });
    const first = await revoke();
    expect(first.statusCode).toBe(204);
    expect(first.body).toBe("");
    expectProblem(await getIcs(t.app, `?token=${feed.token}`), 401, "unauthorized");
    const [row] = await sql<{ revoked_at: Date }>("SELECT revoked_at FROM calendar_feeds WHERE id = $1", [
      feed.id,
    ]);
    expect(row?.revoked_at.toISOString()).toBe("2026-12-03T10:00:00.000Z");
    const before = await snapshot();
    expect((await revoke()).statusCode).toBe(204);
    expect(await snapshot()).toEqual(before);
    expect((await eventsOf(feed.id)).map(({ type, actor, data }) => [type, actor, data])).toEqual([
      ["calendar_feed.created", "feeds admin", expect.objectContaining({ revoked_at: null })],
      [
        "calendar_feed.revoked",
        "feeds admin",
        {
          id: feed.id,
          label: "Lost phone",
          resource_id: null,
          created_at: "2026-12-03T10:00:00.000Z",
          revoked_at: "2026-12-03T10:00:00.000Z",
        },
      ],
    ]);
    const listed = (await t.app.inject({ method: "GET", url: "/calendar/feeds", headers: admin })).json() as {
      id: number;
      revoked_at: string | null;
    }[];
    expect(listed.find((entry) => entry.id === feed.id)?.revoked_at).toMatch(ISO_UTC);
  });

  it("an unknown id is a 404, a malformed one a 400 naming id, neither writes", async () => {
    const before = await snapshot();
    const missing = expectProblem(
      await t.app.inject({ method: "DELETE", url: "/calendar/feeds/424242", headers: admin }),
      404,
      "not_found",
    );
    expect(missing.detail).toBe("Calendar feed 424242 does not exist.");
    expectValidationError(
      await t.app.inject({ method: "DELETE", url: "/calendar/feeds/abc", headers: admin }),
      "id",
    );
    expect(await snapshot()).toEqual(before);
  });
});

describe("GET /calendar.ics: the token alone opens it", () => {
  let feed: FeedCreated;
  let revoked: FeedCreated;
  beforeAll(async () => {
    feed = await createFeed(t.app, { label: "Manager" }, admin);
    revoked = await createFeed(t.app, { label: "Revoked" }, admin);
    await t.deps.calendarFeeds.revoke(revoked.id, "test");
  });

  it("serves a valid token without any API key, and with one it does not need", async () => {
    for (const headers of [{}, admin, { authorization: "Bearer lds_0123456789abcdef_nope" }]) {
      statements.length = 0;
      const response = await getIcs(t.app, `?token=${feed.token}`, headers);
      // Two statements: the feed by its token's hash, then every row of the feed in one.
      expect(statements.map((text) => /FROM booking_items/.test(text))).toEqual([false, true]);
      expect(response.statusCode, response.body).toBe(200);
      expect(parseIcs(response.body).events.map((event) => event.uid)).toEqual([
        `booking-item-${bookedItemId}@lead-distribution`,
      ]);
    }
  });

  it("answers a missing, empty, wrong, malformed, over-long, repeated or revoked token with the same 401, reading no booking", async () => {
    const wrong = `lcf_${"A".repeat(43)}`;
    const cases = [
      "",
      "?token=",
      `?token=${wrong}`,
      "?token=not-a-token",
      `?token=${"x".repeat(5000)}`,
      `?token=${feed.token}&token=${feed.token}`,
      `?token=${revoked.token}`,
      `?token=${feed.token.toUpperCase()}`,
      `?resource_id=${field.id}`,
    ];
    const answers = [];
    for (const queryString of cases) {
      statements.length = 0;
      const response = await getIcs(t.app, queryString, admin);
      const { request_id: _, instance: __, ...problem } = expectProblem(response, 401, "unauthorized");
      answers.push(problem);
      expect(response.headers["cache-control"], queryString).toBe("no-store");
      expect(response.headers["www-authenticate"], queryString).toBeUndefined();
      expect(
        statements.filter((text) => /booking/.test(text)),
        queryString,
      ).toEqual([]);
    }
    expect(answers[0]).toEqual({
      type: "about:blank",
      title: "Unauthorized",
      status: 401,
      code: "unauthorized",
      detail: "This calendar feed's token is missing, unknown or revoked: ask an admin for a feed URL.",
    });
    for (const answer of answers) expect(answer).toEqual(answers[0]);
  });

  it("the feed routes themselves need an admin key: a token is no API key", async () => {
    for (const [method, url] of [
      ["GET", "/calendar/feeds"],
      ["POST", "/calendar/feeds"],
      ["DELETE", `/calendar/feeds/${feed.id}`],
    ] as const) {
      const response = await t.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${feed.token}` },
        ...(method === "POST" && { payload: {} }),
      });
      expectProblem(response, 401, "unauthorized");
    }
    expect((await getIcs(t.app, `?token=${feed.token}`)).statusCode).toBe(200);
  });
});
