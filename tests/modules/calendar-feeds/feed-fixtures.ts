// The calendar feed tests' own helpers: feeds made through the API, and the .ics read back by an
// independent parser (ical.js), so the tests check what a phone would read, not our own writer.
import type { FastifyInstance } from "fastify";
import ICAL from "ical.js";
import { expect } from "vitest";

export type FeedCreated = {
  id: number;
  url: string;
  token: string;
  label: string | null;
  resource_id: number | null;
  created_at: string;
};

export async function createFeed(
  app: FastifyInstance,
  payload: object = {},
  headers: Record<string, string> = {},
): Promise<FeedCreated> {
  const response = await app.inject({ method: "POST", url: "/calendar/feeds", payload, headers });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as FeedCreated;
}

export function getIcs(app: FastifyInstance, query: string, headers: Record<string, string> = {}) {
  return app.inject({ method: "GET", url: `/calendar.ics${query}`, headers });
}

/** A VEVENT as a calendar app reads it. */
export type ParsedEvent = {
  uid: string;
  sequence: number;
  start: string;
  end: string;
  /** The time zone ical.js read DTSTART in: "UTC" for a ...Z time, "floating" for a local one. */
  zone: string;
  status: string | null;
  summary: string;
  location: string | null;
  description: string | null;
  stamp: string;
  lastModified: string | null;
};

export type ParsedCalendar = { name: string | null; method: string | null; events: ParsedEvent[] };

export function parseIcs(text: string): ParsedCalendar {
  const calendar = new ICAL.Component(ICAL.parse(text));
  const time = (component: ICAL.Component, name: string) => {
    const value = component.getFirstPropertyValue(name) as ICAL.Time | null;
    return value ? value.toJSDate().toISOString() : null;
  };
  const events = calendar.getAllSubcomponents("vevent").map((component) => {
    const event = new ICAL.Event(component);
    return {
      uid: event.uid,
      sequence: event.sequence,
      start: event.startDate.toJSDate().toISOString(),
      end: event.endDate.toJSDate().toISOString(),
      zone: event.startDate.zone?.tzid ?? "none",
      status: (component.getFirstPropertyValue("status") as string | null) ?? null,
      summary: event.summary,
      location: event.location ?? null,
      description: event.description ?? null,
      stamp: time(component, "dtstamp") ?? "",
      lastModified: time(component, "last-modified"),
    };
  });
  return {
    name: (calendar.getFirstPropertyValue("x-wr-calname") as string | null) ?? null,
    method: (calendar.getFirstPropertyValue("method") as string | null) ?? null,
    events,
  };
}
