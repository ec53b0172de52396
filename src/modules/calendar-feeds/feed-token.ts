// A calendar feed's token and how it is stored. Calendar apps send no headers, so the token goes
// in the feed's URL (GET /calendar.ics?token=lcf_...). It carries 256 random bits; only the
// SHA-256 of the whole token is stored, as for API keys (auth/api-key.ts, whose hash and
// constant-time comparison this reuses), so a copy of the database opens no feed.
import { randomBytes } from "node:crypto";
import { hashApiKey, sameHash } from "../auth/api-key.js";

const TOKEN_PREFIX = "lcf_";
const SECRET_BYTES = 32;
/** Longer values cannot be tokens (lcf_ and 43 characters); refused before hashing. */
export const MAX_TOKEN_LENGTH = 200;

export function generateFeedToken(): { token: string; tokenHash: string } {
  const token = `${TOKEN_PREFIX}${randomBytes(SECRET_BYTES).toString("base64url")}`;
  return { token, tokenHash: hashFeedToken(token) };
}

/** SHA-256 of the whole token, hex (64 characters): what calendar_feeds.token_hash holds. */
export function hashFeedToken(token: string): string {
  return hashApiKey(token);
}

/** Whether two hex SHA-256 digests are equal, in constant time. */
export function sameTokenHash(a: string, b: string): boolean {
  return sameHash(a, b);
}
