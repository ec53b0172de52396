// The calendar views in TIMEZONE=Europe/Berlin across the DST changes of 2026 (last Sundays of
// March and October): days cut at local midnight (Mar 29 is 23 hours, Oct 25 is 25), opening
// hours read in local time on either side of a change, and a resource's free periods.
import { beforeAll, describe, expect, it } from "vitest";
import { useTestApp } from "../../helpers/test-app.js";
import { expectProblem, expectValidationError } from "../../http/problem-assertions.js";
import {
  type Booking,
  createBooking,
  createLead,
  createResource,
  item,
  patchBooking,
  postBooking,
  type Resource,
} from "./booking-fixtures.js";

const t = useTestApp({ timeZone: "Europe/Berlin", clock: { now: () => new Date("2026-03-01T00:00:00Z") } });
const DAILY = Object.fromEntries(
  ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, ["10:00", "22:00"]]),
);

let always: Resource;
let hours: Resource;
let leadId: number;
beforeAll(async () => {
  await t.deps.jobs.start();
  always = await createResource(t.app, { name: "Always open" });
  hours = await createResource(t.app, { name: "Ten to ten", opening_hours: DAILY });
  leadId = (await createLead(t.app)).id;
});

const book = (resourceId: number, startsAt: string, minutes: number) =>
  createBooking(t.app, { lead_id: leadId, items: [item(resourceId, startsAt, minutes)] });
const calendar = async (q: string) => {
  const response = await t.app.inject({ method: "GET", url: `/calendar?${q}` });
  expect(response.statusCode, response.body).toBe(200);
  return (response.json() as { date: string; bookings: Booking[] }[]).map((day) => [
    day.date,
    day.bookings.map((booking) => booking.id),
  ]);
};
const availability = async (resourceId: number, q: string) => {
  const response = await t.app.inject({ method: "GET", url: `/resources/${resourceId}/availability?${q}` });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as {
    resource_id: number;
    date: string;
    free: { starts_at: string; ends_at: string }[];
  };
};

describe("GET /calendar in Europe/Berlin", () => {
  it("cuts the last Sunday of March at local midnight: 23:00Z to 22:00Z, 23 hours", async () => {
    const acrossMidnight = await book(always.id, "2026-03-28T22:30:00Z", 60); // Sat 23:30 CET to Sun 00:30
    const beside = await createResource(t.app);
    const sundayMidnight = await book(beside.id, "2026-03-28T23:00:00Z", 30); // Sun 00:00 CET
    const lateSunday = await book(always.id, "2026-03-29T21:30:00Z", 30); // Sun 23:30 CEST, ends at midnight
    const monday = await book(always.id, "2026-03-29T22:00:00Z", 30); // Mon 00:00 CEST: a 24-hour day would take it
    expect(await calendar("from=2026-03-28&to=2026-03-30")).toEqual([
      ["2026-03-28", [acrossMidnight.id]],
      ["2026-03-29", [acrossMidnight.id, sundayMidnight.id, lateSunday.id]],
      ["2026-03-30", [monday.id]],
    ]);
  });

  it("cuts the last Sunday of October at local midnight: 22:00Z to 23:00Z, 25 hours", async () => {
    const sundayMidnight = await book(always.id, "2026-10-24T22:00:00Z", 30); // Sun 00:00 CEST
    const firstTwoThirty = await book(always.id, "2026-10-25T00:30:00Z", 30); // 02:30 CEST
    const secondTwoThirty = await book(always.id, "2026-10-25T01:30:00Z", 30); // 02:30 CET, the hour again
    const lateSunday = await book(always.id, "2026-10-25T22:30:00Z", 30); // Sun 23:30 CET: a 24-hour day would lose it
    const monday = await book(always.id, "2026-10-25T23:00:00Z", 30); // Mon 00:00 CET
    expect(await calendar("from=2026-10-24&to=2026-10-26")).toEqual([
      ["2026-10-24", []],
      ["2026-10-25", [sundayMidnight.id, firstTwoThirty.id, secondTwoThirty.id, lateSunday.id]],
      ["2026-10-26", [monday.id]],
    ]);
  });

  it("leaves cancelled bookings out, filters by resource, and shows every day, empty ones too", async () => {
    const kept = await book(hours.id, "2026-04-10T08:00:00Z", 60);
    const cancelled = await book(hours.id, "2026-04-10T10:00:00Z", 60);
    const other = await book(always.id, "2026-04-10T10:00:00Z", 60);
    expect((await patchBooking(t.app, cancelled.id, { status: "cancelled" })).statusCode).toBe(200);
    expect(await calendar(`from=2026-04-09&to=2026-04-11&resource_id=${hours.id}`)).toEqual([
      ["2026-04-09", []],
      ["2026-04-10", [kept.id]],
      ["2026-04-11", []],
    ]);
    expect(await calendar("from=2026-04-10&to=2026-04-10")).toEqual([["2026-04-10", [kept.id, other.id]]]);
  });

  it("refuses to before from, more than 366 days and dates that do not exist, naming the field", async () => {
    const get = (q: string) => t.app.inject({ method: "GET", url: `/calendar?${q}` });
    expectValidationError(await get("from=2026-04-10&to=2026-04-09"), "to");
    expectValidationError(await get("from=2026-01-01&to=2027-01-02"), "to");
    expect((await get("from=2026-01-01&to=2027-01-01")).statusCode).toBe(200);
    expectValidationError(await get("from=2026-02-30&to=2026-03-01"), "from");
    expectValidationError(await get("from=2026-03-01T00:00:00Z&to=2026-03-02"), "from");
    expectValidationError(await get("to=2026-03-02"), "from");
  });
});

describe("opening hours in Europe/Berlin across the change", () => {
  it("reads 10:00 to 22:00 as local time on either side of the last Sunday of March", async () => {
    // Saturday 21:30 CET (20:30Z) is open; Sunday 22:30 CEST (20:30Z) is not.
    await book(hours.id, "2026-03-28T20:30:00Z", 30);
    const problem = expectProblem(
      await postBooking(t.app, { lead_id: leadId, items: [item(hours.id, "2026-03-29T20:30:00Z", 30)] }),
      422,
      "outside_opening_hours",
    );
    expect(problem.errors).toEqual([
      { path: "items.0.starts_at", message: "is not within the resource's opening hours (Europe/Berlin)" },
    ]);
    // Sunday 10:00 CEST is 08:00Z.
    await book(hours.id, "2026-03-29T08:00:00Z", 60);
  });
});

describe("GET /resources/{id}/availability", () => {
  it("lists the free periods within the date's opening hours, each at least the duration", async () => {
    const resource = await createResource(t.app, { opening_hours: DAILY });
    await book(resource.id, "2026-03-29T08:00:00Z", 60); // 10:00-11:00 CEST
    await book(resource.id, "2026-03-29T10:00:00Z", 60); // 12:00-13:00 CEST
    const freed = await book(resource.id, "2026-03-29T15:00:00Z", 60);
    expect((await patchBooking(t.app, freed.id, { status: "cancelled" })).statusCode).toBe(200);
    expect(await availability(resource.id, "date=2026-03-29&duration_minutes=60")).toEqual({
      resource_id: resource.id,
      date: "2026-03-29",
      free: [
        { starts_at: "2026-03-29T09:00:00.000Z", ends_at: "2026-03-29T10:00:00.000Z" },
        { starts_at: "2026-03-29T11:00:00.000Z", ends_at: "2026-03-29T20:00:00.000Z" },
      ],
    });
    expect((await availability(resource.id, "date=2026-03-29&duration_minutes=90")).free).toEqual([
      { starts_at: "2026-03-29T11:00:00.000Z", ends_at: "2026-03-29T20:00:00.000Z" },
    ]);
    // The Saturday before, in winter time: 10:00 CET is 09:00Z.
    expect((await availability(resource.id, "date=2026-03-28&duration_minutes=30")).free).toEqual([
      { starts_at: "2026-03-28T09:00:00.000Z", ends_at: "2026-03-28T21:00:00.000Z" },
    ]);
  });

  it("an always open resource is free the whole local day: 23 hours on the last Sunday of March", async () => {
    const resource = await createResource(t.app);
    expect((await availability(resource.id, "date=2026-03-29&duration_minutes=1440")).free).toEqual([]);
    expect((await availability(resource.id, "date=2026-03-29&duration_minutes=1380")).free).toEqual([
      { starts_at: "2026-03-28T23:00:00.000Z", ends_at: "2026-03-29T22:00:00.000Z" },
    ]);
  });

  it("a closed day, an archived or an inactive resource have none; an unknown one is a 404; bad input a 400", async () => {
    const closedSundays = await createResource(t.app, { opening_hours: { mon: ["10:00", "22:00"] } });
    expect((await availability(closedSundays.id, "date=2026-03-29&duration_minutes=30")).free).toEqual([]);
    const inactive = await createResource(t.app, { is_active: false });
    expect((await availability(inactive.id, "date=2026-03-29&duration_minutes=30")).free).toEqual([]);
    const archived = await createResource(t.app);
    await t.app.inject({ method: "DELETE", url: `/resources/${archived.id}` });
    expect((await availability(archived.id, "date=2026-03-29&duration_minutes=30")).free).toEqual([]);
    const get = (q: string) =>
      t.app.inject({ method: "GET", url: `/resources/${always.id}/availability?${q}` });
    expectProblem(
      await t.app.inject({
        method: "GET",
        url: "/resources/424242/availability?date=2026-03-29&duration_minutes=30",
      }),
      404,
      "not_found",
    );
    expectValidationError(await get("date=2026-03-29&duration_minutes=4"), "duration_minutes");
    expectValidationError(await get("date=2026-03-29&duration_minutes=1441"), "duration_minutes");
    expectValidationError(await get("date=29.03.2026&duration_minutes=30"), "date");
  });
});
