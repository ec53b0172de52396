// The demo data's vocabulary for npm run db:seed: fixed sources and realistic
// leads and messages from faker, whose seed the caller fixes for reproducibility.
import { faker } from "@faker-js/faker";

export type DemoSource = {
  name: string;
  description: string;
  strategy: "weighted" | "weighted_by_free_capacity";
  /** How this channel spells its users' ids. */
  externalId(): string;
};

export const DEMO_SOURCES: DemoSource[] = [
  {
    name: "Telegram bot",
    description: "@acme_support_bot: customers who write to the bot in Telegram",
    strategy: "weighted",
    externalId: () => `tg_user_${faker.string.numeric(9)}`,
  },
  {
    name: "WhatsApp",
    description: "The sales WhatsApp Business number printed on the catalogue",
    strategy: "weighted",
    externalId: () => `wa_${faker.string.numeric(11)}`,
  },
  {
    name: "Website form",
    description: "The contact form on acme.example; spread by each operator's free capacity",
    strategy: "weighted_by_free_capacity",
    externalId: () => `web_${faker.string.hexadecimal({ length: 10, casing: "lower", prefix: "" })}`,
  },
  {
    name: "CRM import",
    description: "Leads imported nightly from the old CRM for a callback",
    strategy: "weighted",
    externalId: () => `crm_${faker.string.numeric(6)}`,
  },
];

export type DemoLead = {
  externalId: string;
  name: string;
  phone: string;
  email: string;
  /** Index in DEMO_SOURCES of the channel the lead first writes through. */
  home: number;
};

export function demoLead(): DemoLead {
  const home = faker.number.int({ min: 0, max: DEMO_SOURCES.length - 1 });
  const firstName = faker.person.firstName();
  const lastName = faker.person.lastName();
  return {
    externalId: (DEMO_SOURCES[home] as DemoSource).externalId(),
    name: `${firstName} ${lastName}`,
    phone: faker.phone.number({ style: "international" }),
    email: faker.internet.email({ firstName, lastName }).toLowerCase(),
    home,
  };
}

const MESSAGES: (() => string)[] = [
  () => `Hi! How much is the ${faker.commerce.productName()} with delivery to ${faker.location.city()}?`,
  () => `I placed order #${faker.string.numeric(6)} yesterday. When will it ship?`,
  () => `Can I pay for the ${faker.commerce.productName()} in instalments?`,
  () =>
    `Please call me back after ${faker.number.int({ min: 10, max: 18 })}:00, I have a question about my contract.`,
  () => `The ${faker.commerce.productName()} I received is damaged. What should I do?`,
  () => `Do you have a shop in ${faker.location.city()}?`,
  () => `I'd like to cancel order #${faker.string.numeric(6)}, please.`,
  () => `Is the ${faker.commerce.productName()} in stock in ${faker.color.human()}?`,
  () => "Hello, I need a consultation about your services for a small business.",
  () => `Thanks for the quick answer last time! One more question about order #${faker.string.numeric(6)}.`,
  () => "Is there a discount if I buy three or more?",
  () => "My promo code does not work at checkout.",
];

export function demoMessage(): string {
  return faker.helpers.arrayElement(MESSAGES)();
}

/** A small seeded PRNG (mulberry32) for the distribution's draws, in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
