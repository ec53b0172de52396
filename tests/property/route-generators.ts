// The contract of the write routes and list routes as fast-check generators: for each
// route, hostile input (near misses, wrong types, junk) and valid input, plus the shape
// of the request that error paths are checked against.
import fc from "fast-check";
import { hasVisibleCharacter } from "../../src/http/visible-text.js";
import type { RequestShape } from "./answer-checks.js";
import {
  anyString,
  blankString,
  encodeLoose,
  hostileBody,
  jsonBody,
  MAX_INT4,
  nearlyValidObject,
  type SentBody,
  storableJsonObject,
  uniqueName,
  validEmail,
  validText,
  wrongValue,
} from "./arbitraries.js";
import {
  type BookingFixture,
  bookingListRoutes,
  bookingRouteNames,
  bookingWriteRoutes,
} from "./booking-generators.js";
import { botStateWriteRoutes } from "./bot-state-generators.js";
import { calendarFeedRoutes } from "./calendar-feed-generators.js";
import { lastPathId, noBodyOrEmptyJson, noBodyOrJunk, pathId, pathIdSparing } from "./route-parts.js";

/** The rows the generated requests aim at, created by the test through the API. */
export type Fixture = BookingFixture & {
  operatorIds: number[];
  sourceId: number;
  otherSourceName: string;
  appealIds: number[];
  leadIds: number[];
  /** Tasks the PATCHes aim at (appealIds[i] is leadIds[i]'s appeal). */
  taskIds: number[];
  /** Bot scripts the sources may name and the PATCHes aim at. */
  botScriptIds: number[];
  /** A script's name the near misses reuse (a 409). */
  otherBotScriptName: string;
  /** Operators and sources with nothing pending or active: the valid DELETEs archive these. */
  archivableOperatorIds: number[];
  archivableSourceIds: number[];
  /** An operator key (its Authorization header) and its operator, on no source: the role's own routes. */
  operatorAuthorization: string;
  selfOperatorId: number;
  /** Leads of their own for DELETE /leads/{id}, which erases them (their external ids too). */
  erasableLeadIds: number[];
  /** leadIds[i]'s external id. */
  leadExternalIds: string[];
  /** Materials the activities name: never archived (the DELETEs spare them). */
  materialIds: number[];
  /** Materials the valid DELETEs archive, and one archived from the start (a 409 for activities). */
  archivableMaterialIds: number[];
  archivedMaterialId: number;
  /** Segments the PATCHes aim at (never deleted), and ones the valid DELETEs delete. */
  segmentIds: number[];
  deletableSegmentIds: number[];
  /** A segment's name the near misses reuse (a 409). */
  otherSegmentName: string;
  /** Feeds the DELETEs revoke (again and again: a 204 each time). */
  calendarFeedIds: number[];
};

/** A unique idempotency key per valid request (the fast-check uuid alone repeats across runs). */
let keyCounter = 0;

const statusValue = fc.constantFrom("pending", "active", "closed");
const strategyValue = fc.constantFrom("weighted", "weighted_by_free_capacity");
const intString = (min: number, max: number) => fc.integer({ min, max }).map(String);

const noParams = { params: [], queryKeys: [], headerKeys: [] } as const;
const withId = { params: ["id"], queryKeys: [], headerKeys: [] } as const;

const operatorKeys = ["name", "is_active", "max_load"] as const;
const sourceKeys = ["name", "description", "strategy", "bot_script_id"] as const;
const botScriptKeys = ["name", "content"] as const;
const weightKeys = ["operator_id", "weight"] as const;
const transferKeys = ["operator_id", "force"] as const;
const appealKeys = [
  "lead_external_id",
  "source_id",
  "message",
  "lead_name",
  "lead_phone",
  "lead_email",
] as const;

const operatorFields = () => ({
  name: validText(200, true),
  is_active: fc.boolean(),
  max_load: fc.integer({ min: 0, max: 10_000 }),
});
const sourceFields = (fixture: Fixture) => ({
  name: uniqueName(),
  description: fc.option(validText(2000), { nil: null }),
  strategy: strategyValue,
  bot_script_id: fc.option(fc.constantFrom(...fixture.botScriptIds), { nil: null }),
});

/** Scripts: a name must show something; the content is kept as sent (up to 100000 characters). */
const botScriptFields = () => ({
  name: uniqueName().filter(hasVisibleCharacter),
  content: validText(100_000, true).filter(hasVisibleCharacter),
});
const validBotScript = () => fc.record(botScriptFields());
const validBotScriptPatch = () =>
  fc.record(botScriptFields(), { requiredKeys: [] }).filter((body) => Object.keys(body).length > 0);
/** Near misses: taken names (a 409), blank or over-long content, next to the hostile values. */
const botScriptNearMiss = (fixture: Fixture) =>
  nearlyValidObject({
    name: fc.oneof(
      uniqueName(),
      fc.constantFrom(
        fixture.otherBotScriptName,
        fixture.otherBotScriptName.toUpperCase(),
        ` ${fixture.otherBotScriptName} `,
        "\u200b",
      ),
    ),
    content: fc.oneof(
      validText(100_000, true),
      fc.constantFrom("", " \n\t", "\u200b\u200b", "c".repeat(100_001)),
    ),
  });
const appealFields = (fixture: Fixture) => ({
  // An id must show something: text of zero-width characters alone is refused.
  lead_external_id: fc.oneof(uniqueName(255), validText(255, true).filter(hasVisibleCharacter)),
  source_id: fc.constant(fixture.sourceId),
  message: validText(10_000),
  lead_name: validText(200),
  lead_phone: validText(50),
  lead_email: fc.oneof(fc.constant(""), validEmail),
});

const messageKeys = ["text", "sender", "is_ai_generated", "external_id", "attachments"] as const;
const attachmentValue = fc.oneof(
  fc.record(
    {
      kind: fc.constantFrom("photo", "video", "document", "link"),
      url: fc.webUrl({ validSchemes: ["http", "https"] }),
      name: validText(255),
    },
    { requiredKeys: ["kind", "url"] },
  ),
  fc.record(
    {
      kind: fc.constantFrom("photo", "video", "document", "link"),
      telegram_file_id: validText(255, true),
      name: validText(255),
    },
    { requiredKeys: ["kind", "telegram_file_id"] },
  ),
);
/** Operator messages need the appeal's operator (409 no_operator on a pending one): lead and bot only. */
const messageFields = () => ({
  text: validText(10_000).filter((text) => text.length > 0),
  sender: fc.constantFrom("lead", "bot"),
  is_ai_generated: fc.boolean(),
  // Unique, so a valid message is always a 201 (a repeat would be a 200).
  external_id: uniqueName(255),
  attachments: fc.array(attachmentValue, { maxLength: 3 }),
});
const validMessage = () => fc.record(messageFields(), { requiredKeys: ["text", "sender"] });
/** References near misses: none (neither url nor file id), other schemes, unknown kinds. */
const messageNearMissMedia = fc.array(
  fc.oneof(
    attachmentValue,
    nearlyValidObject({
      kind: fc.constantFrom("photo", "audio"),
      url: fc.oneof(fc.webUrl(), fc.constantFrom("ftp://example.com/a", "javascript:alert(1)", "not a url")),
      telegram_file_id: validText(255),
    }),
  ),
  { maxLength: 3 },
);
/** Near misses: wrong attachments (no reference, other schemes, unknown kinds), operator senders, existing ids. */
const messageNearMiss = () =>
  nearlyValidObject({
    ...messageFields(),
    sender: fc.constantFrom("lead", "bot", "operator", "customer", ""),
    external_id: fc.oneof(uniqueName(255), fc.constantFrom("repeat-1", "", "e".repeat(256))),
    attachments: messageNearMissMedia,
  });

const leadMessageKeys = [
  "source_id",
  "text",
  "sender",
  "is_ai_generated",
  "external_id",
  "lead_name",
  "lead_phone",
  "lead_email",
] as const;
/** Leads whose conversations the valid messages pile onto, next to new leads. */
const STICKY_LEADS = ["sticky-lead-1", "sticky lead 2", "стики-3"];
/** A lead external id as POST /appeals takes it, one that a URL path carries as itself (not "." or ".."). */
const pathExternalId = fc
  .oneof(uniqueName(255), validText(255, true).filter(hasVisibleCharacter))
  .filter((id) => !/^\s*\.{1,2}\s*$/.test(id));
const leadMessageFields = (fixture: Fixture) => ({
  source_id: fc.constant(fixture.sourceId),
  text: validText(10_000).filter((text) => text.length > 0),
  sender: fc.constantFrom("lead", "bot"),
  is_ai_generated: fc.boolean(),
  // Unique, so a valid message is always a 201 (a repeat would be a 200).
  external_id: uniqueName(255),
  lead_name: validText(200),
  lead_phone: validText(50),
  lead_email: fc.oneof(fc.constant(""), validEmail),
});
const validLeadMessage = (fixture: Fixture) =>
  fc.record(leadMessageFields(fixture), { requiredKeys: ["source_id", "text"] });
/** Near misses: unknown sources, operator and unknown senders, repeated, empty and over-long external ids. */
const leadMessageNearMiss = (fixture: Fixture) =>
  nearlyValidObject({
    ...leadMessageFields(fixture),
    source_id: fc.oneof(fc.constant(fixture.sourceId), fc.integer({ min: 1, max: MAX_INT4 })),
    sender: fc.constantFrom("lead", "bot", "operator", "customer", ""),
    external_id: fc.oneof(uniqueName(255), fc.constantFrom("repeat-1", "", "e".repeat(256))),
  });
/** The path's external id: known and new leads, blank, invisible, over-long, NUL, broken escapes, junk. */
const hostileLeadPath = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...STICKY_LEADS).map(encodeURIComponent) },
  { weight: 2, arbitrary: pathExternalId.map(encodeLoose) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "%20",
      "%09",
      "%00",
      "a%00b",
      "%E2%80%8B",
      "%C2%A0",
      "l".repeat(256),
      "%D1%84".repeat(256),
      "x".repeat(1025),
      "%",
      "%zz",
      "%ED%A0%80",
      "%2F",
      "%2E%2E",
      "..",
    ),
  },
  { weight: 2, arbitrary: anyString(20).map(encodeLoose) },
);

const taskStatusValue = fc.constantFrom("open", "done", "cancelled");
const dueAtValue = fc.constantFrom(
  "2026-11-21T10:00:00.000Z",
  "2026-12-31T23:59:59+03:00",
  "2099-01-01T00:00:00Z",
);
const taskKeys = [
  "title",
  "description",
  "lead_id",
  "lead_external_id",
  "appeal_id",
  "operator_id",
  "due_at",
] as const;
const taskPatchKeys = ["title", "description", "status", "operator_id", "due_at"] as const;
const taskTitle = validText(500, true).filter(hasVisibleCharacter);
/** The fixture's live operators only: the DELETEs archive the archivable ones later. */
const taskOperator = (fixture: Fixture) => fc.constantFrom(...fixture.operatorIds);
const validTask = (fixture: Fixture) =>
  fc
    .tuple(
      fc.record(
        {
          title: taskTitle,
          description: validText(10_000),
          operator_id: taskOperator(fixture),
          due_at: dueAtValue,
        },
        { requiredKeys: ["title"] },
      ),
      // A lead, its appeal, both (they must match) or neither.
      fc.option(fc.nat({ max: fixture.appealIds.length - 1 })),
      fc.constantFrom("lead", "appeal", "both"),
    )
    .map(([body, index, refs]) => {
      if (index === null) return body;
      const leadId = fixture.leadIds[index];
      const appealId = fixture.appealIds[index];
      return {
        ...body,
        ...(refs !== "appeal" && { lead_id: leadId }),
        ...(refs !== "lead" && { appeal_id: appealId }),
      };
    });
const taskPatchFields = (fixture: Fixture) => ({
  title: taskTitle,
  description: fc.option(validText(10_000), { nil: null }),
  status: taskStatusValue,
  operator_id: fc.option(taskOperator(fixture), { nil: null }),
  due_at: fc.option(dueAtValue, { nil: null }),
});
const leadPatchKeys = [
  "name",
  "first_name",
  "last_name",
  "middle_name",
  "phone",
  "second_phone",
  "email",
  "company",
  "position",
  "heard_from",
  "notes",
  "tags",
  "blocked_at",
] as const;
/** Valid phones in the formats people type them (DEFAULT_PHONE_REGION RU without a +). */
const phoneValue = fc.constantFrom("8 (916) 123-45-67", "+7 916 765 43 21", "9161234567", "+44 20 7946 0958");
const leadPatchFields = () => ({
  name: fc.option(validText(200), { nil: null }),
  first_name: fc.option(validText(100), { nil: null }),
  last_name: fc.option(validText(100), { nil: null }),
  middle_name: fc.option(validText(100), { nil: null }),
  phone: fc.option(phoneValue, { nil: null }),
  second_phone: fc.option(phoneValue, { nil: null }),
  email: fc.option(fc.constantFrom("ivan@example.com", "a.b+c@mail.ru"), { nil: null }),
  company: fc.option(validText(200), { nil: null }),
  position: fc.option(validText(200), { nil: null }),
  heard_from: fc.option(validText(200), { nil: null }),
  notes: fc.option(validText(10_000), { nil: null }),
  tags: fc.array(
    validText(50, true).filter((tag) => tag.trim().length <= 50 && hasVisibleCharacter(tag)),
    { maxLength: 5 },
  ),
  blocked_at: fc.option(dueAtValue, { nil: null }),
});
const validLeadPatch = () =>
  fc.record(leadPatchFields(), { requiredKeys: [] }).filter((body) => Object.keys(body).length > 0);
const consentKeys = ["text_version"] as const;
const consentFields = () => ({
  text_version: validText(50, true).filter((v) => v.trim().length <= 50 && hasVisibleCharacter(v)),
});
const validConsent = () => fc.record(consentFields());
const validTaskPatch = (fixture: Fixture) =>
  fc.record(taskPatchFields(fixture), { requiredKeys: [] }).filter((body) => Object.keys(body).length > 0);
const anyId = (ids: () => readonly number[]) =>
  fc.oneof(fc.constantFrom(...ids()), fc.integer({ min: 1, max: MAX_INT4 }));
const taskNearMiss = (fixture: Fixture) =>
  nearlyValidObject({
    title: taskTitle,
    description: validText(10_000),
    lead_id: anyId(() => fixture.leadIds),
    lead_external_id: uniqueName(255),
    appeal_id: anyId(() => fixture.appealIds),
    operator_id: anyId(() => fixture.operatorIds),
    due_at: dueAtValue,
  });

const materialKeys = ["title", "category", "body", "media", "published"] as const;
const visibleText = (maxLength: number) =>
  validText(maxLength, true).filter((text) => hasVisibleCharacter(text));
const materialFields = () => ({
  title: visibleText(500),
  category: visibleText(100),
  body: validText(10_000),
  media: fc.array(attachmentValue, { maxLength: 3 }),
  published: fc.boolean(),
});
const validMaterial = () => fc.record(materialFields(), { requiredKeys: ["title", "category"] });
const validMaterialPatch = () =>
  fc
    .record({ ...materialFields(), body: fc.option(validText(10_000), { nil: null }) }, { requiredKeys: [] })
    .filter((body) => Object.keys(body).length > 0);
/** Near misses: the media of messages' near misses, nulls, blank and over-long text. */
const materialNearMiss = () =>
  nearlyValidObject({
    ...materialFields(),
    body: fc.option(validText(10_000), { nil: null }),
    media: messageNearMissMedia,
  });

const segmentKeys = ["name", "description", "filter"] as const;
const isoTime = fc
  .date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T00:00:00Z"), noInvalidDate: true })
  .map((date) => date.toISOString());
/** Conditions of a filter segment, any of them; the bounds of a period in order (from before to). */
const segmentConditions = (fixture: Fixture) =>
  fc
    .record(
      {
        source_ids: fc.array(
          anyId(() => [fixture.sourceId]),
          { minLength: 1, maxLength: 3 },
        ),
        tags_any: fc.array(visibleText(50), { minLength: 1, maxLength: 3 }),
        tags_all: fc.array(visibleText(50), { minLength: 1, maxLength: 3 }),
        appeal_status: statusValue,
        created_from: fc.constant("2000-01-01T00:00:00.000Z"),
        created_to: isoTime,
        last_appeal_from: fc.constant("2000-01-01T00:00:00.000Z"),
        last_appeal_to: isoTime,
        consent: fc.boolean(),
        blocked: fc.boolean(),
        activity: fc.record(
          {
            type: visibleText(100),
            material_id: anyId(() => fixture.materialIds),
            since: isoTime,
            present: fc.boolean(),
          },
          { requiredKeys: ["type", "present"] },
        ),
      },
      { requiredKeys: [] },
    )
    .map((filter) => filter as Record<string, unknown>);
const segmentFilter = (fixture: Fixture) =>
  fc.oneof(
    segmentConditions(fixture),
    fc.record({ lead_ids: fc.array(fc.constantFrom(...fixture.leadIds), { minLength: 1, maxLength: 5 }) }),
  );
const segmentFields = (fixture: Fixture) => ({
  name: uniqueName().filter(hasVisibleCharacter),
  description: validText(2000),
  filter: segmentFilter(fixture),
});
const validSegment = (fixture: Fixture) =>
  fc.record(segmentFields(fixture), { requiredKeys: ["name", "filter"] });
const validSegmentPatch = (fixture: Fixture) =>
  fc
    .record(
      { ...segmentFields(fixture), description: fc.option(validText(2000), { nil: null }) },
      { requiredKeys: [] },
    )
    .filter((body) => Object.keys(body).length > 0);
/** Near misses: taken names (a 409), unknown leads in a list, conditions beside a list, periods reversed. */
const segmentNearMiss = (fixture: Fixture) =>
  nearlyValidObject({
    name: fc.oneof(
      uniqueName(),
      fc.constantFrom(fixture.otherSegmentName, fixture.otherSegmentName.toUpperCase()),
    ),
    description: validText(2001),
    filter: fc.oneof(
      segmentFilter(fixture),
      fc.record({
        lead_ids: fc.array(
          anyId(() => fixture.leadIds),
          { minLength: 0, maxLength: 3 },
        ),
      }),
      fc.record({ lead_ids: fc.constant(fixture.leadIds), consent: fc.boolean() }),
      fc.record({ created_from: fc.constant("2099-12-31T00:00:00.000Z"), created_to: isoTime }),
      fc.record({ tags_any: fc.array(visibleText(50), { maxLength: 51 }) }),
    ),
  });

const activityKeys = [
  "lead_id",
  "lead_external_id",
  "type",
  "material_id",
  "data",
  "occurred_at",
  "external_id",
] as const;
const activityType = fc.oneof(
  fc.constantFrom("material_viewed", "button_clicked", "profile_completed"),
  visibleText(100),
);
const occurredAtValue = fc.constantFrom(
  "2026-11-21T10:00:00.000Z",
  "2026-12-01T23:59:59+03:00",
  "2020-02-29T12:00:00.5-05:00",
);
const validActivity = (fixture: Fixture) =>
  fc
    .tuple(
      fc.record(
        {
          type: activityType,
          material_id: fc.constantFrom(...fixture.materialIds),
          data: storableJsonObject(16 * 1024),
          occurred_at: occurredAtValue,
          // Unique, so a valid activity is always a 201 (a repeat would be a 200).
          external_id: uniqueName(255),
        },
        { requiredKeys: ["type"] },
      ),
      fc.nat({ max: fixture.leadIds.length - 1 }),
      fc.boolean(),
    )
    .map(([body, index, byExternalId]) => ({
      ...body,
      // A view names its material.
      ...(body.type.trim() === "material_viewed" && { material_id: fixture.materialIds[0] }),
      ...(byExternalId
        ? { lead_external_id: fixture.leadExternalIds[index] }
        : { lead_id: fixture.leadIds[index] }),
    }));
const activityNearMiss = (fixture: Fixture) =>
  nearlyValidObject({
    lead_id: anyId(() => fixture.leadIds),
    lead_external_id: fc.oneof(fc.constantFrom(...fixture.leadExternalIds), uniqueName(255)),
    type: fc.oneof(activityType, blankString, fc.constant("t".repeat(101))),
    material_id: anyId(() => [...fixture.materialIds, fixture.archivedMaterialId]),
    data: fc.oneof(
      storableJsonObject(16 * 1024),
      fc.constant({ text: "x".repeat(16 * 1024) }),
      fc.constant({ a: [{ "b.c": "nul\u0000" }] }),
      fc.jsonValue({ maxDepth: 2 }),
    ),
    occurred_at: fc.oneof(
      occurredAtValue,
      fc.constantFrom("2026-12-03T10:00:00", "2099-01-01T00:00:00Z", ""),
    ),
    external_id: fc.oneof(uniqueName(255), fc.constantFrom("repeat-1", "", "e".repeat(256))),
  });

const validOperator = () => fc.record(operatorFields(), { requiredKeys: ["name"] });
const validOperatorPatch = () =>
  fc.record(operatorFields(), { requiredKeys: [] }).filter((body) => Object.keys(body).length > 0);
const validSource = (fixture: Fixture) => fc.record(sourceFields(fixture), { requiredKeys: ["name"] });
const validSourcePatch = (fixture: Fixture) =>
  fc.record(sourceFields(fixture), { requiredKeys: [] }).filter((body) => Object.keys(body).length > 0);
const validWeights = (fixture: Fixture) =>
  fc.uniqueArray(
    fc.record({
      operator_id: fc.constantFrom(...fixture.operatorIds),
      weight: fc.integer({ min: 1, max: 100 }),
    }),
    { selector: (item) => item.operator_id, maxLength: fixture.operatorIds.length },
  );
const validAppeal = (fixture: Fixture) =>
  fc.record(appealFields(fixture), { requiredKeys: ["lead_external_id", "source_id"] });

/** Near misses of a source: existing names (a 409) next to the hostile values. */
const sourceNearMiss = (fixture: Fixture) =>
  nearlyValidObject({
    ...sourceFields(fixture),
    // Unknown scripts (a 404) next to the fixture's.
    bot_script_id: fc.option(
      anyId(() => fixture.botScriptIds),
      { nil: null },
    ),
    name: fc.oneof(
      uniqueName(),
      fc.constantFrom(
        fixture.otherSourceName,
        fixture.otherSourceName.toUpperCase(),
        ` ${fixture.otherSourceName} `,
      ),
    ),
  });

const weightsNearMiss = (fixture: Fixture) => {
  const operatorId = fc.oneof(fc.constantFrom(...fixture.operatorIds), fc.integer({ min: 1, max: MAX_INT4 }));
  const item = fc.oneof(
    {
      weight: 4,
      arbitrary: nearlyValidObject({ operator_id: operatorId, weight: fc.integer({ min: 1, max: 100 }) }),
    },
    { weight: 1, arbitrary: wrongValue },
  );
  return fc.oneof(
    { weight: 5, arbitrary: fc.array(item, { maxLength: 5 }) },
    // The same operator twice: a 400 on the second occurrence.
    {
      weight: 1,
      arbitrary: validWeights(fixture)
        .filter((w) => w.length > 0)
        .map((w) => [...w, w[0]]),
    },
    {
      weight: 1,
      arbitrary: fc.constant(Array.from({ length: 10_001 }, (_, i) => ({ operator_id: i + 1, weight: 1 }))),
    },
  );
};

const appealNearMiss = (fixture: Fixture) =>
  nearlyValidObject({
    ...appealFields(fixture),
    source_id: fc.oneof(fc.constant(fixture.sourceId), fc.integer({ min: 1, max: MAX_INT4 })),
  });

export type WriteRoute = {
  name: string;
  method: "POST" | "PUT" | "PATCH" | "DELETE";
  shape: RequestShape;
  url: fc.Arbitrary<string>;
  validUrl: fc.Arbitrary<string>;
  body: fc.Arbitrary<SentBody | undefined>;
  validBody: fc.Arbitrary<SentBody | undefined>;
  headers?: fc.Arbitrary<Record<string, string>>;
  validHeaders?: fc.Arbitrary<Record<string, string>>;
  /** Requests that make a valid request valid now (the weight it removes, the appeal it transfers reopened). */
  before?: (
    url: string,
    body: SentBody | undefined,
  ) => { method: "PUT" | "PATCH"; url: string; body?: SentBody }[];
};

/** Idempotency keys: reused ones (replays and mismatches), too long, empty, latin-1. */
const idempotencyKey = fc.oneof(
  fc.constantFrom("key-1", "key-2", "", " ", "k".repeat(255), "k".repeat(256)),
  fc.string({ unit: "grapheme-ascii", maxLength: 300 }),
  fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
  fc.uuid(),
);

const selfKeys = ["is_active"] as const;
const validSelfPatch = () => fc.record({ is_active: fc.boolean() });

/**
 * An operator key's headers: mostly its key; sometimes none, which in the property test's
 * AUTH=off is a caller without an operator (the 403 of a caller with no "me"), writing nothing.
 */
const operatorKeyOrNone = (fixture: Fixture) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constant({ authorization: fixture.operatorAuthorization }) },
    { weight: 1, arbitrary: fc.constant({}) },
  );

/** The generators of every write route, over the fixture's ids. */
export function writeRoutes(fixture: Fixture): WriteRoute[] {
  const operatorIds = () => fixture.operatorIds;
  const sourceIds = () => [fixture.sourceId];
  const appealIds = () => fixture.appealIds;
  const objectShape = (keys: readonly string[], ids: boolean): RequestShape => ({
    body: "object",
    bodyKeys: keys,
    ...(ids ? withId : noParams),
  });
  const weightsRoute = (method: "POST" | "PUT"): WriteRoute => ({
    name: `${method} /sources/{id}/weights`,
    method,
    shape: { body: "array", bodyKeys: weightKeys, ...withId },
    url: pathId(sourceIds).map((id) => `/sources/${id}/weights`),
    validUrl: fc.constant(`/sources/${fixture.sourceId}/weights`),
    body: hostileBody(weightKeys, weightsNearMiss(fixture), validWeights(fixture)),
    validBody: validWeights(fixture).map(jsonBody),
  });
  const appealsRoute: WriteRoute = {
    name: "POST /appeals",
    method: "POST",
    shape: objectShape(appealKeys, false),
    url: fc.constant("/appeals"),
    validUrl: fc.constant("/appeals"),
    body: hostileBody(appealKeys, appealNearMiss(fixture), validAppeal(fixture)),
    validBody: validAppeal(fixture).map(jsonBody),
  };
  const taskIds = () => fixture.taskIds;
  const materialIds = () => fixture.materialIds;
  return [
    ...bookingWriteRoutes(fixture),
    ...calendarFeedRoutes(fixture),
    {
      name: "POST /materials",
      method: "POST",
      shape: objectShape(materialKeys, false),
      url: fc.constant("/materials"),
      validUrl: fc.constant("/materials"),
      body: hostileBody(materialKeys, materialNearMiss(), validMaterial()),
      validBody: validMaterial().map(jsonBody),
    },
    {
      name: "PATCH /materials/{id}",
      method: "PATCH",
      shape: objectShape(materialKeys, true),
      url: pathId(() => [...materialIds(), fixture.archivedMaterialId]).map((id) => `/materials/${id}`),
      validUrl: fc.constantFrom(...fixture.materialIds).map((id) => `/materials/${id}`),
      body: hostileBody(materialKeys, materialNearMiss(), validMaterialPatch()),
      validBody: validMaterialPatch().map(jsonBody),
    },
    {
      name: "DELETE /materials/{id}",
      method: "DELETE",
      shape: { body: "none", bodyKeys: [], params: ["id"], queryKeys: [], headerKeys: [] },
      url: pathIdSparing(() => fixture.archivableMaterialIds, materialIds).map((id) => `/materials/${id}`),
      validUrl: fc.constantFrom(...fixture.archivableMaterialIds).map((id) => `/materials/${id}`),
      body: noBodyOrJunk,
      validBody: noBodyOrEmptyJson,
    },
    {
      name: "POST /segments",
      method: "POST",
      shape: objectShape(segmentKeys, false),
      url: fc.constant("/segments"),
      validUrl: fc.constant("/segments"),
      body: hostileBody(segmentKeys, segmentNearMiss(fixture), validSegment(fixture)),
      validBody: validSegment(fixture).map(jsonBody),
    },
    {
      name: "PATCH /segments/{id}",
      method: "PATCH",
      shape: objectShape(segmentKeys, true),
      url: pathId(() => fixture.segmentIds).map((id) => `/segments/${id}`),
      validUrl: fc.constantFrom(...fixture.segmentIds).map((id) => `/segments/${id}`),
      body: hostileBody(segmentKeys, segmentNearMiss(fixture), validSegmentPatch(fixture)),
      validBody: validSegmentPatch(fixture).map(jsonBody),
    },
    {
      name: "DELETE /segments/{id}",
      method: "DELETE",
      shape: { body: "none", bodyKeys: [], params: ["id"], queryKeys: [], headerKeys: [] },
      url: pathIdSparing(
        () => fixture.deletableSegmentIds,
        () => fixture.segmentIds,
      ).map((id) => `/segments/${id}`),
      validUrl: fc.constantFrom(...fixture.deletableSegmentIds).map((id) => `/segments/${id}`),
      body: noBodyOrJunk,
      validBody: noBodyOrEmptyJson,
    },
    {
      name: "POST /activities",
      method: "POST",
      shape: objectShape(activityKeys, false),
      url: fc.constant("/activities"),
      validUrl: fc.constant("/activities"),
      body: hostileBody(activityKeys, activityNearMiss(fixture), validActivity(fixture)),
      validBody: validActivity(fixture).map(jsonBody),
    },
    {
      name: "POST /tasks",
      method: "POST",
      shape: objectShape(taskKeys, false),
      url: fc.constant("/tasks"),
      validUrl: fc.constant("/tasks"),
      body: hostileBody(taskKeys, taskNearMiss(fixture), validTask(fixture)),
      validBody: validTask(fixture).map(jsonBody),
    },
    {
      name: "PATCH /tasks/{id}",
      method: "PATCH",
      shape: objectShape(taskPatchKeys, true),
      url: pathId(taskIds).map((id) => `/tasks/${id}`),
      validUrl: fc.constantFrom(...fixture.taskIds).map((id) => `/tasks/${id}`),
      body: hostileBody(
        taskPatchKeys,
        nearlyValidObject({ ...taskPatchFields(fixture), operator_id: anyId(() => fixture.operatorIds) }),
        validTaskPatch(fixture),
      ),
      validBody: validTaskPatch(fixture).map(jsonBody),
    },
    {
      name: "PATCH /leads/{id}",
      method: "PATCH",
      shape: objectShape(leadPatchKeys, true),
      url: pathId(() => fixture.leadIds).map((id) => `/leads/${id}`),
      validUrl: fc.constantFrom(...fixture.leadIds).map((id) => `/leads/${id}`),
      body: hostileBody(leadPatchKeys, nearlyValidObject(leadPatchFields()), validLeadPatch()),
      validBody: validLeadPatch().map(jsonBody),
    },
    {
      name: "PUT /leads/{id}/consent",
      method: "PUT",
      shape: objectShape(consentKeys, true),
      url: pathId(() => fixture.leadIds).map((id) => `/leads/${id}/consent`),
      validUrl: fc.constantFrom(...fixture.leadIds).map((id) => `/leads/${id}/consent`),
      body: hostileBody(consentKeys, nearlyValidObject(consentFields()), validConsent()),
      validBody: validConsent().map(jsonBody),
    },
    {
      name: "DELETE /leads/{id}",
      method: "DELETE",
      shape: { body: "none", bodyKeys: [], params: ["id"], queryKeys: [], headerKeys: [] },
      url: pathIdSparing(
        () => fixture.erasableLeadIds,
        () => fixture.leadIds,
      ).map((id) => `/leads/${id}`),
      validUrl: fc.constantFrom(...fixture.erasableLeadIds).map((id) => `/leads/${id}`),
      body: noBodyOrJunk,
      validBody: noBodyOrEmptyJson,
    },
    {
      name: "DELETE /leads/{id}/consent",
      method: "DELETE",
      shape: { body: "none", bodyKeys: [], params: ["id"], queryKeys: [], headerKeys: [] },
      url: pathId(() => fixture.leadIds).map((id) => `/leads/${id}/consent`),
      validUrl: fc.constantFrom(...fixture.leadIds).map((id) => `/leads/${id}/consent`),
      body: noBodyOrJunk,
      validBody: noBodyOrEmptyJson,
    },
    {
      name: "POST /operators",
      method: "POST",
      shape: objectShape(operatorKeys, false),
      url: fc.constantFrom("/operators", "/operators/"),
      validUrl: fc.constantFrom("/operators", "/operators/"),
      body: hostileBody(operatorKeys, nearlyValidObject(operatorFields()), validOperator()),
      validBody: validOperator().map(jsonBody),
    },
    {
      name: "PATCH /operators/{id}",
      method: "PATCH",
      shape: objectShape(operatorKeys, true),
      url: pathId(operatorIds).map((id) => `/operators/${id}`),
      validUrl: fc.constantFrom(...fixture.operatorIds).map((id) => `/operators/${id}`),
      body: hostileBody(operatorKeys, nearlyValidObject(operatorFields()), validOperatorPatch()),
      validBody: validOperatorPatch().map(jsonBody),
    },
    {
      name: "PATCH /operators/me",
      method: "PATCH",
      shape: objectShape(selfKeys, false),
      url: fc.constantFrom("/operators/me", "/operators/me/"),
      validUrl: fc.constantFrom("/operators/me", "/operators/me/"),
      // Its near misses carry the other operator fields too: is_active alone is accepted.
      body: hostileBody(selfKeys, nearlyValidObject(operatorFields()), validSelfPatch()),
      validBody: validSelfPatch().map(jsonBody),
      headers: operatorKeyOrNone(fixture),
      validHeaders: fc.constant({ authorization: fixture.operatorAuthorization }),
    },
    {
      name: "POST /sources",
      method: "POST",
      shape: objectShape(sourceKeys, false),
      url: fc.constant("/sources"),
      validUrl: fc.constant("/sources"),
      body: hostileBody(sourceKeys, sourceNearMiss(fixture), validSource(fixture)),
      validBody: validSource(fixture).map(jsonBody),
    },
    {
      name: "PATCH /sources/{id}",
      method: "PATCH",
      shape: objectShape(sourceKeys, true),
      url: pathId(sourceIds).map((id) => `/sources/${id}`),
      validUrl: fc.constant(`/sources/${fixture.sourceId}`),
      body: hostileBody(sourceKeys, sourceNearMiss(fixture), validSourcePatch(fixture)),
      validBody: validSourcePatch(fixture).map(jsonBody),
    },
    {
      name: "POST /bot-scripts",
      method: "POST",
      shape: objectShape(botScriptKeys, false),
      url: fc.constant("/bot-scripts"),
      validUrl: fc.constant("/bot-scripts"),
      body: hostileBody(botScriptKeys, botScriptNearMiss(fixture), validBotScript()),
      validBody: validBotScript().map(jsonBody),
    },
    {
      name: "PATCH /bot-scripts/{id}",
      method: "PATCH",
      shape: objectShape(botScriptKeys, true),
      url: pathId(() => fixture.botScriptIds).map((id) => `/bot-scripts/${id}`),
      validUrl: fc.constantFrom(...fixture.botScriptIds).map((id) => `/bot-scripts/${id}`),
      body: hostileBody(botScriptKeys, botScriptNearMiss(fixture), validBotScriptPatch()),
      validBody: validBotScriptPatch().map(jsonBody),
    },
    weightsRoute("POST"),
    weightsRoute("PUT"),
    appealsRoute,
    {
      ...appealsRoute,
      name: "POST /appeals with an Idempotency-Key",
      shape: { ...appealsRoute.shape, headerKeys: ["idempotency-key"] },
      headers: idempotencyKey.map((key) => ({ "idempotency-key": key })),
      validHeaders: fc.uuid().map((key) => {
        keyCounter += 1;
        return { "idempotency-key": `${process.pid}-${keyCounter}-${key}` };
      }),
    },
    {
      name: "PATCH /appeals/{id}/reopen",
      method: "PATCH",
      shape: { body: "none", bodyKeys: [], ...withId },
      url: pathId(appealIds).map((id) => `/appeals/${id}/reopen`),
      validUrl: fc.constantFrom(...fixture.appealIds).map((id) => `/appeals/${id}/reopen`),
      body: noBodyOrJunk,
      validBody: noBodyOrEmptyJson,
    },
    {
      name: "PATCH /appeals/{id}/assign",
      method: "PATCH",
      shape: objectShape(transferKeys, true),
      url: pathId(appealIds).map((id) => `/appeals/${id}/assign`),
      validUrl: fc.constantFrom(...fixture.appealIds).map((id) => `/appeals/${id}/assign`),
      body: hostileBody(
        transferKeys,
        nearlyValidObject({
          operator_id: fc.oneof(
            fc.constantFrom(...fixture.operatorIds),
            fc.integer({ min: 1, max: MAX_INT4 }),
          ),
          force: fc.boolean(),
        }),
        validTransfer(fixture),
      ),
      validBody: validTransfer(fixture).map(jsonBody),
      // The appeal open again (a close may have run), the operator able to take it (valid PATCHes
      // of operators and weights ran before).
      before: (url, body) => {
        const operatorId = (body?.value as { operator_id?: number } | undefined)?.operator_id;
        return [
          { method: "PATCH", url: url.replace(/assign$/, "reopen") },
          {
            method: "PATCH",
            url: `/operators/${operatorId}`,
            body: jsonBody({ is_active: true, max_load: 10_000 }),
          },
          {
            method: "PUT",
            url: `/sources/${fixture.sourceId}/weights/${operatorId}`,
            body: jsonBody({ weight: 1 }),
          },
        ];
      },
    },
    {
      // An operator key's transfer: force is a 403 and another operator's appeal a 404, neither
      // writing anything; its own appeal (made its own first, by an admin's force) moves.
      name: "PATCH /appeals/{id}/assign with an operator key",
      method: "PATCH",
      shape: objectShape(transferKeys, true),
      url: pathId(appealIds).map((id) => `/appeals/${id}/assign`),
      validUrl: fc.constantFrom(...fixture.appealIds).map((id) => `/appeals/${id}/assign`),
      body: hostileBody(
        transferKeys,
        nearlyValidObject({
          operator_id: fc.oneof(
            fc.constantFrom(...fixture.operatorIds, fixture.selfOperatorId),
            fc.integer({ min: 1, max: MAX_INT4 }),
          ),
          force: fc.boolean(),
        }),
        validTransfer(fixture),
      ),
      validBody: validOwnTransfer(fixture).map(jsonBody),
      headers: fc.constant({ authorization: fixture.operatorAuthorization }),
      validHeaders: fc.constant({ authorization: fixture.operatorAuthorization }),
      before: (url, body) => {
        const operatorId = (body?.value as { operator_id?: number } | undefined)?.operator_id;
        return [
          { method: "PATCH", url: url.replace(/assign$/, "reopen") },
          { method: "PATCH", url, body: jsonBody({ operator_id: fixture.selfOperatorId, force: true }) },
          {
            method: "PATCH",
            url: `/operators/${operatorId}`,
            body: jsonBody({ is_active: true, max_load: 10_000 }),
          },
          {
            method: "PUT",
            url: `/sources/${fixture.sourceId}/weights/${operatorId}`,
            body: jsonBody({ weight: 1 }),
          },
        ];
      },
    },
    {
      name: "POST /appeals/{id}/messages",
      method: "POST",
      shape: objectShape(messageKeys, true),
      url: pathId(appealIds).map((id) => `/appeals/${id}/messages`),
      validUrl: fc.constantFrom(...fixture.appealIds).map((id) => `/appeals/${id}/messages`),
      body: hostileBody(messageKeys, messageNearMiss(), validMessage()),
      validBody: validMessage().map(jsonBody),
      // The appeal open again: a valid close may have run.
      before: (url) => [{ method: "PATCH", url: url.replace(/messages$/, "reopen") }],
    },
    {
      name: "POST /leads/by-external-id/{external_id}/messages",
      method: "POST",
      shape: {
        body: "object",
        bodyKeys: leadMessageKeys,
        params: ["external_id"],
        queryKeys: [],
        headerKeys: [],
      },
      url: hostileLeadPath.map((id) => `/leads/by-external-id/${id}/messages`),
      validUrl: fc
        .oneof(fc.constantFrom(...STICKY_LEADS), pathExternalId)
        .map((id) => `/leads/by-external-id/${encodeURIComponent(id)}/messages`),
      body: hostileBody(leadMessageKeys, leadMessageNearMiss(fixture), validLeadMessage(fixture)),
      validBody: validLeadMessage(fixture).map(jsonBody),
    },
    {
      name: "PUT /sources/{id}/weights/{operator_id}",
      method: "PUT",
      shape: {
        body: "object",
        bodyKeys: ["weight"],
        params: ["id", "operator_id"],
        queryKeys: [],
        headerKeys: [],
      },
      url: fc
        .tuple(pathId(sourceIds), lastPathId(operatorIds))
        .map(([source, operator]) => `/sources/${source}/weights/${operator}`),
      validUrl: singleWeightUrl(fixture),
      body: hostileBody(
        ["weight"],
        nearlyValidObject({ weight: weightValue }),
        fc.record({ weight: weightValue }),
      ),
      validBody: fc.record({ weight: weightValue }).map(jsonBody),
    },
    {
      name: "DELETE /sources/{id}/weights/{operator_id}",
      method: "DELETE",
      shape: { body: "none", bodyKeys: [], params: ["id", "operator_id"], queryKeys: [], headerKeys: [] },
      url: fc
        .tuple(pathId(sourceIds), lastPathId(operatorIds))
        .map(([source, operator]) => `/sources/${source}/weights/${operator}`),
      validUrl: singleWeightUrl(fixture),
      body: noBodyOrJunk,
      validBody: noBodyOrEmptyJson,
      before: (url) => [{ method: "PUT", url, body: jsonBody({ weight: 1 }) }],
    },
    {
      name: "DELETE /operators/{id}",
      method: "DELETE",
      shape: { body: "none", bodyKeys: [], params: ["id"], queryKeys: ["reassign"], headerKeys: [] },
      url: fc
        .tuple(
          pathIdSparing(
            () => fixture.archivableOperatorIds,
            () => fixture.operatorIds,
          ),
          fc.constantFrom(
            "",
            "?reassign=false",
            "?reassign=true",
            "?reassign=yes",
            "?reassign=",
            "?force=true",
          ),
        )
        .map(([id, query]) => `/operators/${id}${query}`),
      validUrl: fc
        .tuple(
          fc.constantFrom(...fixture.archivableOperatorIds),
          fc.constantFrom("", "?reassign=true", "?reassign=false"),
        )
        .map(([id, query]) => `/operators/${id}${query}`),
      body: noBodyOrJunk,
      validBody: noBodyOrEmptyJson,
    },
    {
      name: "DELETE /sources/{id}",
      method: "DELETE",
      shape: { body: "none", bodyKeys: [], params: ["id"], queryKeys: [], headerKeys: [] },
      url: pathIdSparing(
        () => fixture.archivableSourceIds,
        () => [fixture.sourceId],
      ).map((id) => `/sources/${id}`),
      validUrl: fc.constantFrom(...fixture.archivableSourceIds).map((id) => `/sources/${id}`),
      body: noBodyOrJunk,
      validBody: noBodyOrEmptyJson,
    },
    {
      name: "PATCH /appeals/{id}/close",
      method: "PATCH",
      shape: { body: "none", bodyKeys: [], ...withId },
      url: pathId(appealIds).map((id) => `/appeals/${id}/close`),
      validUrl: fc.constantFrom(...fixture.appealIds).map((id) => `/appeals/${id}/close`),
      body: fc.oneof(
        { weight: 4, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: hostileBody([], fc.jsonValue(), fc.constant({})) },
      ),
      validBody: noBodyOrEmptyJson,
    },
    ...botStateWriteRoutes(fixture),
  ];
}

const weightValue = fc.integer({ min: 1, max: 100 });

const validTransfer = (fixture: Fixture) =>
  fc.record(
    { operator_id: fc.constantFrom(...fixture.operatorIds.slice(0, 2)), force: fc.boolean() },
    { requiredKeys: ["operator_id"] },
  );

/** An operator key's valid transfer: to an operator of the source, without force (or force: false). */
const validOwnTransfer = (fixture: Fixture) =>
  fc.record(
    { operator_id: fc.constantFrom(...fixture.operatorIds.slice(0, 2)), force: fc.constant(false) },
    { requiredKeys: ["operator_id"] },
  );

const singleWeightUrl = (fixture: Fixture) =>
  fc.constantFrom(...fixture.operatorIds).map((id) => `/sources/${fixture.sourceId}/weights/${id}`);

/** In this order; the DELETEs last, so what they archive was needed by nothing before them. */
export const ROUTE_NAMES = [
  "POST /operators",
  "PATCH /operators/{id}",
  "PATCH /operators/me",
  "POST /bot-scripts",
  "PATCH /bot-scripts/{id}",
  "POST /sources",
  "PATCH /sources/{id}",
  "POST /sources/{id}/weights",
  "PUT /sources/{id}/weights",
  "POST /appeals",
  "POST /appeals with an Idempotency-Key",
  "PATCH /appeals/{id}/close",
  "PATCH /appeals/{id}/reopen",
  "PATCH /appeals/{id}/assign",
  "PATCH /appeals/{id}/assign with an operator key",
  "POST /appeals/{id}/messages",
  "POST /leads/by-external-id/{external_id}/messages",
  "PUT /sources/{id}/weights/{operator_id}",
  "DELETE /sources/{id}/weights/{operator_id}",
  "POST /tasks",
  "PATCH /tasks/{id}",
  "PATCH /leads/{id}",
  "PUT /leads/{id}/consent",
  "DELETE /leads/{id}/consent",
  "POST /materials",
  "PATCH /materials/{id}",
  "POST /activities",
  "POST /segments",
  "PATCH /segments/{id}",
  "PUT /bot-state/{source_id}/{chat_id}",
  "DELETE /bot-state/{source_id}/{chat_id}",
  "POST /calendar/feeds",
  "DELETE /operators/{id}",
  "DELETE /sources/{id}",
  "DELETE /materials/{id}",
  "DELETE /segments/{id}",
  "DELETE /leads/{id}",
  ...bookingRouteNames,
  "DELETE /calendar/feeds/{id}",
];

// ------------------------------------------------------------------ list routes' query strings

export type ListRoute = {
  path: string;
  /** The test's name when one path has two sets of parameters (GET /leads: a list, a search). */
  label?: string;
  fields: (fixture: Fixture) => Record<string, fc.Arbitrary<string>>;
  /** Parameters every valid query of this route has (a search's cursor needs its search). */
  requiredKeys?: readonly string[];
};

const idOrUnknown = (ids: () => readonly number[]) =>
  fc.oneof(fc.constantFrom(...ids()).map(String), intString(1, MAX_INT4));

/** Valid periods: every from is before every to. */
const period = {
  from: fc.constantFrom("2000-01-01T00:00:00Z", "2026-11-21T10:00:00.000Z", "2026-11-21T13:00:00+03:00"),
  to: fc.constantFrom("2026-11-21T10:00:00.000Z", "2099-12-31T23:59:59.999+02:00"),
};

/** The list routes and, for each query parameter, its valid values. */
export const LIST_ROUTES: ListRoute[] = [
  ...bookingListRoutes,
  {
    path: "/operators",
    fields: () => ({
      is_active: fc.constantFrom("true", "false"),
      include_archived: fc.constantFrom("true", "false"),
    }),
  },
  {
    path: "/appeals",
    fields: (fixture) => ({
      status: statusValue,
      operator_id: idOrUnknown(() => fixture.operatorIds),
      source_id: idOrUnknown(() => [fixture.sourceId]),
      lead_id: idOrUnknown(() => fixture.leadIds),
      limit: intString(1, 500),
      cursor: idOrUnknown(() => fixture.appealIds),
      ...period,
    }),
  },
  {
    path: "/bot-scripts",
    fields: (fixture) => ({ limit: intString(1, 500), cursor: idOrUnknown(() => fixture.botScriptIds) }),
  },
  { path: "/stats/distribution", fields: () => period },
  { path: "/stats/operators", fields: () => period },
  {
    path: "/leads",
    label: "/leads, a list",
    fields: (fixture) => ({
      tag: validText(50, true).filter((s) => s.trim().length <= 50),
      source_id: idOrUnknown(() => [fixture.sourceId]),
      created_from: period.from,
      created_to: period.to,
      limit: intString(1, 500),
      cursor: idOrUnknown(() => fixture.leadIds),
    }),
  },
  {
    path: "/leads",
    label: "/leads, a search (its cursor is rank_id)",
    requiredKeys: ["search"],
    fields: (fixture) => ({
      search: validText(255, true).filter((s) => s.trim().length <= 255),
      tag: validText(50, true).filter((s) => s.trim().length <= 50),
      limit: intString(1, 500),
      cursor: fc
        .tuple(
          fc.integer({ min: 0, max: 2_000_000 }),
          idOrUnknown(() => fixture.leadIds),
        )
        .map(([rank, id]) => `${(rank / 1_000_000).toFixed(6)}_${id}`),
    }),
  },
  // The exports take the lead list's filters (a search too) and, as CSV, a separator; the whole file is the answer.
  ...(["/exports/leads.xlsx", "/exports/leads.csv"] as const).map((path) => ({
    path,
    fields: (fixture: Fixture) => ({
      search: validText(255, true).filter((s) => s.trim().length <= 255),
      tag: validText(50, true).filter((s) => s.trim().length <= 50),
      source_id: idOrUnknown(() => [fixture.sourceId]),
      created_from: period.from,
      created_to: period.to,
      ...(path.endsWith(".csv") && { sep: fc.constantFrom(",", ";") }),
    }),
  })),
  ...(["/exports/appeals.xlsx", "/exports/appeals.csv"] as const).map((path) => ({
    path,
    fields: (fixture: Fixture) => ({
      source_id: idOrUnknown(() => [fixture.sourceId]),
      operator_id: idOrUnknown(() => fixture.operatorIds),
      ...period,
      ...(path.endsWith(".csv") && { sep: fc.constantFrom(",", ";") }),
    }),
  })),
  {
    path: "/materials",
    fields: (fixture) => ({
      category: validText(100, true),
      published: fc.constantFrom("true", "false"),
      include_archived: fc.constantFrom("true", "false"),
      limit: intString(1, 500),
      cursor: idOrUnknown(() => fixture.materialIds),
    }),
  },
  {
    path: "/tasks",
    fields: (fixture) => ({
      operator_id: idOrUnknown(() => fixture.operatorIds),
      lead_id: idOrUnknown(() => fixture.leadIds),
      status: taskStatusValue,
      due_before: dueAtValue,
      limit: intString(1, 500),
      cursor: idOrUnknown(() => fixture.taskIds),
    }),
  },
];
