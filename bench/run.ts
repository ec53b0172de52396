// `npm run bench`: the intake benchmark (see docs/PERFORMANCE.md). Creates a
// scratch database, starts the built service on it, runs the phases, prints
// the figures and the checks, and drops the database, also on failure and
// Ctrl-C. Exits non-zero when a data check fails; times are reported, not enforced.
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { bookingsPhase } from "./bookings.js";
import { loadBenchConfig } from "./config.js";
import { contactsPhase } from "./contacts.js";
import { createScratchDatabase, type ScratchDatabase, serverInfo } from "./database.js";
import { heavyReadsPhase } from "./heavy.js";
import { messagePhase } from "./messages.js";
import * as phases from "./phases.js";
import { setUpReference } from "./reference.js";
import { RssSampler } from "./rss.js";
import { loadScenario } from "./scenario.js";
import { ensureBuilt, type Service, startService } from "./service.js";
import { snapshotDrain } from "./snapshot.js";
import { printSummary, type RunResults } from "./summary.js";
import { webhookPhase } from "./webhook.js";
import { killWorkers } from "./worker.js";

const started = performance.now();
const log = (line: string) => {
  const elapsed = ((performance.now() - started) / 1000).toFixed(0).padStart(4);
  console.log(`[bench ${elapsed} s] ${line}`);
};

let database: ScratchDatabase | undefined;
let service: Service | undefined;
let keepDatabase = false;

async function cleanUp(): Promise<void> {
  killWorkers();
  await service?.stop().catch((error: unknown) => console.error("stopping the service:", error));
  if (database && !keepDatabase) {
    await database.drop().catch((error: unknown) => console.error("dropping the scratch database:", error));
  } else if (database) {
    log(`kept the scratch database: ${database.url}`);
  }
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping and dropping the scratch database`);
    void cleanUp().finally(() => process.exit(130));
  });
}

async function main(): Promise<boolean> {
  const config = loadBenchConfig();
  keepDatabase = config.keepDatabase;
  for (const file of ["reference-setup.sql", "reference-assign.sql", "reference-message.sql"]) {
    if (!existsSync(join(config.referenceDir, file))) {
      throw new Error(`${file} not found in ${config.referenceDir} (set BENCH_REFERENCE_DIR)`);
    }
  }
  if (spawnSync("pgbench", ["--version"]).status !== 0) throw new Error("pgbench is not on the PATH");
  if (config.serviceDir === config.root) ensureBuilt(config.root, log);
  else log(`measuring the build in ${config.serviceDir} (not rebuilt)`);

  database = await createScratchDatabase(config.adminUrl);
  log(`scratch database ${database.name}`);
  const machine = {
    cpus: `${cpus().length} x ${cpus()[0]?.model ?? "?"}`,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    ...(await serverInfo(database.url)),
  };
  service = await startService({
    root: config.serviceDir,
    databaseUrl: database.url,
    nodeOptions: config.serviceNodeOptions,
    poolSize: config.poolSize,
    cpuProfileDir: config.cpuProfileDir,
  });
  log(`service pid ${service.pid} at ${service.target.baseUrl}, pool size ${config.poolSize}`);
  const rss = new RssSampler(service.pid);
  const results: RunResults = {
    machine,
    poolSize: config.poolSize,
    seconds: config.seconds,
    rounds: config.rounds,
    intake: [],
    messages: undefined,
    bookings: undefined,
    heavy: undefined,
    contacts: undefined,
    webhook: undefined,
    small: undefined,
    snapshot: undefined,
    prefill: undefined,
    reads: [],
    processPeakRssMb: 0,
    checks: [],
  };
  const ctx: phases.PhaseContext = {
    target: service.target,
    databaseUrl: database.url,
    referenceDir: config.referenceDir,
    seconds: config.seconds,
    rounds: config.rounds,
    warmupSeconds: config.warmupSeconds,
    rss,
    log,
    checks: results.checks,
  };

  await setUpReference(database.url, config.referenceDir);
  const scenario = await loadScenario(service.target, { prefix: "bench", maxLoad: () => 10_000 });
  log("scenario loaded through the API: 5 sources x 20 operators, max_load 10000");

  for (const connections of config.concurrencies) {
    results.intake.push(await phases.intakeWithReference(ctx, scenario, `c${connections}`, connections));
    await phases.closeEverything(ctx);
  }
  if (config.scenarios.has("messages")) {
    results.messages = await messagePhase(ctx, scenario, config.highConcurrency);
    await phases.closeEverything(ctx);
  }
  if (config.scenarios.has("bookings")) {
    results.bookings = await bookingsPhase(ctx, scenario, config.highConcurrency);
  }
  if (config.scenarios.has("webhook")) {
    results.webhook = await webhookPhase(ctx, scenario, config.highConcurrency);
    results.intake.push(results.webhook.intake);
    await phases.closeEverything(ctx);
  }
  if (config.scenarios.has("small")) {
    results.small = await phases.smallLimits(ctx, config.highConcurrency);
  }
  if (config.scenarios.has("snapshot")) {
    results.snapshot = await snapshotDrain(ctx, config.snapshotAppeals);
  }
  if (config.scenarios.has("prefill")) {
    results.prefill = await phases.prefill(ctx);
    const label = `1M-c${config.highConcurrency}`;
    results.intake.push(await phases.intakeWithReference(ctx, scenario, label, config.highConcurrency));
    await phases.closeEverything(ctx);
    results.reads = await phases.reads(ctx, config.readRepeats);
  }
  // After the prefill when both run: searches and exports over 200,000 leads and more.
  if (config.scenarios.has("heavy")) {
    results.heavy = await heavyReadsPhase(ctx, scenario, config.highConcurrency);
    await phases.closeEverything(ctx);
  }
  // Last: its million leads would change what the phases above read.
  if (config.scenarios.has("contacts")) {
    results.contacts = await contactsPhase(ctx, {
      count: config.contactsRequests,
      seconds: config.contactsSeconds,
    });
  }
  results.processPeakRssMb = rss.processPeakMb();
  rss.stop();

  printSummary(results, (text) => console.log(text));
  if (config.outputFile) writeFileSync(config.outputFile, `${JSON.stringify(results, null, 2)}\n`);
  log("done");
  return results.checks.every((check) => check.ok);
}

main()
  .then(async (ok) => {
    await cleanUp();
    if (!ok) console.error("\nbench: a data check failed");
    process.exit(ok ? 0 : 1);
  })
  .catch(async (error: unknown) => {
    console.error("bench failed:", error);
    await cleanUp();
    process.exit(1);
  });
