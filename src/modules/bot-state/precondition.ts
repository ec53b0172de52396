// The conditional headers of a bot-state write (RFC 9110, section 13) as the statements take them.
// One strong ETag per state, its version in quotes; weak tags and lists are refused (400) rather
// than never matching, so a bot sending one learns at once why its writes would all fail.

/** What If-Match (or its absence) requires of the state a write replaces or a DELETE removes. */
export type IfMatch =
  /** No conditional header: the write happens whatever is there. */
  | { kind: "none" }
  /** If-Match: "<version>": only over the state at exactly this version. */
  | { kind: "version"; version: number }
  /** If-Match: * : only over an existing state, whatever its version. */
  | { kind: "exists" };

/** What a PUT requires, as the statement checks it: If-Match's, or If-None-Match: * (create only). */
export type Precondition = IfMatch | { kind: "absent" };

const MAX_INT4 = 2_147_483_647;
const QUOTED_VERSION = /^"([1-9][0-9]{0,9})"$/;

/** `*`, or one version this service can have given: `"1"` .. `"2147483647"`. */
export function isIfMatch(value: string): boolean {
  return value === "*" || versionIn(value) !== null;
}

function versionIn(value: string): number | null {
  const digits = QUOTED_VERSION.exec(value)?.[1];
  if (digits === undefined) return null;
  const version = Number(digits);
  return version <= MAX_INT4 ? version : null;
}

/** What an If-Match header requires; the route's schema has checked it (isIfMatch). */
export function ifMatchOf(header: string | undefined): IfMatch {
  if (header === undefined) return { kind: "none" };
  if (header === "*") return { kind: "exists" };
  const version = versionIn(header);
  if (version === null) throw new Error(`If-Match ${header} passed the schema unchecked`);
  return { kind: "version", version };
}

/** A PUT's precondition; the schema refuses If-Match and If-None-Match together, and any If-None-Match but *. */
export function preconditionOf(headers: {
  ifMatch?: string | undefined;
  ifNoneMatch?: string | undefined;
}): Precondition {
  return headers.ifNoneMatch === "*" ? { kind: "absent" } : ifMatchOf(headers.ifMatch);
}

/** The ETag of a state at this version: the version in quotes (a strong tag). */
export function etagOf(version: number): string {
  return `"${version}"`;
}
