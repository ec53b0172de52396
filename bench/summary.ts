// What the run prints at the end: the figures, the performance targets next to
// them, and the data checks. Targets are reported, never enforced: on a shared
// machine a time is a measurement, not a pass or a fail. The checks are enforced.
import type { BookingFigures } from "./bookings.js";
import type { Check } from "./checks.js";
import { sliceSeconds } from "./config.js";
import type { ContactsFigures } from "./contacts.js";
import { contactsTable, contactsTargets } from "./contacts-summary.js";
import type { HeavyFigures } from "./heavy.js";
import type { IntakeFigures, Measured, SmallLimitsFigures } from "./phases.js";
import type { ReadTiming } from "./reads.js";
import type { ReferenceFigures } from "./reference.js";
import { markdownTable, percent, type Row, verdict } from "./report.js";
import type { SnapshotFigures } from "./snapshot.js";
import type { WebhookFigures } from "./webhook.js";

export type RunResults = {
  machine: Record<string, string>;
  poolSize: number;
  seconds: number;
  /** Rounds of each intake phase: service and pgbench slices alternating. */
  rounds: number;
  intake: { figures: IntakeFigures; reference: ReferenceFigures | undefined }[];
  /** POST /appeals/{id}/messages against one insert of the same row. */
  messages: Measured | undefined;
  /** POST /bookings of random, often colliding slots: bookings/s and 409s/s. */
  bookings: BookingFigures | undefined;
  /** Intake alone and beside 10 searches and an export (the heavy reads' bulkhead). */
  heavy: HeavyFigures | undefined;
  /** Searches, a segment page and an export at 1M contacts. */
  contacts: ContactsFigures | undefined;
  webhook: WebhookFigures | undefined;
  small: SmallLimitsFigures | undefined;
  snapshot: SnapshotFigures | undefined;
  prefill: { seconds: number; appeals: number; leads: number } | undefined;
  reads: ReadTiming[];
  processPeakRssMb: number;
  checks: Check[];
};

function intakeRow({ figures, reference }: RunResults["intake"][number]): Row {
  const { load } = figures;
  const rate = load.created / load.seconds;
  return [
    figures.label,
    figures.connections,
    rate,
    load.latencyMs.p50,
    load.latencyMs.p99,
    load.latencyMs.max,
    reference ? reference.tps : Number.NaN,
    reference ? percent(rate, reference.tps) : "-",
    `${percent(figures.cpuSeconds, load.seconds)}`,
    (1000 * figures.cpuSeconds) / load.created,
    figures.rssPeakMb,
    load.non2xx + load.errors,
  ];
}

export function intakeTable(results: RunResults): string {
  const header = ["phase", "conns", "appeals/s", "p50 ms", "p99 ms", "max ms", "ref tps", "svc/ref"];
  header.push("svc CPU", "CPU ms/appeal", "peak RSS MB", "non-2xx+err");
  return markdownTable(header, results.intake.map(intakeRow));
}

/** CPU milliseconds per appeal (service) and per transaction (reference), by process. */
export function cpuTable(results: RunResults): string {
  const rows: Row[] = results.intake.map(({ figures, reference }) => {
    const n = figures.load.created;
    const service = (1000 * figures.cpuSeconds) / n;
    const db = (1000 * figures.dbCpuSeconds) / n;
    const row: Row = [figures.label, service, db, (1000 * figures.load.cpuSeconds) / n, service + db];
    if (reference) {
      const refDb = (1000 * reference.dbCpuSeconds) / reference.transactions;
      row.push(
        refDb,
        (1000 * reference.clientCpuSeconds) / reference.transactions,
        `${(db / refDb).toFixed(1)}x`,
        // The ratio if both were CPU-bound on the same cores, load generators left out.
        percent(refDb, service + db),
      );
    }
    return row;
  });
  const header = ["CPU ms per appeal", "service", "PG backends", "autocannon", "service+PG"];
  header.push("ref: PG backends", "ref: pgbench", "PG cost svc/ref", "ref/(svc+PG)");
  return markdownTable(header, rows);
}

export function messagesTable({ figures, reference }: Measured): string {
  const { load } = figures;
  const rate = load.created / load.seconds;
  const header = ["message phase", "conns", "messages/s", "p50 ms", "p99 ms", "max ms", "ref tps", "svc/ref"];
  header.push("CPU ms/message: service", "PG backends", "ref: PG backends", "non-2xx+err");
  return markdownTable(header, [
    [
      figures.label,
      figures.connections,
      rate,
      load.latencyMs.p50,
      load.latencyMs.p99,
      load.latencyMs.max,
      reference.tps,
      percent(rate, reference.tps),
      (1000 * figures.cpuSeconds) / load.created,
      (1000 * figures.dbCpuSeconds) / load.created,
      (1000 * reference.dbCpuSeconds) / reference.transactions,
      load.non2xx + load.errors,
    ],
  ]);
}

export function bookingsTable(b: BookingFigures): string {
  return markdownTable(
    [
      "bookings phase",
      "conns",
      "bookings/s",
      "409s/s",
      "p50 ms",
      "p99 ms",
      "max ms",
      "deadlocks",
      "other answers",
    ],
    [
      [
        `c${b.connections} random slots`,
        b.connections,
        b.created / b.seconds,
        b.conflicts / b.seconds,
        b.latencyMs.p50,
        b.latencyMs.p99,
        b.latencyMs.max,
        b.deadlocks,
        b.failed,
      ],
    ],
  );
}

export function heavyTable(h: HeavyFigures): string {
  const rate = (load: HeavyFigures["alone"]) => load.created / load.seconds;
  return markdownTable(
    [
      "heavy reads beside the intake",
      "appeals/s",
      "p50 ms",
      "p99 ms",
      "searches/s",
      "exports",
      "MB exported",
      "failed",
    ],
    [
      [
        `c${h.connections} alone`,
        rate(h.alone),
        h.alone.latencyMs.p50,
        h.alone.latencyMs.p99,
        "-",
        "-",
        "-",
        h.alone.non2xx + h.alone.errors,
      ],
      [
        `c${h.connections} beside ${h.searches} searches, ${h.exports} export`,
        rate(h.beside),
        h.beside.latencyMs.p50,
        h.beside.latencyMs.p99,
        h.readers.searches / h.readers.seconds,
        h.readers.exports,
        h.readers.exportedBytes / 2 ** 20,
        h.beside.non2xx + h.beside.errors + h.readers.failed,
      ],
    ],
  );
}

function rateOf(results: RunResults, label: string): number | undefined {
  const run = results.intake.find((r) => r.figures.label === label);
  return run ? run.figures.load.created / run.figures.load.seconds : undefined;
}

function refOf(results: RunResults, label: string): number | undefined {
  return results.intake.find((r) => r.figures.label === label)?.reference?.tps;
}

export function targetsTable(results: RunResults): string {
  const rows: Row[] = [];
  // c64: 0.65 since the intake statement also stores the first message and its event (issue 12).
  for (const [label, goal] of [
    ["c64", 0.65],
    ["c16", 0.5],
  ] as const) {
    const rate = rateOf(results, label);
    const ref = refOf(results, label);
    if (rate !== undefined && ref !== undefined) {
      rows.push([
        `intake ${label} / reference`,
        `>= ${goal * 100}%`,
        percent(rate, ref),
        verdict(rate >= goal * ref),
      ]);
    }
  }
  const c64 = results.intake.find((r) => r.figures.label === "c64")?.figures.load.latencyMs;
  if (c64)
    rows.push(["p99 / p50 at c64", "<= 5", (c64.p99 / c64.p50).toFixed(1), verdict(c64.p99 <= 5 * c64.p50)]);
  const plain = rateOf(results, "c64");
  const hooked = rateOf(results, "c64-webhook");
  if (plain !== undefined && hooked !== undefined && results.webhook) {
    rows.push([
      "intake with a webhook / without, c64",
      ">= 85%",
      percent(hooked, plain),
      verdict(hooked >= 0.85 * plain),
    ]);
    const refPlain = refOf(results, "c64");
    const refHooked = refOf(results, "c64-webhook");
    if (refPlain && refHooked) {
      const normalised = hooked / refHooked / (plain / refPlain);
      rows.push([
        "  the same, each over its pgbench",
        ">= 85%",
        percent(normalised, 1),
        verdict(normalised >= 0.85),
      ]);
    }
    const p50 = results.webhook.commitToDeliveryMs.p50;
    rows.push(["webhook commit to delivery, median", "< 250 ms", `${p50.toFixed(0)} ms`, verdict(p50 < 250)]);
  }
  const empty = rateOf(results, "c64");
  const full = rateOf(results, "1M-c64");
  if (empty !== undefined && full !== undefined) {
    rows.push(["intake 1M / empty, c64", ">= 80%", percent(full, empty), verdict(full >= 0.8 * empty)]);
    const refEmpty = refOf(results, "c64");
    const refFull = refOf(results, "1M-c64");
    if (refEmpty && refFull) {
      const normalised = full / refFull / (empty / refEmpty);
      rows.push([
        "  the same, each over its pgbench",
        ">= 80%",
        percent(normalised, 1),
        verdict(normalised >= 0.8),
      ]);
    }
  }
  if (results.heavy) {
    const { alone, beside } = results.heavy;
    const ratio = beside.created / beside.seconds / (alone.created / alone.seconds);
    rows.push([
      "intake beside 10 searches and an export / alone, c64",
      ">= 80%",
      percent(ratio, 1),
      verdict(ratio >= 0.8),
    ]);
  }
  for (const read of results.reads) {
    rows.push([
      `GET ${read.path} median`,
      "< 200 ms",
      `${read.medianMs.toFixed(1)} ms`,
      verdict(read.medianMs < 200),
    ]);
  }
  if (results.contacts) rows.push(...contactsTargets(results.contacts));
  rows.push(["peak RSS of the service", "< 250 MB", `${results.processPeakRssMb.toFixed(0)} MB`]);
  (rows.at(-1) as Row).push(verdict(results.processPeakRssMb < 250));
  return markdownTable(["target", "goal", "measured", ""], rows);
}

export function readsTable(reads: ReadTiming[]): string {
  return markdownTable(
    ["read at 1M appeals", "status", "bytes", "median ms", "max ms"],
    reads.map((r) => [`GET ${r.path}`, r.status, r.bytes, r.medianMs, r.maxMs]),
  );
}

export function smallTable(small: SmallLimitsFigures): string {
  const { load, closer } = small;
  return markdownTable(
    [
      "small limits, c64",
      "appeals/s",
      "p50 ms",
      "p99 ms",
      "closes/s",
      "assigned",
      "pending at end",
      "non-2xx+err",
    ],
    [
      [
        "limits 1..5",
        load.created / load.seconds,
        load.latencyMs.p50,
        load.latencyMs.p99,
        closer.closed / closer.seconds,
        small.assignedTotal,
        small.pendingAtEnd,
        load.non2xx + load.errors + closer.failed,
      ],
    ],
  );
}

export function snapshotTable(s: SnapshotFigures): string {
  return markdownTable(
    [
      "drain under a long snapshot",
      "appeals",
      "drained",
      "seconds",
      "drained/s",
      "intake p50 ms, snapshot open",
      "after it ends",
      "after VACUUM",
    ],
    [
      [
        s.finished ? "finished" : "cut at the cap",
        s.appeals,
        s.drained,
        s.drainSeconds,
        s.drained / s.drainSeconds,
        s.intakeMs.underSnapshot,
        s.intakeMs.afterSnapshot,
        s.intakeMs.afterVacuum,
      ],
    ],
  );
}

export function webhookTable(w: WebhookFigures): string {
  return markdownTable(
    [
      "webhook, every event",
      "deliveries/s",
      "delivered",
      "undelivered after 120 s",
      "commit to delivery p50 ms",
      "p99 ms",
      "max ms",
    ],
    [
      [
        w.intake.figures.label,
        w.deliveriesPerSecond,
        w.delivered,
        w.undelivered,
        w.commitToDeliveryMs.p50,
        w.commitToDeliveryMs.p99,
        w.commitToDeliveryMs.max,
      ],
    ],
  );
}

export function checksList(checks: Check[]): string {
  return checks.map((c) => `${c.ok ? "ok  " : "FAIL"} ${c.name}: ${c.detail}`).join("\n");
}

/** "20 s per measured phase in 4 rounds", and the slices when rounding changed the total. */
function measuredTime({ seconds, rounds }: RunResults): string {
  const slice = sliceSeconds(seconds, rounds);
  const slices = slice * rounds === seconds ? "" : ` (${rounds} x ${slice} s)`;
  return `${seconds} s per measured phase in ${rounds} rounds${slices}`;
}

export function printSummary(results: RunResults, print: (text: string) => void): void {
  const machine = Object.entries(results.machine)
    .map(([k, v]) => `${k}: ${v}`)
    .join(", ");
  print(`\nmachine: ${machine}`);
  print(`service pool size ${results.poolSize}, ${measuredTime(results)} alternating with pgbench\n`);
  if (results.intake.length > 0) {
    print(intakeTable(results));
    print(`\n${cpuTable(results)}`);
  }
  if (results.messages) print(`\n${messagesTable(results.messages)}`);
  if (results.bookings) print(`\n${bookingsTable(results.bookings)}`);
  if (results.heavy) print(`\n${heavyTable(results.heavy)}`);
  if (results.webhook) print(`\n${webhookTable(results.webhook)}`);
  if (results.small) print(`\n${smallTable(results.small)}`);
  if (results.snapshot) print(`\n${snapshotTable(results.snapshot)}`);
  if (results.prefill) {
    const p = results.prefill;
    print(
      `\nprefill: ${p.appeals} appeals, ${p.leads} leads in the database (${p.seconds.toFixed(0)} s to fill)`,
    );
  }
  if (results.reads.length > 0) print(`\n${readsTable(results.reads)}`);
  if (results.contacts) print(`\n${contactsTable(results.contacts)}`);
  print(`\n${targetsTable(results)}`);
  print(`\nchecks:\n${checksList(results.checks)}`);
}
