// Path ids and bodiless bodies, shared by the write routes' generators.
import fc from "fast-check";
import { EMPTY_JSON_BODY, hostileBody, hostileId, type SentBody } from "./arbitraries.js";

/** A path id: half the time a fixture's, else anything. */
export const pathId = (ids: () => readonly number[]) =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...ids()).map(String) },
    { weight: 3, arbitrary: hostileId(ids()) },
  );

/**
 * A path id that never names a protected row (the fixture's operators and sources, which the
 * other routes' valid input needs): a DELETE would archive it.
 */
export const pathIdSparing = (ids: () => readonly number[], spared: () => readonly number[]) =>
  pathId(ids).filter((id) => !(/^[0-9]+$/.test(id) && spared().includes(Number(id))));

/** A last path segment that is not "" nor ".": those would make the URL another route's (the whole set's). */
export const lastPathId = (ids: () => readonly number[]) =>
  pathId(ids).filter((id) => id !== "" && id !== ".");

export const noBodyOrJunk = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: hostileBody([], fc.jsonValue(), fc.constant({})) },
);

/** A bodiless route's valid input: no body, or an empty one sent as application/json (API.md). */
export const noBodyOrEmptyJson = fc.constantFrom<SentBody | undefined>(undefined, EMPTY_JSON_BODY);
