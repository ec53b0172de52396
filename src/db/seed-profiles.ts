// The demo leads' contact profiles for npm run db:seed: Russian and English names (first, middle,
// last), phones in the formats bots and people type them, a second phone, company and position,
// tags, consent, blocked. Drawn from fakers of their own, seeded by the caller: the global faker's
// sequence stays what it was, so the appeals, conversations and tasks come out as before.
import { base, en, Faker, ru } from "@faker-js/faker";

const ruFaker = new Faker({ locale: [ru, en, base] });
const enFaker = new Faker({ locale: [en, base] });

/** The demo's tags, most used first: what segments of the demo can be made of. */
export const DEMO_TAGS = ["newsletter", "retail", "vip", "wholesale", "b2b", "event-2026", "cold"] as const;

/** The consent texts' versions the demo's leads agreed to. */
export const DEMO_CONSENT_VERSIONS = ["2026-06", "2026-11"] as const;

export type DemoProfile = {
  language: "ru" | "en";
  firstName: string;
  middleName: string | null;
  lastName: string | null;
  /** The display name the bot sends: the parts, first, middle, last. */
  name: string;
  phone: string;
  secondPhone: string | null;
  email: string;
  company: string | null;
  position: string | null;
  heardFrom: string | null;
  tags: string[];
  /** The consent text's version, or null without consent. */
  consent: string | null;
  blocked: boolean;
};

export function seedProfiles(seed: number): void {
  ruFaker.seed(seed);
  enFaker.seed(seed + 1);
}

/** A Russian mobile as people write it: 8 (916) 123-45-67, +7 916 123-45-67, 89161234567, ... */
function russianPhone(): string {
  const n = `9${ruFaker.string.numeric(9)}`;
  const [a, b, c, d] = [n.slice(0, 3), n.slice(3, 6), n.slice(6, 8), n.slice(8)];
  return ruFaker.helpers.arrayElement([
    `8 (${a}) ${b}-${c}-${d}`,
    `+7 ${a} ${b}-${c}-${d}`,
    `+7 (${a}) ${b} ${c} ${d}`,
    `8${n}`,
    `+7${n}`,
    `${a} ${b} ${c} ${d}`,
  ]);
}

/** A British mobile in international form: +44 7123 456789 or +447123456789. */
function britishPhone(): string {
  const n = `71${enFaker.string.numeric(8)}`;
  return enFaker.helpers.arrayElement([`+44 ${n.slice(0, 4)} ${n.slice(4)}`, `+44${n}`]);
}

/** 0..3 tags, the first ones of DEMO_TAGS most often. */
function tags(): string[] {
  const count = enFaker.helpers.weightedArrayElement([
    { weight: 4, value: 0 },
    { weight: 4, value: 1 },
    { weight: 2, value: 2 },
    { weight: 1, value: 3 },
  ]);
  const weighted = DEMO_TAGS.map((tag, i) => ({ weight: DEMO_TAGS.length - i, value: tag }));
  const chosen = new Set<string>();
  while (chosen.size < count) chosen.add(enFaker.helpers.weightedArrayElement(weighted));
  return [...chosen];
}

/** Two in three Russian; a first name only for one in eight (what a messenger gives). */
export function demoProfile(): DemoProfile {
  const russian = enFaker.datatype.boolean(2 / 3);
  const f = russian ? ruFaker : enFaker;
  const sex = f.person.sexType();
  const firstName = f.person.firstName(sex);
  const full = !enFaker.datatype.boolean(1 / 8);
  const lastName = full ? f.person.lastName(sex) : null;
  // Russians' patronymic; an English middle name now and then.
  const middleName = full && (russian || enFaker.datatype.boolean(0.3)) ? f.person.middleName(sex) : null;
  const working = enFaker.datatype.boolean(0.3);
  return {
    language: russian ? "ru" : "en",
    firstName,
    middleName,
    lastName,
    name: [firstName, middleName, lastName].filter((part) => part !== null).join(" "),
    phone: russian ? russianPhone() : britishPhone(),
    secondPhone: enFaker.datatype.boolean(0.15) ? (russian ? russianPhone() : britishPhone()) : null,
    email: f.internet.email({ firstName, lastName: lastName ?? undefined }).toLowerCase(),
    company: working ? f.company.name() : null,
    position: working ? f.person.jobTitle() : null,
    heardFrom: enFaker.datatype.boolean(0.4)
      ? enFaker.helpers.arrayElement(["Telegram", "Instagram", "a friend", "the exhibition", "web search"])
      : null,
    tags: tags(),
    consent: enFaker.datatype.boolean(0.4) ? enFaker.helpers.arrayElement(DEMO_CONSENT_VERSIONS) : null,
    blocked: enFaker.datatype.boolean(0.1),
  };
}
