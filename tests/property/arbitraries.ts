// Generators of hostile and of valid HTTP inputs for the property tests of the
// write routes and the list routes' query strings.
import fc from "fast-check";

export const MAX_INT4 = 2_147_483_647;

/** What a request sends, next to what the server sees, so an error's `path` can be checked against it. */
export type SentBody = {
  /** The bytes sent, as text (undefined: no body at all). */
  text: string | undefined;
  contentType: string | undefined;
  /** The value the server parses from `text`, or NOT_JSON when the text is not JSON. */
  value: unknown;
};

export const NOT_JSON: unique symbol = Symbol("not JSON");

export function jsonBody(value: unknown): SentBody {
  const text = JSON.stringify(value) ?? "null";
  return { text, contentType: "application/json", value: parseOrNotJson(text) };
}

/** No bytes, yet sent as application/json (many clients do on every request): no body to a bodiless route. */
export const EMPTY_JSON_BODY: SentBody = Object.freeze({
  text: "",
  contentType: "application/json",
  value: undefined,
});

export function rawBody(text: string, contentType = "application/json"): SentBody {
  // Fastify reads text/plain as a string (its built-in parser); other types it does not parse are a 415.
  const value = /^text\/plain\b/i.test(contentType) ? text : parseOrNotJson(text);
  return { text, contentType, value };
}

function parseOrNotJson(text: string): unknown {
  try {
    // Fastify's JSON parser (secure-json-parse) skips a leading byte order mark, as RFC 8259 allows.
    return JSON.parse(text.replace(/^\ufeff/, ""));
  } catch {
    return NOT_JSON;
  }
}

// ---------------------------------------------------------------- strings

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit));
const awkwardChar = fc.constantFrom(
  "\u0000",
  "\u0001",
  "\u007f",
  "\u00a0",
  "\u2028",
  "\ufeff",
  "\uffff",
  "\ufffd",
  "\u200b",
  "\\",
  '"',
  "'",
  "%",
  "\n",
  "\t",
  " ",
  "😀",
  "é",
  "e\u0301",
);

/** Well-formed Unicode (no lone surrogate); may still contain NUL or control characters. */
export const wellFormedString = (constraints: { minLength?: number; maxLength?: number } = {}) =>
  fc.string({ unit: "binary", ...constraints });

/** Any UTF-16 string: lone surrogates, NUL, controls, astral characters. */
export const anyString = (maxLength = 40) =>
  fc.string({
    unit: fc.oneof(
      { weight: 4, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
      {
        weight: 1,
        arbitrary: loneSurrogate,
      },
      { weight: 2, arbitrary: awkwardChar },
    ),
    maxLength,
  });

/** Strings around every length limit of the contract (200, 255, 2000, 10000), in 1- to 4-byte characters. */
export const hugeString = fc
  .tuple(
    fc.constantFrom(0, 1, 49, 50, 51, 199, 200, 201, 254, 255, 256, 2000, 2001, 10_000, 10_001, 30_000),
    fc.constantFrom("a", " ", "é", "😀", "\u0000", "\ud800"),
  )
  .map(([length, char]) => char.repeat(length));

export const blankString = fc.constantFrom("", " ", "   ", "\t\n", "\u00a0", "\ufeff", "\u2028", " \u3000 ");

/** Strings a careless schema would let through or a database would refuse. */
export const edgeString = fc.oneof(
  { weight: 4, arbitrary: anyString() },
  { weight: 1, arbitrary: fc.string() },
  { weight: 2, arbitrary: hugeString },
  { weight: 1, arbitrary: blankString },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "1",
      "-1",
      "true",
      "null",
      "weighted",
      "WEIGHTED",
      "a@b.co",
      "not-an-email",
      "a@b",
      "2147483648",
      "1e3",
    ),
  },
);

// ---------------------------------------------------------------- numbers

export const edgeNumber = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    -1,
    1,
    0.5,
    -0.5,
    1.5,
    99.999,
    100,
    101,
    200,
    10_000,
    10_001,
    MAX_INT4,
    MAX_INT4 + 1,
    -MAX_INT4 - 2,
    2 ** 53,
    2 ** 53 + 2,
    -(2 ** 53),
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    1e21,
  ),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** JSON number literals that JSON.parse reads in surprising ways (Infinity, -0, 0, rounding). */
export const exoticNumberLiteral = fc.constantFrom(
  "1e999",
  "-1e999",
  "-0",
  "1.0",
  "1E2",
  "0.1e1",
  "1e-400",
  "100000000000000000000000",
  "2147483647.0000000001",
  "9007199254740993",
);

// ---------------------------------------------------------------- JSON values

/** A value of any JSON type, biased toward the edges: what a wrong field holds. */
export const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 3, arbitrary: edgeNumber },
  { weight: 4, arbitrary: edgeString },
  { weight: 1, arbitrary: fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }) },
);

export const junkKey = fc.oneof(
  { weight: 3, arbitrary: anyString(12) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "",
      " ",
      "__proto__",
      "constructor",
      "prototype",
      "toString",
      "hasOwnProperty",
      "Name",
      "NAME",
      "name ",
      "maxLoad",
      "max-load",
      "id",
      "created_at",
      "current_load",
      "a.b",
      "0",
      "$where",
      "is_active\u0000",
      "\ud800",
    ),
  },
);

/**
 * An object with the schema's keys (each absent, valid or wrong), sometimes with
 * unknown keys too: the bodies that find the field-by-field mistakes.
 */
export function nearlyValidObject(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<object> {
  const known = Object.fromEntries(
    Object.entries(fields).map(([key, valid]) => [
      key,
      fc.oneof({ weight: 2, arbitrary: valid }, { weight: 2, arbitrary: wrongValue }),
    ]),
  );
  return fc
    .tuple(
      fc.record(known, { requiredKeys: [] }),
      fc.oneof(
        { weight: 3, arbitrary: fc.constant({}) },
        {
          weight: 1,
          arbitrary: fc.dictionary(junkKey, fc.jsonValue({ maxDepth: 1 }), { minKeys: 1, maxKeys: 3 }),
        },
      ),
    )
    .map(([knownPart, extra]) => ({ ...extra, ...knownPart }));
}

/** JSON text of an object whose values are raw literals (exotic numbers) and whose keys may repeat. */
function rawObjectText(schemaKeys: readonly string[]): fc.Arbitrary<string> {
  const keys = schemaKeys.length > 0 ? schemaKeys : ["x"];
  const literal = fc.oneof(
    exoticNumberLiteral,
    fc.jsonValue({ maxDepth: 0 }).map((v) => JSON.stringify(v)),
  );
  return fc
    .array(fc.tuple(fc.constantFrom(...keys), literal), { minLength: 1, maxLength: 4 })
    .map((pairs) => `{${pairs.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(",")}}`);
}

const brokenJsonText = fc.constantFrom(
  "",
  " ",
  "{",
  "[",
  "}",
  "{'name':'a'}",
  '{"name":"a",}',
  '{"name":"a"}{}',
  '{"name":"a"} trailing',
  "[1,]",
  "NaN",
  "Infinity",
  "undefined",
  "nul",
  "tru",
  "\u0000",
  "\ufeff{}",
  '{"name":"\\ud800"}',
  '{"name":"\\u0000"}',
  '{"__proto__":{"x":1}}',
  '{"constructor":{"prototype":{"x":1}}}',
  '{"name":"a","name":"b"}',
  "0x10",
  "'str'",
  `{"a":${"[".repeat(2000)}${"]".repeat(2000)}}`,
);

const otherContentType = fc.constantFrom(
  "text/plain",
  "application/x-www-form-urlencoded",
  "application/xml",
  "application/json; charset=utf-16",
  "application/JSON",
  "application/json; charset=utf-8",
  "application/merge-patch+json",
  "multipart/form-data; boundary=x",
  "",
);

/**
 * Every kind of body a hostile or confused client sends to a route whose schema has
 * the given keys (`valid` is a valid body, used as a base for near misses).
 */
export function hostileBody(
  keys: readonly string[],
  nearlyValid: fc.Arbitrary<unknown>,
  valid: fc.Arbitrary<unknown>,
): fc.Arbitrary<SentBody> {
  return fc.oneof(
    { weight: 6, arbitrary: nearlyValid.map(jsonBody) },
    { weight: 1, arbitrary: valid.map(jsonBody) },
    { weight: 2, arbitrary: fc.jsonValue().map(jsonBody) },
    {
      weight: 1,
      arbitrary: fc
        .anything({ maxDepth: 2, withNullPrototype: true, withObjectString: true })
        .map((value) => jsonBody(safeJson(value))),
    },
    { weight: 1, arbitrary: rawObjectText(keys).map((text) => rawBody(text)) },
    { weight: 1, arbitrary: brokenJsonText.map((text) => rawBody(text)) },
    { weight: 1, arbitrary: anyString(60).map((text) => rawBody(text)) },
    {
      weight: 1,
      arbitrary: valid.chain((body) => {
        const text = JSON.stringify(body);
        return fc.nat({ max: Math.max(0, text.length - 1) }).map((cut) => rawBody(text.slice(0, cut)));
      }),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(valid, otherContentType)
        .map(([body, contentType]) => ({ ...rawBody(JSON.stringify(body), contentType) })),
    },
    {
      weight: 1,
      arbitrary: fc.constant<SentBody>({ text: undefined, contentType: undefined, value: undefined }),
    },
    // Over Fastify's default 1 MiB body limit: a 413.
    { weight: 1, arbitrary: fc.constant(rawBody(`{"x":"${"a".repeat(1_100_000)}"}`)) },
  );
}

/** fc.anything() values as JSON.stringify would send them (undefined, NaN, -0 and boxed strings included). */
function safeJson(value: unknown): unknown {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? null : JSON.parse(text);
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------- URLs

/** Percent-encodes any UTF-16 string, lone surrogates included (as the 3 bytes CESU-8 would use). */
export function encodeLoose(value: string): string {
  let out = "";
  for (const char of value) {
    const unit = char.charCodeAt(0);
    if (char.length === 1 && unit >= 0xd800 && unit <= 0xdfff) {
      out += [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]
        .map((byte) => `%${byte.toString(16).toUpperCase()}`)
        .join("");
    } else {
      out += encodeURIComponent(char);
    }
  }
  return out;
}

const encodedJunk = fc.constantFrom(
  "0",
  "00",
  "01",
  "-1",
  "+1",
  "1.5",
  "1.0",
  "1e3",
  "0x1",
  "0b1",
  "%201",
  "1%20",
  "%2B1",
  "NaN",
  "Infinity",
  "null",
  "true",
  "2147483648",
  "4294967296",
  "9007199254740993",
  "99999999999999999999999999",
  "%00",
  "1%00",
  "%",
  "%zz",
  "%E0%A4%A",
  "%ED%A0%80",
  "%C0%AF",
  "..",
  ".",
  "%2E%2E",
  "%2F",
  "1%2F2",
  ";",
  "1;x=1",
  "~",
  "*",
  "1".repeat(1025),
);

/** A path parameter: usually not a valid id, sometimes an unknown valid one. */
export function hostileId(existing: readonly number[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...existing).map(String) },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: MAX_INT4 }).map(String) },
    { weight: 3, arbitrary: encodedJunk },
    { weight: 1, arbitrary: fc.integer().map(String) },
    { weight: 1, arbitrary: fc.bigInt().map(String) },
    { weight: 1, arbitrary: fc.double().map((n) => encodeURIComponent(String(n))) },
    { weight: 2, arbitrary: anyString(20).map(encodeLoose) },
  );
}

/** A query string: known keys with valid or junk values, unknown keys, repeats, raw junk. */
export function hostileQuery(fields: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<string> {
  const keys = Object.keys(fields);
  const key = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...keys) }, { weight: 1, arbitrary: junkKey });
  const pair = key.chain((k) => {
    const valid = Object.hasOwn(fields, k) ? fields[k] : undefined;
    const value = fc.oneof(
      ...(valid ? [{ weight: 3, arbitrary: valid }] : []),
      { weight: 2, arbitrary: edgeString.filter((s) => s.length < 3000) },
      { weight: 1, arbitrary: edgeNumber.map(String) },
    );
    return fc.oneof(
      { weight: 6, arbitrary: value.map((v) => `${encodeLoose(k)}=${encodeLoose(v)}`) },
      { weight: 1, arbitrary: fc.constant(encodeLoose(k)) },
      { weight: 1, arbitrary: encodedJunk.map((junk) => `${encodeLoose(k)}=${junk}`) },
    );
  });
  return fc.oneof(
    { weight: 6, arbitrary: fc.array(pair, { maxLength: 5 }).map((pairs) => pairs.join("&")) },
    {
      weight: 1,
      arbitrary: fc.constantFrom("&", "&&", "=", "==", "?", "a[b]=1", "a[]=1&a[]=2", "%", "%zz=1"),
    },
  );
}

/** A query string of valid values, each key at most once. */
export function validQuery(
  fields: Record<string, fc.Arbitrary<string>>,
  requiredKeys: readonly string[] = [],
): fc.Arbitrary<string> {
  return fc.record(fields, { requiredKeys: [...requiredKeys] }).map((query) =>
    Object.entries(query)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v as string)}`)
      .join("&"),
  );
}

// ---------------------------------------------------------------- valid values

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** String.prototype.isWellFormed, which the ES2023 lib of tsconfig does not declare. */
export function isWellFormed(value: string): boolean {
  return !LONE_SURROGATE.test(value);
}

let uniqueCounter = 0;
/** A name no other row has (the prefix is unique), with a generated tail after it. */
export function uniqueName(maxLength = 200): fc.Arbitrary<string> {
  return wellFormedString({ maxLength: 60 })
    .filter((tail) => !tail.includes("\u0000"))
    .map((tail) => {
      uniqueCounter += 1;
      return `p${process.pid}-${uniqueCounter} ${tail}`.slice(0, maxLength);
    })
    .filter((name) => name.length <= maxLength && isWellFormed(name));
}

/** Well-formed text without NUL, at most `maxLength` UTF-16 units; `nonBlank` asks for a non-space character. */
export function validText(maxLength: number, nonBlank = false): fc.Arbitrary<string> {
  return wellFormedString({ minLength: nonBlank ? 1 : 0, maxLength: Math.min(maxLength, 80) })
    .chain((s) =>
      fc.oneof(
        { weight: 5, arbitrary: fc.constant(s) },
        { weight: 1, arbitrary: fc.constant(`x${"y".repeat(maxLength - 1)}`) },
      ),
    )
    .filter((s) => s.length <= maxLength && !s.includes("\u0000") && (!nonBlank || s.trim().length > 0));
}

/**
 * A JSON object jsonb stores as sent, of at most `maxBytes` as JSON: no NUL, no lone surrogate;
 * no member a JSON parser refuses (__proto__).
 */
export const storableJsonObject = (maxBytes: number) =>
  fc
    .dictionary(
      fc.string({ maxLength: 20 }).filter((key) => key !== "__proto__" && key !== "constructor"),
      fc.jsonValue({ maxDepth: 3 }),
      { maxKeys: 5 },
    )
    .filter((data) => {
      const text = JSON.stringify(data);
      return !/\\u0000|\\ud[89a-f]|__proto__|constructor/i.test(text) && text.length <= maxBytes;
    });

export const validEmail = fc
  .tuple(
    fc.stringMatching(/^[a-z0-9]{1,20}$/),
    fc.stringMatching(/^[a-z0-9]{1,20}$/),
    fc.stringMatching(/^[a-z]{2,6}$/),
  )
  .map(([local, domain, tld]) => `${local}@${domain}.${tld}`);
