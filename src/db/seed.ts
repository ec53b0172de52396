// npm run db:seed: fills an empty database with reproducible demo data. Everything
// goes through the services (and the request schemas), so the same validation and
// distribution rules apply as over HTTP. A database with data is left alone.
import "dotenv/config";
import { faker } from "@faker-js/faker";
import { loadConfig } from "../config.js";
import { createDeps, type Deps } from "../deps.js";
import { createAppealBodySchema } from "../modules/appeals/appeal.schemas.js";
import { createOperatorBodySchema } from "../modules/operators/operator.schemas.js";
import { createSourceBodySchema, weightsBodySchema } from "../modules/sources/source.schemas.js";
import { openDatabase } from "./database.js";
import { DEMO_SOURCES, type DemoLead, demoLead, demoMessage, seededRandom } from "./seed-data.js";

const SEED = 20261121;
const OPERATORS = 8;
const LEADS = 60;
const APPEALS = 120;
/** The audit trail's actor for everything the seed does. */
const ACTOR = "seed";

async function seed(deps: Deps): Promise<void> {
  const operators = [];
  for (let i = 0; i < OPERATORS; i++) {
    const input = { name: faker.person.fullName(), max_load: faker.number.int({ min: 3, max: 8 }) };
    // The last one is on leave: weighted, but never a candidate.
    const body = createOperatorBodySchema.parse({ ...input, is_active: i !== OPERATORS - 1 });
    operators.push(await deps.operators.create(body, ACTOR));
  }

  const sources = [];
  for (const demo of DEMO_SOURCES) {
    const { name, description, strategy } = demo;
    const source = await deps.sources.create(
      createSourceBodySchema.parse({ name, description, strategy }),
      ACTOR,
    );
    const team = faker.helpers.arrayElements(operators, { min: 3, max: 5 });
    const weights = team.map((o) => ({ operator_id: o.id, weight: faker.number.int({ min: 1, max: 30 }) }));
    await deps.sources.replaceWeights(source.id, weightsBodySchema.parse(weights), ACTOR);
    sources.push(source);
  }

  // Every lead writes once; a third of them come back, some through another channel.
  const leads = Array.from({ length: LEADS }, demoLead);
  const returning = leads.slice(0, LEADS / 3);
  const visits = [
    ...leads,
    ...Array.from({ length: APPEALS - LEADS }, () => faker.helpers.arrayElement(returning)),
  ];
  const seen = new Set<DemoLead>();
  const open: number[] = [];
  for (const lead of faker.helpers.shuffle(visits)) {
    const first = !seen.has(lead);
    seen.add(lead);
    const home = first || faker.datatype.boolean(0.6);
    const source = sources[home ? lead.home : faker.number.int({ min: 0, max: sources.length - 1 })];
    const { appeal } = await deps.appeals.create(
      createAppealBodySchema.parse({
        lead_external_id: lead.externalId,
        source_id: source?.id,
        message: demoMessage(),
        // Bots send what they know: the name always at first, contacts now and then.
        lead_name: first || faker.datatype.boolean(0.3) ? lead.name : undefined,
        lead_phone: faker.datatype.boolean(first ? 0.8 : 0.3) ? lead.phone : undefined,
        lead_email: faker.datatype.boolean(first ? 0.6 : 0.2) ? lead.email : undefined,
      }),
      ACTOR,
    );
    open.push(appeal.appeal_id);
    // Meanwhile operators handle appeals, older ones first; closing frees a slot for a pending one.
    if (faker.datatype.boolean(0.5)) {
      const [closed] = open.splice(faker.number.int({ min: 0, max: Math.min(open.length - 1, 8) }), 1);
      if (closed !== undefined) await deps.appeals.close(closed, ACTOR);
    }
  }
}

async function printSummary(deps: Deps, host: string, port: number): Promise<void> {
  const stats = await deps.stats.distribution();
  const operators = await deps.operators.list({});
  const leads = await deps.leads.list({ limit: 500 });
  const count = (key: "total_appeals" | "pending_appeals") => stats.reduce((sum, s) => sum + s[key], 0);
  const active = operators.reduce((sum, o) => sum + o.current_load, 0);
  const [total, pending] = [count("total_appeals"), count("pending_appeals")];
  const inactive = operators.filter((o) => !o.is_active).length;
  console.log(
    `Seeded ${operators.length} operators (${inactive} inactive), ${stats.length} sources, ` +
      `${leads.items.length} leads and ${total} appeals: ` +
      `${active} active, ${pending} pending, ${total - active - pending} closed.`,
  );
  for (const s of stats) {
    console.log(`  ${s.source_name.padEnd(13)} ${s.total_appeals} appeals, ${s.pending_appeals} pending`);
  }
  console.log(`Start the service (npm run dev) and open http://${host}:${port}/docs or /stats/distribution`);
}

const config = loadConfig({ ...process.env, MIGRATE_ON_START: "true" });
const log = {
  info: (message: string) => console.log(message),
  warn: (_: object, m: string) => console.warn(m),
};
const database = await openDatabase(config, log);
try {
  faker.seed(SEED);
  const deps = createDeps(database, { random: seededRandom(SEED) });
  const [operators, sources] = await Promise.all([deps.operators.list({}), deps.sources.list()]);
  if (operators.length > 0 || sources.length > 0) {
    console.log(
      `${database.description} already has ${operators.length} operator(s) and ${sources.length} source(s); ` +
        "the demo seed only fills an empty database, so nothing was changed.",
    );
  } else {
    console.log(`Seeding ${database.description}...`);
    await seed(deps);
    await printSummary(deps, config.host, config.port);
  }
} finally {
  await database.close();
}
