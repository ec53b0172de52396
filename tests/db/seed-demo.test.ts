// npm run db:seed's demo CRM (src/db/seed-demo.ts), run through the services on a database of
// this file's own: exact counts (faker and the draws are seeded, so every run writes the same),
// the rules of a real conversation (operators write only on appeals they hold), the scripts'
// versions as the appeals record them, the leads as contacts (profiles, phones in mixed formats,
// tags, consent, materials and their views), the club's week of bookings (in TIMEZONE
// Europe/Moscow, from a fixed first day), and a second run that changes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, type Database } from "../../src/db/prisma.js";
import { demoDepsOptions, type SeedTally, seedDemo } from "../../src/db/seed-demo.js";
import { createDeps, type Deps } from "../../src/deps.js";
import { query } from "../helpers/sql.js";
import { createTestDatabase, onRealServer, type TestDatabase } from "../helpers/test-database.js";

let testDatabase: TestDatabase;
let database: Database;
let deps: Deps;
let tally: SeedTally;
const sql = <T extends Record<string, unknown>>(text: string) => query<T>(testDatabase.url, text);
const ZONE = "Europe/Moscow";

beforeAll(async () => {
  testDatabase = await createTestDatabase();
  database = connectDatabase({ url: testDatabase.url, poolSize: 2, prepareStatements: onRealServer });
  deps = createDeps(database, { ...demoDepsOptions(), timeZone: ZONE });
  await deps.jobs.start();
  const result = await seedDemo(deps, { timeZone: ZONE, firstDay: "2026-12-07" });
  if ("operators" in result) throw new Error("the test database was not empty");
  tally = result;
}, 120_000);

afterAll(async () => {
  await deps?.jobs.stop({ timeoutMs: 5_000 });
  await database?.close();
  await testDatabase?.drop();
});

describe("the demo seed", () => {
  it("makes the same CRM every time: operators, sources, scripts, appeals", async () => {
    expect(
      await sql(
        "SELECT count(*)::int AS n, count(*) FILTER (WHERE NOT is_active)::int AS inactive FROM operators",
      ),
    ).toEqual([{ n: 8, inactive: 1 }]);
    // A script per source, two of them revised once.
    expect(
      await sql(
        `SELECT s.name AS source, b.name AS script, b.version
         FROM sources s JOIN bot_scripts b ON b.id = s.bot_script_id ORDER BY s.id`,
      ),
    ).toEqual([
      { source: "Telegram bot", script: "Telegram: first contact", version: 2 },
      { source: "WhatsApp", script: "WhatsApp: catalogue questions", version: 1 },
      { source: "Website form", script: "Website form: callback request", version: 2 },
      { source: "CRM import", script: "CRM import: reactivation", version: 1 },
    ]);
    expect(await sql("SELECT count(*)::int AS n FROM bot_script_versions")).toEqual([{ n: 6 }]);
    expect(
      await sql("SELECT status::text, count(*)::int AS n FROM appeals GROUP BY status ORDER BY status::text"),
    ).toEqual([
      { status: "active", n: 33 },
      { status: "closed", n: 67 },
      { status: "pending", n: 20 },
    ]);
    expect(await sql("SELECT count(*)::int AS n FROM leads")).toEqual([{ n: 60 }]);
  });

  it("every appeal records its source's script; a revised one's first half version 1, the rest version 2", async () => {
    expect(
      await sql(
        `SELECT count(*)::int AS n FROM appeals a JOIN sources s ON s.id = a.source_id
         WHERE a.bot_script_id IS DISTINCT FROM s.bot_script_id`,
      ),
    ).toEqual([{ n: 0 }]);
    const byVersion = await sql<{ source: string; version: number; n: number; first: number; last: number }>(
      `SELECT s.name AS source, a.bot_script_version AS version, count(*)::int AS n,
              min(a.id) AS first, max(a.id) AS last
       FROM appeals a JOIN sources s ON s.id = a.source_id
       GROUP BY s.id, s.name, a.bot_script_version ORDER BY s.id, a.bot_script_version`,
    );
    expect(byVersion.map(({ source, version, n }) => ({ source, version, n }))).toEqual([
      { source: "Telegram bot", version: 1, n: 18 },
      { source: "Telegram bot", version: 2, n: 17 },
      { source: "WhatsApp", version: 1, n: 28 },
      { source: "Website form", version: 1, n: 21 },
      { source: "Website form", version: 2, n: 24 },
      { source: "CRM import", version: 1, n: 12 },
    ]);
    // The revision came halfway: appeal 60 is the last of version 1, 61 the first of version 2.
    for (const source of ["Telegram bot", "Website form"]) {
      const [v1, v2] = byVersion.filter((row) => row.source === source);
      expect(v1?.last).toBeLessThanOrEqual(60);
      expect(v2?.first).toBeGreaterThan(60);
    }
  });

  it("conversations: lead, bot (some AI-generated) and operator messages, as tallied", async () => {
    expect(
      await sql(
        `SELECT sender::text, count(*)::int AS n, count(*) FILTER (WHERE is_ai_generated)::int AS ai
         FROM messages GROUP BY sender ORDER BY sender::text`,
      ),
    ).toEqual([
      { sender: "bot", n: 278, ai: 68 },
      { sender: "lead", n: 180, ai: 0 },
      { sender: "operator", n: 57, ai: 0 },
    ]);
    expect(tally.messages).toEqual({ lead: 180, bot: 278, operator: 57, aiGenerated: 68 });
    // Every appeal is a conversation: its first message, then at least the bot's greeting.
    expect(
      await sql(
        `SELECT count(*)::int AS n FROM appeals a
         WHERE (SELECT count(*) FROM messages m WHERE m.appeal_id = a.id) < 2`,
      ),
    ).toEqual([{ n: 0 }]);
    // Attachments as references: the operators' catalogue link, the leads' Telegram photos.
    expect(
      await sql(
        `SELECT sender::text, attachments->0->>'kind' AS kind, count(*)::int AS n FROM messages
         WHERE attachments <> '[]'::jsonb GROUP BY 1, 2 ORDER BY 1, 2`,
      ),
    ).toEqual([
      { sender: "lead", kind: "photo", n: 2 },
      { sender: "operator", kind: "document", n: 18 },
    ]);
  });

  it("operators wrote only on appeals they held, while they held them", async () => {
    expect(
      await sql(
        `SELECT count(*)::int AS n FROM messages m JOIN appeals a ON a.id = m.appeal_id
         WHERE m.sender = 'operator'
           AND (m.operator_id IS DISTINCT FROM a.operator_id OR m.created_at < a.assigned_at
                OR m.created_at > COALESCE(a.closed_at, 'infinity'))`,
      ),
    ).toEqual([{ n: 0 }]);
  });

  it("tasks: some done, some overdue, some for nobody, as tallied", async () => {
    const [row] = await sql(
      `SELECT count(*)::int AS total,
              count(*) FILTER (WHERE status = 'done')::int AS done,
              count(*) FILTER (WHERE status = 'open' AND due_at < now())::int AS overdue,
              count(*) FILTER (WHERE operator_id IS NULL)::int AS nobody
       FROM tasks`,
    );
    expect(row).toEqual({ total: 20, done: 4, overdue: 7, nobody: 3 });
    expect(tally.tasks).toEqual(row);
    expect(tally).toMatchObject({ scripts: 4, versions: 6 });
    // As GET /tasks answers them.
    const page = await deps.tasks.list({ limit: 500 }, null);
    expect(page.items.filter((task) => task.overdue)).toHaveLength(7);
  });

  it("contacts: Russian and English profiles, phones as people type them, some second phones, companies, consent, some blocked", async () => {
    const [row] = await sql(
      `SELECT count(*) FILTER (WHERE first_name ~ '^[А-ЯЁ][а-яё]+$')::int AS russian,
              count(*) FILTER (WHERE first_name ~ '^[A-Z][a-z]+$')::int AS english,
              count(*) FILTER (WHERE middle_name IS NOT NULL)::int AS middle,
              count(*) FILTER (WHERE last_name IS NULL)::int AS first_name_only,
              count(*) FILTER (WHERE name = concat_ws(' ', first_name, middle_name, last_name))::int AS name_of_parts,
              count(*) FILTER (WHERE phone IS NOT NULL)::int AS phone,
              count(*) FILTER (WHERE phone_e164 IS NOT NULL)::int AS phone_e164,
              count(*) FILTER (WHERE second_phone_e164 IS NOT NULL)::int AS second_phone,
              count(*) FILTER (WHERE email IS NOT NULL)::int AS email,
              count(*) FILTER (WHERE company IS NOT NULL AND position IS NOT NULL)::int AS company,
              count(*) FILTER (WHERE consent_given_at IS NOT NULL)::int AS consent,
              count(*) FILTER (WHERE blocked_at IS NOT NULL)::int AS blocked
       FROM leads`,
    );
    expect(row).toEqual({
      russian: 35,
      english: 25,
      middle: 36,
      first_name_only: 10,
      name_of_parts: 60,
      phone: 48,
      phone_e164: 48,
      second_phone: 9,
      email: 30,
      company: 17,
      consent: 27,
      blocked: 2,
    });
    expect(tally.contacts).toEqual({
      profiles: 60,
      russian: 35,
      consent: 27,
      blocked: 2,
      materials: 6,
      published: 5,
      views: 55,
      clicks: 16,
    });
    // Every phone as it was sent (digits as n), and each of them a valid number.
    expect(
      await sql(
        `SELECT regexp_replace(phone, '[0-9]', 'n', 'g') AS format, count(*)::int AS n FROM leads
         WHERE phone IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1`,
      ),
    ).toEqual([
      { format: "+nn nnnn nnnnnn", n: 13 },
      { format: "+nnnnnnnnnnnn", n: 8 },
      { format: "+n (nnn) nnn nn nn", n: 6 },
      { format: "+n nnn nnn-nn-nn", n: 6 },
      { format: "nnn nnn nn nn", n: 5 },
      { format: "nnnnnnnnnnn", n: 5 },
      { format: "n (nnn) nnn-nn-nn", n: 3 },
      { format: "+nnnnnnnnnnn", n: 2 },
    ]);
    expect(
      await sql(
        `SELECT tag, count(*)::int AS n FROM leads, unnest(tags) tag GROUP BY tag ORDER BY 2 DESC, 1`,
      ),
    ).toEqual([
      { tag: "newsletter", n: 16 },
      { tag: "retail", n: 16 },
      { tag: "vip", n: 8 },
      { tag: "wholesale", n: 8 },
      { tag: "b2b", n: 7 },
      { tag: "cold", n: 3 },
      { tag: "event-2026", n: 1 },
    ]);
    expect(
      await sql(
        `SELECT consent_text_version AS version, count(*)::int AS n FROM leads
         WHERE consent_given_at IS NOT NULL GROUP BY 1 ORDER BY 1`,
      ),
    ).toEqual([
      { version: "2026-06", n: 9 },
      { version: "2026-11", n: 18 },
    ]);
  });

  it("segments: VIP leads with consent (a filter) and a fixed list of five, their members exact", async () => {
    const vipWithConsent = await sql(
      `SELECT count(*)::int AS n FROM leads WHERE 'vip' = ANY(tags) AND consent_given_at IS NOT NULL`,
    );
    expect(tally.segments).toEqual({ segments: 2, filterLeads: vipWithConsent[0]?.n, listLeads: 5 });
    const segments = (await deps.segments.list({ limit: 10 })).items;
    expect(segments.map((segment) => [segment.name, segment.kind, segment.filter])).toEqual([
      ["Call back", "list", null],
      ["VIP with consent", "filter", { tags_any: ["vip"], consent: true }],
    ]);
    const newest = await sql(`SELECT id FROM leads ORDER BY id DESC LIMIT 5`);
    const listed = await deps.segments.leadsOf(segments[0]?.id as number, { limit: 10 });
    expect(listed.items.map((lead) => lead.id)).toEqual(newest.map((row) => row.id));
  });

  it("contacts are found by a phone in another format and by a surname with a typo", async () => {
    const find = async (search: string) =>
      (await deps.leads.list({ search, limit: 5 })).items.map((lead) => lead.name);
    // Stored as "+79766561963" (her second phone), typed as a Russian admin would.
    expect(await find("8 (976) 656-19-63")).toEqual(["Екатерина Руслановна Кабанова"]);
    // Both namesakes, equally similar, the newer first.
    expect(await find("Кабонова")).toEqual(["Ангелина Артемовна Кабанова", "Екатерина Руслановна Кабанова"]);
  });

  it("materials with media as references, the published ones viewed, as their stats count", async () => {
    expect(
      await sql(
        `SELECT title, category, published, jsonb_path_query_array(media, '$[*].kind') AS kinds,
                (SELECT count(*)::int FROM activities a WHERE a.material_id = m.id AND a.type = 'material_viewed') AS views
         FROM materials m ORDER BY id`,
      ),
    ).toEqual([
      {
        title: "Как выбрать диван: 7 советов",
        category: "article",
        published: true,
        kinds: ["photo"],
        views: 23,
      },
      {
        title: "Sofa Oslo, three seats, grey",
        category: "product",
        published: true,
        kinds: ["photo", "document"],
        views: 19,
      },
      { title: "Кресло «Берген»", category: "product", published: true, kinds: ["photo"], views: 5 },
      { title: "Open day at the showroom", category: "event", published: true, kinds: ["link"], views: 5 },
      {
        title: "Delivery and assembly: how it works",
        category: "article",
        published: true,
        kinds: ["video"],
        views: 3,
      },
      { title: "Распродажа выставочных образцов", category: "event", published: false, kinds: [], views: 0 },
    ]);
    const [first] = await sql<{ id: number }>("SELECT id FROM materials ORDER BY id LIMIT 1");
    expect(await deps.activities.statsOf(first?.id ?? 0)).toEqual({
      material_id: first?.id,
      views: 23,
      unique_leads: 18,
      last_viewed_at: expect.any(String),
    });
    expect(await sql("SELECT type, count(*)::int AS n FROM activities GROUP BY type ORDER BY type")).toEqual([
      { type: "button_clicked", n: 16 },
      { type: "material_viewed", n: 55 },
    ]);
  });

  it("every change went through the services: each has its event", async () => {
    expect(
      await sql(
        `SELECT type, count(*)::int AS n FROM events
         WHERE type IN ('bot_script.created', 'bot_script.updated', 'lead.updated', 'material.created',
                        'message.created', 'task.created', 'task.updated')
         GROUP BY type ORDER BY type`,
      ),
    ).toEqual([
      { type: "bot_script.created", n: 4 },
      { type: "bot_script.updated", n: 2 },
      // A profile filled in per lead, a consent given by 27, and 3 returning leads' new details.
      { type: "lead.updated", n: 90 },
      { type: "material.created", n: 6 },
      { type: "message.created", n: 515 },
      { type: "task.created", n: 20 },
      { type: "task.updated", n: 4 },
    ]);
  });

  it("the club: three fields and two rest rooms, open 10:00-22:00 in TIMEZONE every day", async () => {
    expect(
      await sql("SELECT name, kind, capacity, opening_hours, is_active FROM resources ORDER BY id"),
    ).toEqual(
      [
        ["Field 1", "field", 20],
        ["Field 2", "field", 20],
        ["Field 3", "field", 20],
        ["Rest room Blue", "rest_room", 15],
        ["Rest room Green", "rest_room", 15],
      ].map(([name, kind, capacity]) => ({
        name,
        kind,
        capacity,
        opening_hours: Object.fromEntries(
          ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((day) => [day, ["10:00", "22:00"]]),
        ),
        is_active: true,
      })),
    );
  });

  it("a week of bookings from the first day: games, most with a rest room straight after, some tentative, one cancelled", async () => {
    expect(tally.bookings).toEqual({
      resources: 5,
      bookings: 55,
      withRestRoom: 32,
      tentative: 8,
      cancelled: 1,
    });
    expect(
      await sql(
        "SELECT status::text, count(*)::int AS n FROM bookings GROUP BY status ORDER BY status::text",
      ),
    ).toEqual([
      { status: "cancelled", n: 1 },
      { status: "confirmed", n: 46 },
      { status: "tentative", n: 8 },
    ]);
    // Items per local day (Moscow), seven days from 2026-12-07.
    expect(
      await sql(
        `SELECT (starts_at AT TIME ZONE '${ZONE}')::date::text AS day, count(*)::int AS n
         FROM booking_items GROUP BY 1 ORDER BY 1`,
      ),
    ).toEqual([
      { day: "2026-12-07", n: 15 },
      { day: "2026-12-08", n: 12 },
      { day: "2026-12-09", n: 12 },
      { day: "2026-12-10", n: 15 },
      { day: "2026-12-11", n: 10 },
      { day: "2026-12-12", n: 11 },
      { day: "2026-12-13", n: 12 },
    ]);
    // Every item within opening hours, local time; every two-item booking a field game and then,
    // back to back, an hour in a rest room.
    expect(
      await sql(
        `SELECT count(*)::int AS n FROM booking_items
         WHERE (starts_at AT TIME ZONE '${ZONE}')::time < '10:00'
            OR (ends_at AT TIME ZONE '${ZONE}') > (starts_at AT TIME ZONE '${ZONE}')::date + time '22:00'`,
      ),
    ).toEqual([{ n: 0 }]);
    expect(
      await sql(
        `SELECT count(*)::int AS items, count(*) FILTER (WHERE rest.starts_at = game.ends_at
                  AND rest.ends_at - rest.starts_at = interval '1 hour')::int AS back_to_back
         FROM booking_items game
         JOIN resources gr ON gr.id = game.resource_id AND gr.kind = 'field'
         JOIN booking_items rest ON rest.booking_id = game.booking_id AND rest.id <> game.id
         JOIN resources rr ON rr.id = rest.resource_id AND rr.kind = 'rest_room'`,
      ),
    ).toEqual([{ items: 32, back_to_back: 32 }]);
    // The cancelled booking's items are cancelled: they freed their slots.
    expect(
      await sql(
        `SELECT count(*)::int AS n FROM booking_items i JOIN bookings b ON b.id = i.booking_id
         WHERE (b.status = 'cancelled') <> (i.status = 'cancelled')`,
      ),
    ).toEqual([{ n: 0 }]);
    // Reproducible to the names: the first booking of the week.
    expect(await deps.bookings.get(1)).toMatchObject({
      status: "tentative",
      lead_name: "Иванна Дмитриевна Архипова",
      kind: "tournament",
      players: 17,
      items: [
        {
          resource_name: "Field 2",
          starts_at: "2026-12-07T07:00:00.000Z",
          ends_at: "2026-12-07T08:30:00.000Z",
        },
        {
          resource_name: "Rest room Blue",
          starts_at: "2026-12-07T08:30:00.000Z",
          ends_at: "2026-12-07T09:30:00.000Z",
        },
      ],
    });
    // Through the services: each with its event.
    expect(
      await sql(
        `SELECT type, count(*)::int AS n FROM events
         WHERE type LIKE 'booking.%' OR type LIKE 'resource.%' GROUP BY type ORDER BY type`,
      ),
    ).toEqual([
      { type: "booking.cancelled", n: 1 },
      { type: "booking.created", n: 55 },
      { type: "resource.created", n: 5 },
    ]);
  });

  it("leaves a database with data alone", async () => {
    const before = await sql(
      "SELECT (SELECT count(*)::int FROM events) AS events, (SELECT count(*)::int FROM appeals) AS appeals",
    );
    expect(await seedDemo(deps)).toEqual({ operators: 8, sources: 4 });
    expect(
      await sql(
        "SELECT (SELECT count(*)::int FROM events) AS events, (SELECT count(*)::int FROM appeals) AS appeals",
      ),
    ).toEqual(before);
  });
});
