// The calendar feed routes' generators for the write-route properties: POST /calendar/feeds
// (label, resource_id) and DELETE /calendar/feeds/{id}. Near misses: blank, invisible or too long
// labels, archived and unknown resources, beside the hostile values every route gets.
import fc from "fast-check";
import { hasVisibleCharacter } from "../../src/http/visible-text.js";
import {
  EMPTY_JSON_BODY,
  hostileBody,
  hostileId,
  jsonBody,
  MAX_INT4,
  nearlyValidObject,
  type SentBody,
  validText,
} from "./arbitraries.js";
import type { Fixture, WriteRoute } from "./route-generators.js";

const feedKeys = ["label", "resource_id"] as const;

const feedFields = (fixture: Fixture) => ({
  label: fc.option(validText(200, true).filter(hasVisibleCharacter), { nil: null }),
  resource_id: fc.option(fc.constantFrom(...fixture.resourceIds), { nil: null }),
});
const validFeed = (fixture: Fixture) => fc.record(feedFields(fixture), { requiredKeys: [] });
const feedNearMiss = (fixture: Fixture) =>
  nearlyValidObject({
    label: fc.oneof(feedFields(fixture).label, fc.constantFrom("", "   ", "\u200b", "\t\n", "l".repeat(201))),
    resource_id: fc.oneof(
      feedFields(fixture).resource_id,
      fc.constantFrom(fixture.archivedResourceId, 424242, 0, -1, MAX_INT4 + 1, 1.5),
    ),
  });

const feedId = (fixture: Fixture) =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...fixture.calendarFeedIds).map(String) },
    { weight: 3, arbitrary: hostileId(fixture.calendarFeedIds) },
  );

export function calendarFeedRoutes(fixture: Fixture): WriteRoute[] {
  return [
    {
      name: "POST /calendar/feeds",
      method: "POST",
      shape: { body: "object", bodyKeys: feedKeys, params: [], queryKeys: [], headerKeys: [] },
      url: fc.constant("/calendar/feeds"),
      validUrl: fc.constant("/calendar/feeds"),
      body: hostileBody(feedKeys, feedNearMiss(fixture), validFeed(fixture)),
      validBody: validFeed(fixture).map(jsonBody),
    },
    {
      name: "DELETE /calendar/feeds/{id}",
      method: "DELETE",
      shape: { body: "none", bodyKeys: [], params: ["id"], queryKeys: [], headerKeys: [] },
      // A revoked feed's DELETE is a 204 too (the first time is kept), so every fixture feed stays valid.
      url: feedId(fixture).map((id) => `/calendar/feeds/${id}`),
      validUrl: fc.constantFrom(...fixture.calendarFeedIds).map((id) => `/calendar/feeds/${id}`),
      body: fc.oneof(
        { weight: 4, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: hostileBody([], fc.jsonValue(), fc.constant({})) },
      ),
      validBody: fc.constantFrom<SentBody | undefined>(undefined, EMPTY_JSON_BODY),
    },
  ];
}
