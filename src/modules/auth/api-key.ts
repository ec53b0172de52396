// The shape of an API key and how it is stored. A key is `lds_<public_id>_<secret>`:
// the public id finds the row, and only the SHA-256 of the whole key is stored.
// Keys carry 256 random bits, so a fast hash is right (a slow password hash only
// helps against guessable secrets) and no salt is needed.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

const PUBLIC_ID_BYTES = 8;
const SECRET_BYTES = 32;
const KEY_FORMAT = /^lds_([0-9a-f]{16})_[A-Za-z0-9_-]{43}$/;

export type GeneratedKey = { key: string; publicId: string; keyHash: string };

export function generateApiKey(): GeneratedKey {
  const publicId = randomBytes(PUBLIC_ID_BYTES).toString("hex");
  const secret = randomBytes(SECRET_BYTES).toString("base64url");
  const key = `lds_${publicId}_${secret}`;
  return { key, publicId, keyHash: hashApiKey(key) };
}

/** The public id of a key in the lds_ format; null for any other value (e.g. BOOTSTRAP_ADMIN_KEY). */
export function publicIdOf(key: string): string | null {
  return KEY_FORMAT.exec(key)?.[1] ?? null;
}

/** SHA-256 of the whole key, hex (64 characters). */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** Compares two hex SHA-256 digests in constant time. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === 32 && right.length === 32 && timingSafeEqual(left, right);
}

/** What lists show to tell keys apart: the non-secret start of the key. */
export function displayPrefix(publicId: string | null): string | null {
  return publicId === null ? null : `lds_${publicId}_…`;
}
