// npm run db:seed's demo CRM: operators, sources with weights and a bot script each (two of them
// revised halfway, so older appeals follow version 1 and newer ones version 2), leads and their
// appeals with conversations, some closed, some pending, tasks, the leads as contacts (profiles,
// consent, the materials library and its views, two segments), and the club's resources with a
// week of bookings (seed-bookings.ts). Everything goes through the services (and the request
// schemas), so the same validation and distribution rules apply as over HTTP. Reproducible:
// faker and the distribution's draws are seeded (demoDepsOptions).
import { faker } from "@faker-js/faker";
import { addDays, localDateOf } from "../core/time-zone.js";
import type { Deps, DepsOptions } from "../deps.js";
import { createAppealBodySchema } from "../modules/appeals/appeal.schemas.js";
import {
  createBotScriptBodySchema,
  updateBotScriptBodySchema,
} from "../modules/bot-scripts/bot-script.schemas.js";
import { createOperatorBodySchema } from "../modules/operators/operator.schemas.js";
import { createSourceBodySchema, weightsBodySchema } from "../modules/sources/source.schemas.js";
import { type BookingTally, seedBookings } from "./seed-bookings.js";
import { type ContactTally, seedContacts } from "./seed-contacts.js";
import { converse, emptyMessageTally, type MessageTally } from "./seed-conversation.js";
import { DEMO_SOURCES, type DemoLead, demoLead, demoMessage, seededRandom } from "./seed-data.js";
import { DEMO_SCRIPTS } from "./seed-dialogue.js";
import { type DemoProfile, demoProfile, seedProfiles } from "./seed-profiles.js";
import { type SegmentTally, seedSegments } from "./seed-segments.js";
import { seedTasks, type TaskTally } from "./seed-tasks.js";

const SEED = 20261121;
const OPERATORS = 8;
const LEADS = 60;
const APPEALS = 120;
/** The audit trail's actor for everything the seed does. */
const ACTOR = "seed";

/** What createDeps needs for the seed to come out the same every time: the seeded draws. */
export function demoDepsOptions(): DepsOptions {
  return { random: seededRandom(SEED) };
}

export type SeedTally = {
  scripts: number;
  versions: number;
  messages: MessageTally;
  tasks: TaskTally;
  bookings: BookingTally;
  contacts: ContactTally;
  segments: SegmentTally;
};

/**
 * Where the bookings go: TIMEZONE (the one the services were built with, whose opening hours they
 * check) and the first of the week's days, by default tomorrow there.
 */
export type SeedOptions = { timeZone?: string; firstDay?: string };

/** A demo lead with its contact profile: the bots send its name, phone and e-mail with its appeals. */
type ContactLead = DemoLead & { profile: DemoProfile };

function withProfile(lead: DemoLead, profile: DemoProfile): ContactLead {
  return { ...lead, name: profile.name, phone: profile.phone, email: profile.email, profile };
}

/** What a database that is not empty has, when the seed leaves it alone. */
export type Occupied = { operators: number; sources: number };

/**
 * Seeds an empty database; one with operators or sources is left alone (its counts answered).
 * The job queue must have started: bookings send their reminders through it.
 */
export async function seedDemo(deps: Deps, options: SeedOptions = {}): Promise<SeedTally | Occupied> {
  const [operators, sources] = await Promise.all([deps.operators.list({}), deps.sources.list()]);
  if (operators.length > 0 || sources.length > 0) {
    return { operators: operators.length, sources: sources.length };
  }
  const timeZone = options.timeZone ?? "UTC";
  return seed(deps, {
    timeZone,
    firstDay: options.firstDay ?? addDays(localDateOf(new Date(), timeZone), 1),
  });
}

async function seed(deps: Deps, week: { timeZone: string; firstDay: string }): Promise<SeedTally> {
  faker.seed(SEED);
  seedProfiles(SEED);
  const operators = [];
  for (let i = 0; i < OPERATORS; i++) {
    const input = { name: faker.person.fullName(), max_load: faker.number.int({ min: 3, max: 8 }) };
    // The last one is on leave: weighted, but never a candidate.
    const body = createOperatorBodySchema.parse({ ...input, is_active: i !== OPERATORS - 1 });
    operators.push(await deps.operators.create(body, ACTOR));
  }

  const sources = [];
  const scripts = [];
  for (const [index, demo] of DEMO_SOURCES.entries()) {
    const script = DEMO_SCRIPTS[index];
    if (!script) throw new Error(`no demo script for source ${demo.name}`);
    const created = await deps.botScripts.create(
      createBotScriptBodySchema.parse({ name: script.name, content: script.content }),
      ACTOR,
    );
    scripts.push({ id: created.id, revised: script.revised });
    const { name, description, strategy } = demo;
    const source = await deps.sources.create(
      createSourceBodySchema.parse({ name, description, strategy, bot_script_id: created.id }),
      ACTOR,
    );
    const team = faker.helpers.arrayElements(operators, { min: 3, max: 5 });
    const weights = team.map((o) => ({ operator_id: o.id, weight: faker.number.int({ min: 1, max: 30 }) }));
    await deps.sources.replaceWeights(source.id, weightsBodySchema.parse(weights), ACTOR);
    sources.push(source);
  }

  // Every lead writes once; a third of them come back, some through another channel.
  const leads = Array.from({ length: LEADS }, () => withProfile(demoLead(), demoProfile()));
  const returning = leads.slice(0, LEADS / 3);
  const visits = [
    ...leads,
    ...Array.from({ length: APPEALS - LEADS }, () => faker.helpers.arrayElement(returning)),
  ];
  const seen = new Set<ContactLead>();
  const open: number[] = [];
  const messages = emptyMessageTally();
  for (const [index, lead] of faker.helpers.shuffle(visits).entries()) {
    if (index === APPEALS / 2) {
      // Halfway, some scripts get their second version: the appeals from here on record it.
      for (const script of scripts) {
        if (script.revised === undefined) continue;
        await deps.botScripts.update(
          script.id,
          updateBotScriptBodySchema.parse({ content: script.revised }),
          ACTOR,
        );
      }
    }
    const first = !seen.has(lead);
    seen.add(lead);
    const home = first || faker.datatype.boolean(0.6);
    const sourceIndex = home ? lead.home : faker.number.int({ min: 0, max: sources.length - 1 });
    const name = first || faker.datatype.boolean(0.3) ? lead.name : undefined;
    const { appeal } = await deps.appeals.create(
      createAppealBodySchema.parse({
        lead_external_id: lead.externalId,
        source_id: sources[sourceIndex]?.id,
        message: demoMessage(),
        // Bots send what they know: the name always at first, contacts now and then.
        lead_name: name,
        lead_phone: faker.datatype.boolean(first ? 0.8 : 0.3) ? lead.phone : undefined,
        lead_email: faker.datatype.boolean(first ? 0.6 : 0.2) ? lead.email : undefined,
      }),
      ACTOR,
    );
    await converse(deps, appeal, { name: name ?? null, viaTelegram: sourceIndex === 0 }, messages);
    open.push(appeal.appeal_id);
    // Meanwhile operators handle appeals, older ones first; closing frees a slot for a pending one.
    if (faker.datatype.boolean(0.5)) {
      const [closed] = open.splice(faker.number.int({ min: 0, max: Math.min(open.length - 1, 8) }), 1);
      if (closed !== undefined) await deps.appeals.close(closed, ACTOR);
    }
  }

  const revised = scripts.filter((script) => script.revised !== undefined).length;
  const tasks = await seedTasks(deps);
  const contacts = await seedContacts(deps, leads, seededRandom(SEED + 1));
  return {
    scripts: scripts.length,
    versions: scripts.length + revised,
    messages,
    tasks,
    contacts,
    segments: await seedSegments(deps),
    bookings: await seedBookings(deps, week),
  };
}
