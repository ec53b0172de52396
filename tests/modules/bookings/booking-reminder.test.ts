// booking.reminder through the job queue with a test clock: one job per first start, sent in the
// booking's transaction and due BOOKING_REMINDER_BEFORE_MINUTES before it; once per booking, a
// move reschedules (the old job finds nothing to do), a cancel never reminds, and neither a rerun
// nor two workers at once double it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bookingReminder } from "../../../src/modules/bookings/booking.jobs.js";
import { query } from "../../helpers/sql.js";
import { type RunningApp, startTestApp, useTestApp } from "../../helpers/test-app.js";
import { onRealServer } from "../../helpers/test-database.js";
import {
  type Booking,
  createBooking,
  createLead,
  createResource,
  item,
  patchBooking,
} from "./booking-fixtures.js";

const clock = { at: new Date("2026-12-10T09:00:00.000Z") };
const t = useTestApp({ clock: { now: () => clock.at }, bookingReminderBeforeMinutes: 1440 });

let resourceId: number;
let leadId: number;
beforeAll(async () => {
  await t.deps.jobs.start();
  resourceId = (await createResource(t.app)).id;
  leadId = (await createLead(t.app)).id;
});

const book = (startsAt: string) =>
  createBooking(t.app, { lead_id: leadId, items: [item(resourceId, startsAt)] });
const reminders = (bookingId: number) =>
  query<{ actor: string; data: Booking; details: { starts_at: string } }>(
    t.testDatabase.url,
    "SELECT actor, data, details FROM events WHERE type = 'booking.reminder' AND entity_id = $1 ORDER BY id",
    [bookingId],
  );
const jobsOf = (bookingId: number) =>
  query<{ starts_at: string; start_after: Date }>(
    t.testDatabase.url,
    `SELECT data->>'startsAt' AS starts_at, start_after FROM pgboss.job
     WHERE name = $1 AND (data->>'bookingId')::int = $2 ORDER BY created_on, start_after`,
    [bookingReminder.name, bookingId],
  );
const runAll = () => t.deps.jobs.runDue({ includeDelayed: true });

describe("booking.reminder", () => {
  it("is one job due a day before the first item, and one event, however often the jobs run", async () => {
    clock.at = new Date("2026-12-10T09:00:00.000Z");
    const booking = await createBooking(t.app, {
      lead_id: leadId,
      items: [item(resourceId, "2026-12-20T12:00:00Z"), item(resourceId, "2026-12-20T10:00:00Z")],
    });
    expect(await jobsOf(booking.id)).toEqual([
      { starts_at: "2026-12-20T10:00:00.000Z", start_after: new Date("2026-12-19T10:00:00.000Z") },
    ]);
    clock.at = new Date("2026-12-19T10:00:00.000Z");
    await runAll();
    await runAll();
    // A rerun of the handler (a retry after a process died mid-run) finds it reminded.
    expect(await t.deps.bookingReminders.remind(booking.id, new Date("2026-12-20T10:00:00Z"))).toBe(false);
    expect(await reminders(booking.id)).toEqual([
      {
        actor: "system",
        data: await getBooking(booking.id),
        details: { starts_at: "2026-12-20T10:00:00.000Z" },
      },
    ]);
  });

  it("a move sends a job for the new start; the old one reminds nothing", async () => {
    clock.at = new Date("2026-12-10T09:00:00.000Z");
    const booking = await book("2026-12-21T10:00:00Z");
    expect(
      (await patchBooking(t.app, booking.id, { items: [item(resourceId, "2026-12-22T15:00:00Z")] }))
        .statusCode,
    ).toBe(200);
    // A change that keeps the first start sends none.
    expect((await patchBooking(t.app, booking.id, { notes: "same time" })).statusCode).toBe(200);
    expect(await jobsOf(booking.id)).toEqual([
      { starts_at: "2026-12-21T10:00:00.000Z", start_after: new Date("2026-12-20T10:00:00.000Z") },
      { starts_at: "2026-12-22T15:00:00.000Z", start_after: new Date("2026-12-21T15:00:00.000Z") },
    ]);
    clock.at = new Date("2026-12-21T16:00:00.000Z");
    const outcomes = (await runAll()).filter((outcome) => outcome.queue === bookingReminder.name);
    expect(outcomes.map((outcome) => outcome.state)).toContain("completed");
    expect((await reminders(booking.id)).map((event) => event.details)).toEqual([
      { starts_at: "2026-12-22T15:00:00.000Z" },
    ]);
    // The old start is no reminder any more, even called directly.
    expect(await t.deps.bookingReminders.remind(booking.id, new Date("2026-12-21T10:00:00Z"))).toBe(false);
  });

  it("a cancelled or completed booking is never reminded", async () => {
    clock.at = new Date("2026-12-10T09:00:00.000Z");
    const cancelled = await book("2026-12-23T10:00:00Z");
    const completed = await book("2026-12-23T12:00:00Z");
    await patchBooking(t.app, cancelled.id, { status: "cancelled" });
    await patchBooking(t.app, completed.id, { status: "completed" });
    clock.at = new Date("2026-12-22T12:00:00.000Z");
    await runAll();
    expect(await reminders(cancelled.id)).toEqual([]);
    expect(await reminders(completed.id)).toEqual([]);
  });

  it("a booking made within the reminder's lead time is reminded at once; one already started never", async () => {
    clock.at = new Date("2026-12-24T09:00:00.000Z");
    const soon = await book("2026-12-24T10:00:00Z");
    expect((await jobsOf(soon.id))[0]?.start_after.getTime()).toBeLessThanOrEqual(Date.now());
    await t.deps.jobs.runDue();
    expect(await reminders(soon.id)).toHaveLength(1);
    const past = await book("2026-12-24T12:00:00Z");
    clock.at = new Date("2026-12-24T12:00:00.000Z");
    await runAll();
    expect(await reminders(past.id)).toEqual([]);
  });
});

describe.skipIf(!onRealServer)("booking.reminder on two workers", () => {
  let second: RunningApp;
  beforeAll(async () => {
    second = await startTestApp(t.testDatabase.url, { clock: { now: () => clock.at } });
    await second.deps.jobs.start();
  });
  afterAll(async () => {
    await second?.close();
  });

  it("two instances running the due jobs at once, and 20 handler runs racing, record one reminder", async () => {
    clock.at = new Date("2026-12-10T09:00:00.000Z");
    const booking = await book("2026-12-28T10:00:00Z");
    const other = await book("2026-12-28T12:00:00Z");
    clock.at = new Date("2026-12-27T12:00:00.000Z");
    const start = new Date("2026-12-28T12:00:00Z");
    const runs = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? second : t).deps.bookingReminders.remind(other.id, start),
      ),
    );
    expect(runs.filter(Boolean)).toHaveLength(1);
    await Promise.all([runAll(), second.deps.jobs.runDue({ includeDelayed: true })]);
    expect(await reminders(booking.id)).toHaveLength(1);
    expect(await reminders(other.id)).toHaveLength(1);
  });

  it("a restart does not double it: a fresh instance running every job again records nothing", async () => {
    clock.at = new Date("2026-12-10T09:00:00.000Z");
    const booking = await book("2026-12-29T10:00:00Z");
    clock.at = new Date("2026-12-28T12:00:00.000Z");
    await runAll();
    expect(await reminders(booking.id)).toHaveLength(1);
    await second.close();
    // The restarted instance: a new process's services and job queue over the same database.
    second = await startTestApp(t.testDatabase.url, { clock: { now: () => clock.at } });
    await second.deps.jobs.start();
    await second.deps.jobs.runDue({ includeDelayed: true });
    await second.deps.bookingReminders.remind(booking.id, new Date("2026-12-29T10:00:00Z"));
    expect(await reminders(booking.id)).toHaveLength(1);
  });
});

async function getBooking(id: number): Promise<Booking> {
  const response = await t.app.inject({ method: "GET", url: `/bookings/${id}` });
  return response.json() as Booking;
}
