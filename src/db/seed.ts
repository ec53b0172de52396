// npm run db:seed: fills an empty database with reproducible demo data (seed-demo.ts): a living
// CRM for Swagger on first start. A database with data is left alone.
import "dotenv/config";
import { loadConfig } from "../config.js";
import { createDeps, type Deps } from "../deps.js";
import { openDatabase } from "./database.js";
import { demoDepsOptions, type SeedTally, seedDemo } from "./seed-demo.js";

async function printSummary(deps: Deps, tally: SeedTally, host: string, port: number): Promise<void> {
  const stats = await deps.stats.distribution();
  const operators = await deps.operators.list({});
  const leads = await deps.leads.list({ limit: 500 });
  const count = (key: "total_appeals" | "pending_appeals") => stats.reduce((sum, s) => sum + s[key], 0);
  const active = operators.reduce((sum, o) => sum + o.current_load, 0);
  const [total, pending] = [count("total_appeals"), count("pending_appeals")];
  const inactive = operators.filter((o) => !o.is_active).length;
  const { messages, tasks, contacts, segments, bookings } = tally;
  console.log(
    `Seeded ${operators.length} operators (${inactive} inactive), ${stats.length} sources, ` +
      `${tally.scripts} bot scripts (${tally.versions} versions), ${leads.items.length} leads and ` +
      `${total} appeals: ${active} active, ${pending} pending, ${total - active - pending} closed.`,
  );
  for (const s of stats) {
    console.log(`  ${s.source_name.padEnd(13)} ${s.total_appeals} appeals, ${s.pending_appeals} pending`);
  }
  console.log(
    `  messages: ${messages.lead} from leads, ${messages.bot} from bots (${messages.aiGenerated} AI-generated), ` +
      `${messages.operator} from operators`,
  );
  console.log(
    `  tasks: ${tasks.total}, ${tasks.done} done, ${tasks.overdue} overdue, ${tasks.nobody} for nobody`,
  );
  console.log(
    `  contacts: ${contacts.profiles} profiles (${contacts.russian} Russian), ${contacts.consent} with consent, ` +
      `${contacts.blocked} blocked; ${contacts.materials} materials (${contacts.published} published), ` +
      `${contacts.views} views, ${contacts.clicks} button clicks`,
    `  segments: ${segments.segments} (GET /segments): "VIP with consent", ${segments.filterLeads} leads; ` +
      `"Call back", a list of ${segments.listLeads}`,
    `  bookings: ${bookings.bookings} over a week on ${bookings.resources} resources, ${bookings.withRestRoom} ` +
      `with a rest room, ${bookings.tentative} tentative, ${bookings.cancelled} cancelled (GET /calendar)`,
  );
  console.log(`Start the service (npm run dev) and open http://${host}:${port}/docs or /stats/distribution`);
}

const config = loadConfig({ ...process.env, MIGRATE_ON_START: "true" });
const log = {
  info: (message: string) => console.log(message),
  warn: (_: object, m: string) => console.warn(m),
};
const database = await openDatabase(config, log);
try {
  // TIMEZONE: the bookings' opening hours are checked, and their days laid out, in it.
  const deps = createDeps(database, { ...demoDepsOptions(), timeZone: config.timeZone });
  console.log(`Seeding ${database.description}...`);
  const started = Date.now();
  // The job queue's schema and queues: the bookings send their reminders (run later by the service).
  await deps.jobs.start();
  const result = await seedDemo(deps, { timeZone: config.timeZone }).finally(() =>
    deps.jobs.stop({ timeoutMs: 5_000 }),
  );
  if ("operators" in result) {
    console.log(
      `${database.description} already has ${result.operators} operator(s) and ${result.sources} source(s); ` +
        "the demo seed only fills an empty database, so nothing was changed.",
    );
  } else {
    await printSummary(deps, result, config.host, config.port);
    console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
} finally {
  await database.close();
}
