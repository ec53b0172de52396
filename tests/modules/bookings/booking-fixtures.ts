// The bookings tests' own data, made through the API: resources, leads, bookings.
import type { FastifyInstance } from "fastify";
import { expect } from "vitest";
import { createAppeal, createSource, unique } from "../../helpers/factories.js";

export type Item = {
  id: number;
  resource_id: number;
  resource_name: string;
  starts_at: string;
  ends_at: string;
};
export type Booking = {
  id: number;
  lead_id: number;
  lead_name: string | null;
  items: Item[];
  players: number | null;
  kind: string | null;
  extras: string[];
  notes: string | null;
  status: "tentative" | "confirmed" | "cancelled" | "completed";
  created_by: string;
  created_at: string;
  updated_at: string;
};
export type Resource = { id: number; name: string; opening_hours: Record<string, [string, string]> | null };

export async function createResource(app: FastifyInstance, body: object = {}): Promise<Resource> {
  const response = await app.inject({
    method: "POST",
    url: "/resources",
    payload: { name: unique("resource"), ...body },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as Resource;
}

/** A lead, made by a bot's appeal: its id and external id. */
export async function createLead(
  app: FastifyInstance,
  name?: string,
): Promise<{ id: number; externalId: string }> {
  const source = await createSource(app);
  const externalId = unique("lead");
  const appeal = await createAppeal(app, {
    source_id: source.id,
    lead_external_id: externalId,
    ...(name && { lead_name: name }),
  });
  return { id: appeal.lead_id, externalId };
}

export function postBooking(app: FastifyInstance, payload: object) {
  return app.inject({ method: "POST", url: "/bookings", payload });
}

export async function createBooking(app: FastifyInstance, payload: object): Promise<Booking> {
  const response = await postBooking(app, payload);
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as Booking;
}

export function patchBooking(app: FastifyInstance, id: number, payload: object) {
  return app.inject({ method: "PATCH", url: `/bookings/${id}`, payload });
}

/** An item of `minutes` from `startsAt`. */
export const item = (resourceId: number, startsAt: string, minutes = 60) => ({
  resource_id: resourceId,
  starts_at: startsAt,
  duration_minutes: minutes,
});
