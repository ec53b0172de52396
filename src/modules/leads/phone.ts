// Phones as E.164 ("+79161234567"), read with libphonenumber-js in the service's default
// region (DEFAULT_PHONE_REGION): "8 (916) 123-45-67", "+7 916 123 45 67" and "9161234567"
// are one number. A number must also be valid, not just parse: "12345" parses to "+712345".
import { type CountryCode, isSupportedCountry, parsePhoneNumberFromString } from "libphonenumber-js";

export type PhoneRegion = CountryCode;

export const DEFAULT_PHONE_REGION: PhoneRegion = "RU";

export function isPhoneRegion(code: string): code is PhoneRegion {
  return isSupportedCountry(code);
}

/** The E.164 form of `raw`, or null when it is not a valid phone number. */
export function toE164(raw: string | null | undefined, region: PhoneRegion): string | null {
  if (raw === null || raw === undefined || raw.trim() === "") return null;
  const parsed = parsePhoneNumberFromString(raw, region);
  return parsed?.isValid() ? parsed.number : null;
}

/** What the modules that read phones take from createDeps' options (DEFAULT_PHONE_REGION). */
export type PhoneOptions = { phoneRegion?: PhoneRegion };
