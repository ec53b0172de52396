// The demo data's conversations for npm run db:seed: the sources' bot scripts, what bots, leads
// and operators say after a lead's first message, and the follow-ups operators are given.
// Texts come from faker, whose seed the caller fixes, so every run writes the same words.
import { faker } from "@faker-js/faker";

/** A source's sales script; `revised` is its second version, made halfway through the demo's appeals. */
export type DemoScript = { name: string; content: string; revised?: string };

const opening = (channel: string) =>
  `# ${channel}: first contact\n\n` +
  "1. Greet the customer by name and thank them for writing.\n" +
  "2. Ask what they are looking for: a product, an order, a complaint.\n" +
  "3. Product questions: give price and stock, offer delivery.\n" +
  "4. Anything about money, contracts or damage: hand over to an operator.\n";

/** One per DEMO_SOURCES entry, in the same order. */
export const DEMO_SCRIPTS: DemoScript[] = [
  {
    name: "Telegram: first contact",
    content: opening("Telegram"),
    revised: `${opening("Telegram")}5. Before handing over, ask for a phone number for a callback.\n`,
  },
  { name: "WhatsApp: catalogue questions", content: opening("WhatsApp") },
  {
    name: "Website form: callback request",
    content: "# Website form\n\n1. Confirm the request by e-mail.\n2. Hand over to an operator at once.\n",
    revised:
      "# Website form\n\n1. Confirm the request by e-mail.\n2. Offer a time slot for the callback.\n" +
      "3. Hand over to an operator.\n",
  },
  {
    name: "CRM import: reactivation",
    content: "# CRM import\n\n1. Remind the customer of their last order.\n2. Offer this month's discount.\n",
  },
];

const pick = (texts: (() => string)[]) => faker.helpers.arrayElement(texts)();

export const botGreeting = (name: string | null) =>
  pick([
    () =>
      `Hello${name ? `, ${name.split(" ")[0]}` : ""}! Thanks for writing to Acme. Let me check that for you.`,
    () => "Hi! I'm Acme's assistant. One moment, I'm looking into your question.",
    () => `Good day${name ? `, ${name.split(" ")[0]}` : ""}! Could you tell me a bit more?`,
  ]);

export const botAnswer = () =>
  pick([
    () =>
      `The ${faker.commerce.productName()} costs ${faker.commerce.price({ min: 20, max: 900 })} € and is in stock.`,
    () => `Delivery to ${faker.location.city()} takes ${faker.number.int({ min: 1, max: 5 })} working days.`,
    () => "You can pay by card, by bank transfer or in three instalments without interest.",
    () => `Our shop on ${faker.location.street()} is open from 10:00 to 20:00 every day.`,
  ]);

export const botHandover = () =>
  pick([
    () => "I'm passing you to a colleague who will answer in a few minutes.",
    () => "An operator will take it from here.",
  ]);

export const botQueued = () =>
  "All our operators are busy right now; the first one free will write to you here.";

export const leadFollowUp = () =>
  pick([
    () => "And is there a warranty?",
    () => `Can you deliver on ${faker.date.weekday()}?`,
    () => "Great, how do I order?",
    () => "OK, I'll wait.",
    () => "Here is a photo of what I mean.",
  ]);

export const operatorReply = (operator: string) =>
  pick([
    () => `Hello, this is ${operator.split(" ")[0]} from Acme. I've checked your order: it ships tomorrow.`,
    () => `Hi! ${operator.split(" ")[0]} here. Yes, we can do that; shall I send you the contract?`,
    () => "Thanks for waiting. I've booked a callback for you tomorrow morning.",
    () => `Of course. Here is our catalogue with the current prices.`,
  ]);

export const leadThanks = () => pick([() => "Thank you!", () => "Perfect, thanks a lot.", () => "👍"]);

export const interestTask = () =>
  pick([
    () => `Call back: interested in the ${faker.commerce.productName()}`,
    () => "Send the contract and the invoice",
    () => `Offer delivery to ${faker.location.city()} at a discount`,
  ]);

export const operatorTask = () =>
  pick([
    () => "Check the payment arrived and confirm the order",
    () => `Ask the warehouse about the ${faker.commerce.productName()}`,
  ]);

export const teamTasks = [
  "Update the bots' greeting for the holidays",
  "Review the callbacks nobody took last week",
];
