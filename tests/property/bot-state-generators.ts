// The bot-state write routes as fast-check generators (PUT and DELETE
// /bot-state/{source_id}/{chat_id}): hostile and valid paths, bodies and conditional headers.
import fc from "fast-check";
import { hasVisibleCharacter } from "../../src/http/visible-text.js";
import {
  anyString,
  blankString,
  EMPTY_JSON_BODY,
  encodeLoose,
  hostileBody,
  hostileId,
  jsonBody,
  MAX_INT4,
  nearlyValidObject,
  type SentBody,
  storableJsonObject,
  uniqueName,
  validText,
} from "./arbitraries.js";
import type { Fixture, WriteRoute } from "./route-generators.js";

const DATA_LIMIT = 64 * 1024;
const bodyKeys = ["state", "data"] as const;

/** A chat id as bots send them: Telegram's (negative, past 2^53), or any text a path carries as itself. */
const validChatId = fc
  .oneof(fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String), uniqueName(200), validText(200, true))
  .filter((id) => id.length >= 1 && id.length <= 200 && !/^\.{1,2}$/.test(id));

/** Chat ids around every limit: 200 and 201 characters, NUL, broken escapes, past the router's 1024. */
/** A few chats many requests share: their states exist, so If-Match meets real versions (200 or 412). */
const SHARED_CHATS = ["-1001", "property chat"];

const hostileChatPath = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...SHARED_CHATS).map(encodeURIComponent) },
  { weight: 4, arbitrary: validChatId.map(encodeURIComponent) },
  { weight: 1, arbitrary: anyString(40).map(encodeLoose) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "%00",
      "a%00b",
      "%ED%A0%80",
      "9".repeat(200),
      "9".repeat(201),
      "%D1%84".repeat(200),
      "%D1%84".repeat(201),
      "x".repeat(1025),
      "%",
      "%zz",
      "%E0%A4%A",
    ),
  },
);

const visibleState = validText(100, true).filter(hasVisibleCharacter);
const validBotState = fc.record(
  { state: visibleState, data: storableJsonObject(DATA_LIMIT) },
  { requiredKeys: ["state"] },
);
const botStateNearMiss = nearlyValidObject({
  state: fc.oneof(visibleState, blankString, fc.constantFrom("s".repeat(101), "\u200b", "a\u0000")),
  data: fc.oneof(
    storableJsonObject(DATA_LIMIT),
    // One byte over 64 KiB as JSON, and exactly at it.
    fc.constant({ text: "x".repeat(DATA_LIMIT - 11 + 1) }),
    fc.constant({ text: "x".repeat(DATA_LIMIT - 11) }),
    fc.constant({ a: [{ "b.c": "nul\u0000" }] }),
    fc.jsonValue({ maxDepth: 2 }),
  ),
});

/** Header values Node sends (printable Latin-1), near the shape of an ETag and far from it. */
const headerText = fc.string({
  unit: fc.integer({ min: 0x20, max: 0xff }).map((code) => String.fromCharCode(code)),
  maxLength: 30,
});
const ifMatchValue = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom('"1"', '"2"', '"999"', "*", '"0"', "1", 'W/"1"', '"1", "2"', '"2147483648"'),
  },
  { weight: 1, arbitrary: fc.constantFrom("", " ", '"abc"', '""', "**", '"01"', "'1'") },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: MAX_INT4 }).map((version) => `"${version}"`) },
  { weight: 1, arbitrary: headerText },
);
const ifNoneMatchValue = fc.oneof(fc.constantFrom("*", '"1"', "", 'W/"1"', "**"), headerText);

const noBodyOrJunk = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: hostileBody([], fc.jsonValue(), fc.constant({})) },
);

/** The state the valid conditional requests need: written first (If-Match: * then holds). */
const stateFirst = (url: string) => [{ method: "PUT" as const, url, body: jsonBody({ state: "before" }) }];

/** Headers: often none, so the body and path decide; else each header near its shape and far from it. */
const ifMatchHeader = ifMatchValue.map((value) => ({ "if-match": value }));
const putHeaders = fc.oneof(
  { weight: 2, arbitrary: fc.constant<Record<string, string>>({}) },
  { weight: 4, arbitrary: ifMatchHeader },
  { weight: 1, arbitrary: ifNoneMatchValue.map((value) => ({ "if-none-match": value })) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(ifMatchValue, ifNoneMatchValue)
      .map(([ifMatch, ifNoneMatch]) => ({ "if-match": ifMatch, "if-none-match": ifNoneMatch })),
  },
);
const deleteHeaders = fc.oneof(
  { weight: 2, arbitrary: fc.constant<Record<string, string>>({}) },
  { weight: 3, arbitrary: ifMatchHeader },
);

export function botStateWriteRoutes(fixture: Fixture): WriteRoute[] {
  // Mostly the fixture's source, so most requests reach the statement (a 412, a 404 of a chat or
  // an unknown source, a write); else junk ids.
  const source = fc.oneof(
    { weight: 4, arbitrary: fc.constant(String(fixture.sourceId)) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: MAX_INT4 }).map(String) },
    { weight: 1, arbitrary: hostileId([fixture.sourceId]) },
  );
  const url = fc.tuple(source, hostileChatPath).map(([id, chat]) => `/bot-state/${id}/${chat}`);
  const validUrl = validChatId.map((chat) => `/bot-state/${fixture.sourceId}/${encodeURIComponent(chat)}`);
  const params = ["source_id", "chat_id"];
  return [
    {
      name: "PUT /bot-state/{source_id}/{chat_id}",
      method: "PUT",
      shape: { body: "object", bodyKeys, params, queryKeys: [], headerKeys: ["if-match", "if-none-match"] },
      url,
      validUrl,
      body: fc.oneof(
        { weight: 1, arbitrary: validBotState.map(jsonBody) },
        { weight: 2, arbitrary: hostileBody(bodyKeys, botStateNearMiss, validBotState) },
      ),
      validBody: validBotState.map(jsonBody),
      headers: putHeaders,
      validHeaders: fc.constantFrom<Record<string, string>>({}, { "if-match": "*" }),
      before: stateFirst,
    },
    {
      name: "DELETE /bot-state/{source_id}/{chat_id}",
      method: "DELETE",
      shape: { body: "none", bodyKeys: [], params, queryKeys: [], headerKeys: ["if-match"] },
      url,
      validUrl,
      body: noBodyOrJunk,
      validBody: fc.constantFrom<SentBody | undefined>(undefined, EMPTY_JSON_BODY),
      headers: deleteHeaders,
      validHeaders: fc.constantFrom<Record<string, string>>({}, { "if-match": "*" }),
      before: stateFirst,
    },
  ];
}
