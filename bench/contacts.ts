// The contacts phase (BENCH_SCENARIOS has `contacts`): 1,000,000 leads with profiles filled in
// SQL (contacts-fill.ts), then, one request at a time as an admin's screen issues them, each
// bounded by a count and a time: phone searches (a known phone typed in another format than
// stored), name searches (a surname with a typo; a surname nobody has), a segment's page (when
// POST /segments is served), and beside them the service's floor, GET /leads/{id} of the same
// leads (this machine's speed drifts: the floor, measured in the same minute, says how much of a
// figure is the machine). Then one CSV export of every lead read to the end, with the service's
// RSS meanwhile. Each answer is checked against the data, so a fast wrong answer fails the run.
import { authHeaders } from "./api.js";
import type { Check } from "./checks.js";
import { type ContactsFill, fillContacts } from "./contacts-fill.js";
import { NOBODY, phoneTerms, searchForm, typoTerms } from "./contacts-terms.js";
import { CpuMeter } from "./cpu.js";
import { query } from "./database.js";
import type { PhaseContext } from "./phases.js";
import { type Answer, type Bound, type TimedFigures, timeSequential } from "./timed.js";

export const SEGMENT_FILTER = { tags_any: ["vip"], consent: true };

type Page = { items: { id: number; last_name: string | null; tags: string[]; consent: unknown }[] };

export type ExportFigures = {
  rows: number;
  bytes: number;
  seconds: number;
  /** CPU seconds meanwhile: the service, the PostgreSQL backends of the scratch database, this reader. */
  cpu: { service: number; database: number; reader: number };
  rssBeforeMb: number;
  rssPeakMb: number;
};

export type ContactsFigures = {
  fill: ContactsFill;
  /** GET /leads/{id}: one lead by its key, the least a request that answers a lead costs. */
  floor: TimedFigures;
  phone: TimedFigures;
  typo: TimedFigures & { medianMatches: number; maxMatches: number };
  nobody: TimedFigures;
  /** Undefined when POST /segments answered 404 (segments not merged yet). */
  segment: (TimedFigures & { members: number }) | undefined;
  export: ExportFigures;
};

const searchPath = (text: string) => `/leads?search=${encodeURIComponent(text)}`;
const itemsOf = (answer: Answer | undefined) =>
  answer?.status === 200 ? (answer.body as Page).items : undefined;

export async function contactsPhase(ctx: PhaseContext, bound: Bound): Promise<ContactsFigures> {
  const url = ctx.databaseUrl;
  ctx.log("contacts: filling 1,000,000 leads with profiles, an appeal each, material views (SQL)");
  const fill = await fillContacts(url, ctx.log);
  ctx.log(
    `contacts: filled in ${fill.seconds.toFixed(0)} s; timing searches (${bound.count} or ${bound.seconds} s each)`,
  );

  const phones = await phoneTerms(url);
  const floor = await timeSequential(
    ctx.target,
    "GET /leads/{id}",
    phones.map((t) => `/leads/${t.leadId}`),
    bound,
  );
  const phone = await timeSequential(
    ctx.target,
    "phone search",
    phones.map((t) => searchPath(t.text)),
    bound,
  );
  const found = phones.filter((t) => itemsOf(phone.answers.get(searchPath(t.text)))?.[0]?.id === t.leadId);
  ctx.checks.push(
    check(
      "phone search finds the lead first",
      found.length === phones.length,
      `${found.length} of ${phones.length} phones, each in a format it was not stored in`,
    ),
  );

  const typos = await typoTerms(url);
  const typo = await timeSequential(
    ctx.target,
    "name search, a typo",
    typos.map((t) => searchPath(t.text)),
    bound,
  );
  const namesakes = typos.filter((t) =>
    itemsOf(typo.answers.get(searchPath(t.text)))?.some((lead) => lead.last_name === t.surname),
  );
  ctx.checks.push(
    check(
      "a surname with a typo finds its namesakes on the first page",
      namesakes.length === typos.length,
      `${namesakes.length} of ${typos.length} (${typos.map((t) => t.text).join(", ")})`,
    ),
  );
  const matches = typos.map((t) => t.matches).sort((a, b) => a - b);

  const nobody = await timeSequential(ctx.target, "name search, nobody", [searchPath(NOBODY)], bound);
  const [none] = await query<{ n: number }>(
    url,
    "SELECT count(*)::int AS n FROM leads WHERE search_name %> $1",
    [searchForm(NOBODY)],
  );
  const noneItems = itemsOf(nobody.answers.get(searchPath(NOBODY)));
  ctx.checks.push(
    check(
      `"${NOBODY}" matches nobody`,
      none?.n === 0 && noneItems?.length === 0,
      `${none?.n} in the database, ${noneItems?.length} answered`,
    ),
  );

  const segment = await segmentPage(ctx, bound);
  const exported = await exportLeads(ctx);
  return {
    fill,
    floor: floor.figures,
    phone: phone.figures,
    typo: {
      ...typo.figures,
      medianMatches: matches[Math.floor(matches.length / 2)] ?? 0,
      maxMatches: matches.at(-1) ?? 0,
    },
    nobody: nobody.figures,
    segment,
    export: exported,
  };
}

/** A filter segment through POST /segments, then its first page timed; undefined while not served. */
async function segmentPage(ctx: PhaseContext, bound: Bound): Promise<ContactsFigures["segment"]> {
  const response = await fetch(`${ctx.target.baseUrl}/segments`, {
    method: "POST",
    headers: { ...authHeaders(ctx.target), "content-type": "application/json" },
    body: JSON.stringify({ name: "bench: vip with consent", filter: SEGMENT_FILTER }),
  });
  const text = await response.text();
  if (response.status === 404) {
    ctx.log(
      "contacts: POST /segments answered 404 (segments not merged yet): the segment page is not served",
    );
    return undefined;
  }
  if (response.status !== 201)
    throw new Error(`POST /segments answered ${response.status}: ${text.slice(0, 300)}`);
  const { id } = JSON.parse(text) as { id: number };
  const path = `/segments/${id}/leads?limit=50`;
  const timed = await timeSequential(ctx.target, "segment page", [path], bound);
  const [row] = await query<{ n: number }>(
    ctx.databaseUrl,
    "SELECT count(*)::int AS n FROM leads WHERE tags @> '{vip}' AND consent_given_at IS NOT NULL",
  );
  const members = row?.n ?? 0;
  const items = itemsOf(timed.answers.get(path)) ?? [];
  const right = items.filter((lead) => lead.tags.includes("vip") && lead.consent !== null);
  ctx.checks.push(
    check(
      "a segment page holds members only, a full page",
      right.length === items.length && items.length === Math.min(50, members),
      `${right.length} of ${items.length} items vip with consent; ${members} members`,
    ),
  );
  return { ...timed.figures, members };
}

/**
 * GET /exports/leads.csv of every lead (no filter: "export everything" is what admins do most, and
 * a created_at window would add a scan of the leads outside it, there being no index on it), read
 * to the end, and the service's RSS meanwhile.
 */
async function exportLeads(ctx: PhaseContext): Promise<ExportFigures> {
  const [all] = await query<{ n: number }>(ctx.databaseUrl, "SELECT count(*)::int AS n FROM leads");
  const path = "/exports/leads.csv";
  ctx.log(`contacts: GET ${path} (${all?.n} leads), read to the end`);
  const meter = new CpuMeter(ctx.databaseUrl);
  await meter.start();
  ctx.rss.resetPhase();
  const rssBeforeMb = ctx.rss.phasePeakMb();
  const reader = process.cpuUsage();
  const started = performance.now();
  const response = await fetch(`${ctx.target.baseUrl}${path}`, { headers: authHeaders(ctx.target) });
  if (!response.ok || !response.body) throw new Error(`the export answered ${response.status}`);
  let bytes = 0;
  let newlines = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    bytes += chunk.byteLength;
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) newlines++;
  }
  const seconds = (performance.now() - started) / 1000;
  const rssPeakMb = ctx.rss.phasePeakMb();
  const readerUsage = process.cpuUsage(reader);
  const cpu = {
    service: ctx.rss.phaseCpuSeconds(),
    database: (await meter.stop()).backendSeconds,
    reader: (readerUsage.user + readerUsage.system) / 1e6,
  };
  // A line per lead after the header (no lead the bench makes has a line break in its profile).
  const rows = newlines - 1;
  ctx.checks.push(check("the export has a row per lead", rows === all?.n, `${rows} rows, ${all?.n} leads`));
  return { rows, bytes, seconds, cpu, rssBeforeMb, rssPeakMb };
}

function check(name: string, ok: boolean, detail: string): Check {
  return { name: `contacts: ${name}`, ok, detail };
}
