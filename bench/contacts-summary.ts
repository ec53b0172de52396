// The contacts phase in the summary: its figures, and its rows of the targets table (the issue's
// goals: phone search < 5 ms, name search < 50 ms, a segment page < 50 ms median; the export at
// least 50,000 rows/s with the service under 250 MB).
import type { ContactsFigures } from "./contacts.js";
import { markdownTable, type Row, verdict } from "./report.js";
import type { TimedFigures } from "./timed.js";

const timedRow = (t: TimedFigures, what: string): Row => [
  t.label,
  what,
  t.requests,
  t.latencyMs.p50,
  t.latencyMs.p99,
  t.latencyMs.max,
  t.failed,
];

export function contactsTable(c: ContactsFigures): string {
  const { fill, typo } = c;
  const rows: Row[] = [
    timedRow(c.floor, "the same 20 leads by id: the floor of a request that answers a lead"),
    timedRow(c.phone, "20 phones as 8 (9xx) xxx-xx-xx, stored otherwise; half second phones"),
    timedRow(
      typo,
      `20 surnames, one letter wrong; ${typo.medianMatches} leads matched (median), ${typo.maxMatches} at most`,
    ),
    timedRow(c.nobody, "a surname no lead has"),
  ];
  rows.push(
    c.segment
      ? timedRow(c.segment, `tags_any vip, consent: page of 50 of ${c.segment.members}`)
      : ["segment page", "POST /segments: 404, not served yet", 0, "-", "-", "-", "-"],
  );
  const e = c.export;
  const perThousand = (cpuSeconds: number) => ((1e6 * cpuSeconds) / e.rows).toFixed(1);
  const table = markdownTable(
    ["contacts at 1M, one request at a time", "what", "requests", "p50 ms", "p99 ms", "max ms", "failed"],
    rows,
  );
  return (
    `contacts: ${fill.leads} leads, ${fill.appeals} appeals, ${fill.views} material views filled in ` +
    `${fill.seconds.toFixed(0)} s\n${table}\n` +
    `export of every lead: ${e.rows} leads as CSV (${(e.bytes / 2 ** 20).toFixed(0)} MB) in ${e.seconds.toFixed(1)} s, ` +
    `${(e.rows / e.seconds).toFixed(0)} rows/s; service RSS ${e.rssBeforeMb.toFixed(0)} MB before, ` +
    `${e.rssPeakMb.toFixed(0)} MB at its peak; CPU per 1000 rows: service ${perThousand(e.cpu.service)} ms, ` +
    `PostgreSQL ${perThousand(e.cpu.database)} ms, the bench reading it ${perThousand(e.cpu.reader)} ms`
  );
}

const median = (t: TimedFigures, goalMs: number): Row => [
  `${t.label} median at 1M leads`,
  `< ${goalMs} ms`,
  `${t.latencyMs.p50.toFixed(1)} ms`,
  verdict(t.latencyMs.p50 < goalMs),
];

export function contactsTargets(c: ContactsFigures): Row[] {
  const rate = c.export.rows / c.export.seconds;
  return [
    median(c.phone, 5),
    median(c.typo, 50),
    median(c.nobody, 50),
    c.segment ? median(c.segment, 50) : ["segment page median at 1M leads", "< 50 ms", "not served", "-"],
    ["export of leads, CSV", ">= 50000 rows/s", `${rate.toFixed(0)} rows/s`, verdict(rate >= 50_000)],
    [
      `RSS growth during the export of ${c.export.rows} leads`,
      "< 100 MB (200,000 leads)",
      `${(c.export.rssPeakMb - c.export.rssBeforeMb).toFixed(0)} MB`,
      verdict(c.export.rssPeakMb - c.export.rssBeforeMb < 100),
    ],
    [
      "peak RSS during the export",
      "< 250 MB",
      `${c.export.rssPeakMb.toFixed(0)} MB`,
      verdict(c.export.rssPeakMb < 250),
    ],
  ];
}
