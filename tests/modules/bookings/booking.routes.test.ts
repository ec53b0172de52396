// Bookings in open mode (an admin's rights), on the test database: a game with a rest room after
// it booked at once, conflicts naming the booking they hit, back-to-back items, moves, cancels,
// the lists, the events, and the bad input of issue 14, each naming its field and writing nothing.
import { beforeAll, describe, expect, it } from "vitest";
import { query } from "../../helpers/sql.js";
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

const clock = { at: new Date("2026-12-03T10:00:00.000Z") };
const t = useTestApp({ clock: { now: () => clock.at } });

/** Open 10:00 to 22:00 every day (UTC, the default TIMEZONE). */
const DAILY = Object.fromEntries(
  ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, ["10:00", "22:00"]]),
);

let field: Resource;
let restRoom: Resource;
let lead: { id: number; externalId: string };

beforeAll(async () => {
  await t.deps.jobs.start();
  field = await createResource(t.app, { name: "Field A", kind: "field", opening_hours: DAILY });
  restRoom = await createResource(t.app, { name: "Rest room A", kind: "rest_room", opening_hours: DAILY });
  lead = await createLead(t.app, "Ivan Petrov");
});

/** Every row a refused request must leave as it was. */
const snapshot = async () =>
  (
    await query<{ bookings: string; items: string; events: number; jobs: number }>(
      t.testDatabase.url,
      `SELECT (SELECT coalesce(string_agg(b::text, '|' ORDER BY b.id), '') FROM bookings b) AS bookings,
              (SELECT coalesce(string_agg(i::text, '|' ORDER BY i.id), '') FROM booking_items i) AS items,
              (SELECT count(*)::int FROM events) AS events,
              (SELECT count(*)::int FROM pgboss.job WHERE name = 'bookings.reminder') AS jobs`,
    )
  )[0];
const get = async (id: number): Promise<Booking> => {
  const response = await t.app.inject({ method: "GET", url: `/bookings/${id}` });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as Booking;
};
const eventsOf = (id: number) =>
  query<{ type: string; actor: string; data: Booking; details: Record<string, unknown> }>(
    t.testDatabase.url,
    "SELECT type, actor, data, details FROM events WHERE entity_type = 'booking' AND entity_id = $1 ORDER BY id",
    [id],
  );
const sequences = async (bookingId: number) =>
  query<{ id: number; sequence: number; status: string; removed: boolean }>(
    t.testDatabase.url,
    "SELECT id, sequence, status::text, removed_at IS NOT NULL AS removed FROM booking_items WHERE booking_id = $1 ORDER BY id",
    [bookingId],
  );

describe("POST /bookings", () => {
  it("books a game and the rest room after it at once, answers it as GET does and records booking.created", async () => {
    clock.at = new Date("2026-12-03T10:00:00.000Z");
    const booking = await createBooking(t.app, {
      lead_id: lead.id,
      items: [item(field.id, "2026-12-10T15:00:00+03:00", 90), item(restRoom.id, "2026-12-10T13:30:00Z", 60)],
      players: 12,
      kind: "birthday",
      extras: ["cake", "balloons"],
      notes: "Bring the big ball",
    });
    expect(booking).toEqual({
      id: expect.any(Number),
      lead_id: lead.id,
      lead_name: "Ivan Petrov",
      items: [
        {
          id: expect.any(Number),
          resource_id: field.id,
          resource_name: "Field A",
          starts_at: "2026-12-10T12:00:00.000Z",
          ends_at: "2026-12-10T13:30:00.000Z",
        },
        {
          id: expect.any(Number),
          resource_id: restRoom.id,
          resource_name: "Rest room A",
          starts_at: "2026-12-10T13:30:00.000Z",
          ends_at: "2026-12-10T14:30:00.000Z",
        },
      ],
      players: 12,
      kind: "birthday",
      extras: ["cake", "balloons"],
      notes: "Bring the big ball",
      status: "confirmed",
      created_by: "anonymous",
      created_at: "2026-12-03T10:00:00.000Z",
      updated_at: "2026-12-03T10:00:00.000Z",
    });
    expect(await get(booking.id)).toEqual(booking);
    expect(await eventsOf(booking.id)).toEqual([
      { type: "booking.created", actor: "anonymous", data: booking, details: {} },
    ]);
    expect((await sequences(booking.id)).map((row) => row.sequence)).toEqual([0, 0]);
  });

  it("finds the lead by lead_external_id, takes tentative, and defaults the rest", async () => {
    const booking = await createBooking(t.app, {
      lead_external_id: lead.externalId,
      items: [item(field.id, "2026-12-11T10:00:00Z", 5)],
      status: "tentative",
    });
    expect(booking).toMatchObject({
      lead_id: lead.id,
      status: "tentative",
      players: null,
      kind: null,
      extras: [],
      notes: null,
    });
    expect(booking.items.map((i) => i.ends_at)).toEqual(["2026-12-11T10:05:00.000Z"]);
  });

  it("books back-to-back items of one resource, in one booking and across bookings", async () => {
    const first = await createBooking(t.app, {
      lead_id: lead.id,
      items: [item(field.id, "2026-12-12T11:00:00Z"), item(field.id, "2026-12-12T12:00:00Z")],
    });
    const second = await createBooking(t.app, {
      lead_id: lead.id,
      items: [item(field.id, "2026-12-12T13:00:00Z")],
    });
    const before = await createBooking(t.app, {
      lead_id: lead.id,
      items: [item(field.id, "2026-12-12T10:00:00Z", 60)],
    });
    expect([first, second, before].map((b) => b.items.length)).toEqual([2, 1, 1]);
  });

  it("refuses an overlapping item with 409 booking_conflict naming the booking it hits, writing nothing", async () => {
    const taken = await createBooking(t.app, {
      lead_id: lead.id,
      items: [item(field.id, "2026-12-13T14:00:00Z", 120)],
    });
    const before = await snapshot();
    const problem = expectProblem(
      await postBooking(t.app, {
        lead_id: lead.id,
        items: [item(restRoom.id, "2026-12-13T12:00:00Z"), item(field.id, "2026-12-13T15:59:00Z", 30)],
      }),
      409,
      "booking_conflict",
    );
    expect(problem.errors).toEqual([{ path: "items.1", message: `overlaps booking ${taken.id}` }]);
    expect(problem.detail).toBe(`items.1 overlaps booking ${taken.id} on the same resource.`);
    expect(await snapshot()).toEqual(before);
  });

  it("takes a slot a cancelled booking freed", async () => {
    const cancelled = await createBooking(t.app, {
      lead_id: lead.id,
      items: [item(field.id, "2026-12-14T10:00:00Z")],
    });
    expect((await patchBooking(t.app, cancelled.id, { status: "cancelled" })).statusCode).toBe(200);
    const again = await createBooking(t.app, {
      lead_id: lead.id,
      items: [item(field.id, "2026-12-14T10:30:00Z")],
    });
    expect(again.items[0]?.starts_at).toBe("2026-12-14T10:30:00.000Z");
  });

  describe("bad input: a problem naming the field, nothing written", () => {
    const ok = () => item(field.id, "2026-12-20T10:00:00Z");
    it.each([
      [
        "starts_at without an offset",
        () => ({ items: [{ ...ok(), starts_at: "2026-12-20T10:00:00" }] }),
        "items.0.starts_at",
      ],
      [
        "starts_at off a whole minute",
        () => ({ items: [{ ...ok(), starts_at: "2026-12-20T10:00:30Z" }] }),
        "items.0.starts_at",
      ],
      [
        "a duration under 5",
        () => ({ items: [{ ...ok(), duration_minutes: 4 }] }),
        "items.0.duration_minutes",
      ],
      [
        "a duration over 1440",
        () => ({ items: [{ ...ok(), duration_minutes: 1441 }] }),
        "items.0.duration_minutes",
      ],
      [
        "a fractional duration",
        () => ({ items: [{ ...ok(), duration_minutes: 30.5 }] }),
        "items.0.duration_minutes",
      ],
      ["no items", () => ({ items: [] }), "items"],
      [
        "items overlapping each other on one resource",
        () => ({
          items: [ok(), item(restRoom.id, "2026-12-20T10:00:00Z"), item(field.id, "2026-12-20T10:59:00Z")],
        }),
        "items.2.starts_at",
      ],
      [
        "both lead_id and lead_external_id",
        () => ({ lead_external_id: "x", items: [ok()] }),
        "lead_external_id",
      ],
      ["an unknown field", () => ({ items: [ok()], price: 10 }), "price"],
    ])("%s: 400", async (_, body, path) => {
      const before = await snapshot();
      expectValidationError(await postBooking(t.app, { lead_id: lead.id, ...body() }), path);
      expect(await snapshot()).toEqual(before);
    });

    it("an archived resource is a 400 naming items.N.resource_id; an inactive one too", async () => {
      const archived = await createResource(t.app);
      expect((await t.app.inject({ method: "DELETE", url: `/resources/${archived.id}` })).statusCode).toBe(
        204,
      );
      const inactive = await createResource(t.app, { is_active: false });
      for (const resource of [archived, inactive]) {
        const before = await snapshot();
        expectValidationError(
          await postBooking(t.app, {
            lead_id: lead.id,
            items: [ok(), item(resource.id, "2026-12-20T12:00:00Z")],
          }),
          "items.1.resource_id",
        );
        expect(await snapshot()).toEqual(before);
      }
    });

    it("an unknown resource or lead is a 404 naming it", async () => {
      const before = await snapshot();
      const resource = expectProblem(
        await postBooking(t.app, { lead_id: lead.id, items: [item(424_242, "2026-12-20T12:00:00Z")] }),
        404,
        "not_found",
      );
      expect(resource.errors).toEqual([{ path: "items.0.resource_id", message: "not found" }]);
      const byId = expectProblem(
        await postBooking(t.app, { lead_id: 424_242, items: [ok()] }),
        404,
        "not_found",
      );
      expect(byId.errors).toEqual([{ path: "lead_id", message: "not found" }]);
      const byExternal = expectProblem(
        await postBooking(t.app, { lead_external_id: "nobody", items: [ok()] }),
        404,
        "not_found",
      );
      expect(byExternal.errors).toEqual([{ path: "lead_external_id", message: "not found" }]);
      expect(await snapshot()).toEqual(before);
    });

    it("an item outside opening hours is a 422 naming it", async () => {
      const before = await snapshot();
      for (const outside of [
        item(restRoom.id, "2026-12-20T09:59:00Z", 30),
        item(restRoom.id, "2026-12-20T21:31:00Z", 30),
      ]) {
        const problem = expectProblem(
          await postBooking(t.app, { lead_id: lead.id, items: [ok(), outside] }),
          422,
          "outside_opening_hours",
        );
        expect(problem.errors).toEqual([
          { path: "items.1.starts_at", message: "is not within the resource's opening hours (UTC)" },
        ]);
      }
      // Up to closing time exactly is inside.
      expect(await snapshot()).toEqual(before);
      await createBooking(t.app, { lead_id: lead.id, items: [item(field.id, "2026-12-20T21:30:00Z", 30)] });
    });
  });
});

describe("PATCH /bookings/{id}", () => {
  it("moves an item in place (same id, higher sequence) and records booking.updated with before and after", async () => {
    clock.at = new Date("2026-12-04T08:00:00.000Z");
    const booking = await createBooking(t.app, {
      lead_id: lead.id,
      items: [item(field.id, "2026-12-21T10:00:00Z"), item(restRoom.id, "2026-12-21T11:00:00Z")],
    });
    clock.at = new Date("2026-12-04T09:00:00.000Z");
    const response = await patchBooking(t.app, booking.id, {
      items: [item(field.id, "2026-12-21T16:00:00Z"), item(restRoom.id, "2026-12-21T17:00:00Z", 30)],
      notes: "moved to the evening",
    });
    expect(response.statusCode, response.body).toBe(200);
    const moved = response.json() as Booking;
    expect(moved.items).toEqual([
      {
        ...(booking.items[0] as object),
        starts_at: "2026-12-21T16:00:00.000Z",
        ends_at: "2026-12-21T17:00:00.000Z",
      },
      {
        ...(booking.items[1] as object),
        starts_at: "2026-12-21T17:00:00.000Z",
        ends_at: "2026-12-21T17:30:00.000Z",
      },
    ]);
    expect(moved).toMatchObject({ notes: "moved to the evening", updated_at: "2026-12-04T09:00:00.000Z" });
    expect(await get(booking.id)).toEqual(moved);
    expect((await sequences(booking.id)).map((row) => row.sequence)).toEqual([1, 1]);
    const [, updated] = await eventsOf(booking.id);
    expect(updated).toEqual({
      type: "booking.updated",
      actor: "anonymous",
      data: moved,
      details: {
        before: { items: booking.items, notes: null },
        after: { items: moved.items, notes: "moved to the evening" },
      },
    });
    // The slots it left are free again.
    await createBooking(t.app, { lead_id: lead.id, items: [item(field.id, "2026-12-21T10:00:00Z")] });
  });

  it("raises every item's sequence on a change of the booking alone", async () => {
    const booking = await createBooking(t.app, {
      lead_id: lead.id,
      items: [item(field.id, "2026-12-22T10:00:00Z"), item(restRoom.id, "2026-12-22T11:00:00Z")],
    });
    expect((await patchBooking(t.app, booking.id, { players: 4 })).statusCode).toBe(200);
    expect((await patchBooking(t.app, booking.id, { status: "tentative" })).statusCode).toBe(200);
    expect((await sequences(booking.id)).map((row) => [row.sequence, row.status])).toEqual([
      [2, "tentative"],
      [2, "tentative"],
    ]);
  });

  it("swaps two items of one resource in one move, keeps named ids, removes the items left over", async () => {
    const booking = await createBooking(t.app, {
      lead_id: lead.id,
      items: [
        item(field.id, "2026-12-23T10:00:00Z"),
        item(field.id, "2026-12-23T11:00:00Z"),
        item(restRoom.id, "2026-12-23T12:00:00Z"),
      ],
    });
    const [a, b, c] = booking.items as [Booking["items"][0], Booking["items"][0], Booking["items"][0]];
    const response = await patchBooking(t.app, booking.id, {
      items: [
        { id: b.id, ...item(field.id, "2026-12-23T10:00:00Z") },
        { id: a.id, ...item(field.id, "2026-12-23T11:00:00Z") },
      ],
    });
    expect(response.statusCode, response.body).toBe(200);
    expect((response.json() as Booking).items.map((i) => [i.id, i.starts_at])).toEqual([
      [b.id, "2026-12-23T10:00:00.000Z"],
      [a.id, "2026-12-23T11:00:00.000Z"],
    ]);
    expect(await sequences(booking.id)).toEqual([
      { id: a.id, sequence: 1, status: "confirmed", removed: false },
      { id: b.id, sequence: 1, status: "confirmed", removed: false },
      { id: c.id, sequence: 1, status: "cancelled", removed: true },
    ]);
    // The removed item's slot is free.
    await createBooking(t.app, { lead_id: lead.id, items: [item(restRoom.id, "2026-12-23T12:00:00Z")] });
  });

  it("a move onto another booking's item is a 409 naming it, and changes nothing", async () => {
    const other = await createBooking(t.app, {
      lead_id: lead.id,
      items: [item(field.id, "2026-12-24T18:00:00Z")],
    });
    const booking = await createBooking(t.app, {
      lead_id: lead.id,
      items: [item(field.id, "2026-12-24T10:00:00Z")],
    });
    const before = await snapshot();
    const problem = expectProblem(
      await patchBooking(t.app, booking.id, { items: [item(field.id, "2026-12-24T18:30:00Z")], notes: "x" }),
      409,
      "booking_conflict",
    );
    expect(problem.errors).toEqual([{ path: "items.0", message: `overlaps booking ${other.id}` }]);
    expect(await snapshot()).toEqual(before);
  });

  it("cancels: booking.cancelled, every item cancelled, the booking final", async () => {
    const booking = await createBooking(t.app, {
      lead_id: lead.id,
      items: [item(field.id, "2026-12-25T10:00:00Z"), item(restRoom.id, "2026-12-25T11:00:00Z")],
    });
    const response = await patchBooking(t.app, booking.id, { status: "cancelled" });
    expect(response.statusCode, response.body).toBe(200);
    const cancelled = response.json() as Booking;
    expect(cancelled).toMatchObject({ status: "cancelled", items: booking.items });
    expect((await eventsOf(booking.id)).map((e) => [e.type, e.details])).toEqual([
      ["booking.created", {}],
      ["booking.cancelled", { before: { status: "confirmed" }, after: { status: "cancelled" } }],
    ]);
    expect((await sequences(booking.id)).map((row) => [row.sequence, row.status])).toEqual([
      [1, "cancelled"],
      [1, "cancelled"],
    ]);
    const before = await snapshot();
    expectProblem(await patchBooking(t.app, booking.id, { notes: "again" }), 409, "booking_cancelled");
    expectProblem(await patchBooking(t.app, booking.id, { status: "confirmed" }), 409, "booking_cancelled");
    expect(await snapshot()).toEqual(before);
  });

  it("completes: final too", async () => {
    const booking = await createBooking(t.app, {
      lead_id: lead.id,
      items: [item(field.id, "2026-12-26T10:00:00Z")],
    });
    expect((await patchBooking(t.app, booking.id, { status: "completed" })).json()).toMatchObject({
      status: "completed",
    });
    expectProblem(await patchBooking(t.app, booking.id, { players: 2 }), 409, "booking_completed");
  });

  it("refuses bad changes naming the field, writing nothing", async () => {
    const booking = await createBooking(t.app, {
      lead_id: lead.id,
      items: [item(field.id, "2026-12-27T10:00:00Z")],
    });
    const other = await createBooking(t.app, {
      lead_id: lead.id,
      items: [item(field.id, "2026-12-27T12:00:00Z")],
    });
    const before = await snapshot();
    expectValidationError(await patchBooking(t.app, booking.id, {}), "(root)");
    expectValidationError(
      await patchBooking(t.app, booking.id, {
        items: [{ id: other.items[0]?.id, ...item(field.id, "2026-12-27T14:00:00Z") }],
      }),
      "items.0.id",
    );
    expectValidationError(
      await patchBooking(t.app, booking.id, {
        items: [item(field.id, "2026-12-27T14:00:00Z"), item(field.id, "2026-12-27T14:30:00Z")],
      }),
      "items.1.starts_at",
    );
    expectValidationError(
      await patchBooking(t.app, booking.id, { items: [item(field.id, "2026-12-27T14:00:00")] }),
      "items.0.starts_at",
    );
    expectProblem(
      await patchBooking(t.app, booking.id, { items: [item(field.id, "2026-12-27T23:00:00Z")] }),
      422,
      "outside_opening_hours",
    );
    expectProblem(await patchBooking(t.app, 424_242, { notes: "x" }), 404, "not_found");
    expect(await snapshot()).toEqual(before);
  });
});

describe("GET /bookings and GET /leads/{id}/bookings", () => {
  it("lists the bookings with an item in [from, to), by first start, filtered by resource, lead and status", async () => {
    const other = await createLead(t.app);
    const a = await createBooking(t.app, {
      lead_id: other.id,
      items: [item(restRoom.id, "2027-01-05T19:00:00Z", 180)],
    });
    const b = await createBooking(t.app, {
      lead_id: other.id,
      items: [item(field.id, "2027-01-05T12:00:00Z")],
      status: "tentative",
    });
    const c = await createBooking(t.app, {
      lead_id: lead.id,
      items: [item(field.id, "2027-01-05T10:00:00Z")],
    });
    const list = async (q: string) => {
      const response = await t.app.inject({ method: "GET", url: `/bookings?${q}` });
      expect(response.statusCode, response.body).toBe(200);
      return (response.json() as Booking[]).map((booking) => booking.id);
    };
    const day = "from=2027-01-05T00:00:00Z&to=2027-01-06T00:00:00Z";
    expect(await list(day)).toEqual([c.id, b.id, a.id]);
    expect(await list(`${day}&resource_id=${field.id}`)).toEqual([c.id, b.id]);
    expect(await list(`${day}&lead_id=${other.id}`)).toEqual([b.id, a.id]);
    expect(await list(`${day}&status=tentative`)).toEqual([b.id]);
    // Overlap, not containment: an item running into the period is in it; one ending at from is not.
    expect(await list("from=2027-01-05T21:59:00Z&to=2027-01-07T00:00:00Z")).toEqual([a.id]);
    expect(await list("from=2027-01-05T11:00:00Z&to=2027-01-05T12:00:00Z")).toEqual([]);

    const leads = await t.app.inject({ method: "GET", url: `/leads/${other.id}/bookings` });
    expect((leads.json() as Booking[]).map((booking) => booking.id)).toEqual([b.id, a.id]);
    expect((leads.json() as Booking[])[0]).toEqual(await get(b.id));
    expectProblem(await t.app.inject({ method: "GET", url: "/leads/424242/bookings" }), 404, "not_found");
    expectProblem(await t.app.inject({ method: "GET", url: "/bookings/424242" }), 404, "not_found");
  });

  it("refuses to before from and a period over 366 days, naming to", async () => {
    expectValidationError(
      await t.app.inject({
        method: "GET",
        url: "/bookings?from=2027-01-05T00:00:00Z&to=2027-01-04T23:59:59Z",
      }),
      "to",
    );
    expectValidationError(
      await t.app.inject({
        method: "GET",
        url: "/bookings?from=2027-01-01T00:00:00Z&to=2028-01-02T00:00:01Z",
      }),
      "to",
    );
    expect(
      (
        await t.app.inject({
          method: "GET",
          url: "/bookings?from=2027-01-01T00:00:00Z&to=2028-01-02T00:00:00Z",
        })
      ).statusCode,
    ).toBe(200);
    expectValidationError(
      await t.app.inject({ method: "GET", url: "/bookings?from=2027-01-01T00:00:00" }),
      "from",
      "to",
    );
  });
});

describe("DELETE /leads/{id} (erasure)", () => {
  it("keeps the lead's bookings and slots, blanks their notes and the log's copies of its name", async () => {
    const erased = await createLead(t.app, "Anna Sidorova");
    const booking = await createBooking(t.app, {
      lead_id: erased.id,
      items: [item(field.id, "2027-01-20T10:00:00Z")],
      notes: "Anna's phone: +7 916 000-00-00",
      kind: "birthday",
    });
    expect((await patchBooking(t.app, booking.id, { notes: "call Anna back" })).statusCode).toBe(200);
    expect((await t.app.inject({ method: "DELETE", url: `/leads/${erased.id}` })).statusCode).toBe(200);
    const after = await get(booking.id);
    expect(after).toEqual({ ...booking, lead_name: null, notes: null, updated_at: after.updated_at });
    const events = await eventsOf(booking.id);
    expect(
      events.map((event) => [event.type, event.data.lead_name, event.data.notes, event.details]),
    ).toEqual([
      ["booking.created", null, null, {}],
      ["booking.updated", null, null, {}],
    ]);
    expect(JSON.stringify(events)).not.toMatch(/Anna/);
    // The slot is still taken.
    expectProblem(
      await postBooking(t.app, { lead_id: lead.id, items: [item(field.id, "2027-01-20T10:30:00Z")] }),
      409,
      "booking_conflict",
    );
  });
});
