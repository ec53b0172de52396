// The request URL as the log may hold it. Query strings carry what a caller
// searched for (names, phones, emails: GET /leads?search=) and, from careless
// clients, credentials (?api_key=...): their values are replaced, the path and the
// other parameters kept, so a log line still says which request it was.

export const REDACTED = "[redacted]";

/** Parameters whose value is personal data by design. */
const SEARCH_PARAMETERS = new Set(["search", "q"]);
/** Names of credentials, compared without case, "-" or "_" (api_key, apiKey, X-Api-Key, access_token). */
const CREDENTIAL_NAME = /key|token|secret|passw|auth|signature|session|credential|bearer/;
/**
 * The start of a key of this service (lds_<public id>_) or of a calendar feed's token (lcf_ and
 * base64url), wherever it is sent: a feed's URL pasted under another parameter's name too.
 */
const KEY_SHAPE = /lds_[0-9a-f]{16}_|lcf_[A-Za-z0-9_-]{16}/i;

export function scrubUrl(url: string): string {
  const mark = url.indexOf("?");
  const path = mark === -1 ? url : url.slice(0, mark);
  const cleanPath = path
    .split("/")
    .map((segment) => (KEY_SHAPE.test(decoded(segment)) ? REDACTED : segment))
    .join("/");
  if (mark === -1) return cleanPath;
  const query = url
    .slice(mark + 1)
    .split("&")
    .map((pair) => {
      const equals = pair.indexOf("=");
      if (equals === -1) return pair;
      const name = pair.slice(0, equals);
      const secret = isSensitiveName(decoded(name)) || KEY_SHAPE.test(decoded(pair.slice(equals + 1)));
      return secret ? `${name}=${REDACTED}` : pair;
    })
    .join("&");
  return `${cleanPath}?${query}`;
}

function isSensitiveName(name: string): boolean {
  const normalised = name.toLowerCase().replace(/[-_]/g, "");
  return SEARCH_PARAMETERS.has(normalised) || CREDENTIAL_NAME.test(normalised);
}

/** Percent-decoded as a query parser would read it; a broken escape stays as sent. */
function decoded(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return text;
  }
}
