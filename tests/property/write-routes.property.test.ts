// Property-based tests of every write route and of the list routes' query strings:
// generated bodies, path params, headers and query strings go through
// app.inject(), and
//   1. no answer is a 5xx;
//   2. every 4xx is problem+json (type, title, status, detail, code), and a 400
//      validation_failed lists errors whose paths name real fields of the request;
//   3. a refused request writes nothing: every table's fingerprint is unchanged;
//   4. valid generated input is accepted, so the generators are not trivially invalid.
// Reproduce a failure with FC_SEED=<seed printed by fast-check>; FC_RUNS changes the run count.
import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAppeal, createOperator, createSource, setWeights, unique } from "../helpers/factories.js";
import { useTestApp } from "../helpers/test-app.js";
import { expectWellFormedAnswer, type RequestShape, type SentRequest } from "./answer-checks.js";
import { hostileQuery, jsonBody, type SentBody, validQuery, validText } from "./arbitraries.js";
import { type Fixture, LIST_ROUTES, ROUTE_NAMES, type WriteRoute, writeRoutes } from "./route-generators.js";
import { type Fingerprint, openTableSnapshots, type TableSnapshots } from "./table-snapshot.js";

const SEED = Number(process.env.FC_SEED ?? 20_261_122);
const NUM_RUNS = Number(process.env.FC_RUNS ?? 100);
const PROPERTY_TIMEOUT_MS = 120_000;

// AUTH=off: requests without a key run open, as on a fresh install, and an operator key still
// names its operator (PATCH /operators/me, an operator key's transfer).
const t = useTestApp({ auth: { mode: "off", host: "127.0.0.1" } });

/** Rows the generated requests aim at: created once, through the API. */
const fixture: Fixture = {
  operatorIds: [],
  sourceId: 0,
  otherSourceName: "",
  appealIds: [],
  leadIds: [],
  taskIds: [],
  botScriptIds: [],
  otherBotScriptName: "",
  archivableOperatorIds: [],
  archivableSourceIds: [],
  operatorAuthorization: "",
  selfOperatorId: 0,
  leadExternalIds: [],
  erasableLeadIds: [],
  materialIds: [],
  archivableMaterialIds: [],
  archivedMaterialId: 0,
  segmentIds: [],
  deletableSegmentIds: [],
  otherSegmentName: "",
  bookableResourceId: 0,
  narrowResourceId: 0,
  archivedResourceId: 0,
  resourceIds: [],
  archivableResourceIds: [],
  bookingIds: [],
  takenStartsAt: "",
  calendarFeedIds: [],
};
let tables: TableSnapshots;

beforeAll(async () => {
  const operators = [
    await createOperator(t.app, { max_load: 1000 }),
    await createOperator(t.app, { max_load: 1000 }),
    await createOperator(t.app, { is_active: false }),
  ];
  fixture.operatorIds = operators.map((operator) => operator.id);
  for (const name of ["property script", "property other script"]) {
    const script = await t.app.inject({
      method: "POST",
      url: "/bot-scripts",
      payload: { name, content: "hello" },
    });
    expect(script.statusCode, script.body).toBe(201);
    fixture.botScriptIds.push((script.json() as { id: number }).id);
  }
  fixture.otherBotScriptName = "property other script";
  const source = await createSource(t.app);
  fixture.sourceId = source.id;
  fixture.otherSourceName = (await createSource(t.app)).name;
  await setWeights(t.app, source.id, [
    { operator_id: fixture.operatorIds[0] as number, weight: 10 },
    { operator_id: fixture.operatorIds[1] as number, weight: 1 },
  ]);
  fixture.leadExternalIds = [unique("lead"), unique("lead")];
  const appeals = [];
  for (const externalId of fixture.leadExternalIds) {
    appeals.push(await createAppeal(t.app, { source_id: source.id, lead_external_id: externalId }));
  }
  fixture.appealIds = appeals.map((appeal) => appeal.appeal_id);
  fixture.leadIds = appeals.map((appeal) => appeal.lead_id);
  for (let i = 0; i < 3; i++) {
    fixture.erasableLeadIds.push((await createAppeal(t.app, { source_id: source.id })).lead_id);
  }
  const material = async (published: boolean) =>
    (
      await t.deps.materials.create(
        { title: unique("material"), category: "fixture", media: [], published },
        "test",
      )
    ).id;
  fixture.materialIds = [await material(true), await material(false)];
  for (let i = 0; i < 3; i++) fixture.archivableMaterialIds.push(await material(true));
  fixture.archivedMaterialId = await material(true);
  await t.deps.materials.archive(fixture.archivedMaterialId, "test");
  const segment = async (name: string) =>
    (await t.deps.segments.create({ name, filter: { consent: true } }, "test")).id;
  fixture.otherSegmentName = "property other segment";
  fixture.segmentIds = [await segment("property segment"), await segment(fixture.otherSegmentName)];
  for (let i = 0; i < 3; i++) fixture.deletableSegmentIds.push(await segment(unique("segment")));
  for (const leadId of fixture.leadIds) {
    const task = await t.app.inject({
      method: "POST",
      url: "/tasks",
      payload: { title: "fixture", lead_id: leadId },
    });
    expect(task.statusCode, task.body).toBe(201);
    fixture.taskIds.push((task.json() as { id: number }).id);
  }
  await bookingFixture();
  for (let i = 0; i < 3; i++) {
    fixture.archivableOperatorIds.push((await createOperator(t.app)).id);
    fixture.archivableSourceIds.push((await createSource(t.app)).id);
  }
  // The feeds name the bookings' fixture resources (resourceIds, archivedResourceId).
  for (let i = 0; i < 3; i++) {
    const feed = await t.deps.calendarFeeds.create(
      { label: `property feed ${i}` },
      "test",
      "http://localhost",
    );
    fixture.calendarFeedIds.push(feed.id);
  }
  fixture.selfOperatorId = (await createOperator(t.app)).id;
  const { key } = await t.deps.apiKeys.create(
    { label: "property operator", role: "operator", operatorId: fixture.selfOperatorId },
    "test",
  );
  fixture.operatorAuthorization = `Bearer ${key}`;
  // The key's first check writes its last_used_at in the background: let that land now, not
  // during a refused request whose tables must not change (the check is cached after it).
  const first = await t.app.inject({
    method: "GET",
    url: "/operators/me",
    headers: { authorization: fixture.operatorAuthorization },
  });
  expect(first.statusCode, first.body).toBe(200);
  for (let i = 0; i < 200 && (await t.deps.apiKeys.list()).every((k) => k.lastUsedAt === null); i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect((await t.deps.apiKeys.list()).map((k) => k.lastUsedAt)).toEqual([expect.any(Date)]);
  tables = await openTableSnapshots(t.testDatabase.url);
});

afterAll(async () => {
  await tables?.close();
});

/** Resources and bookings for the bookings' routes; a booking sends its reminder job, so the queue runs. */
async function bookingFixture() {
  await t.deps.jobs.start();
  const resource = async (body: object) => {
    const response = await t.app.inject({
      method: "POST",
      url: "/resources",
      payload: { name: unique("resource"), ...body },
    });
    expect(response.statusCode, response.body).toBe(201);
    return (response.json() as { id: number }).id;
  };
  fixture.bookableResourceId = await resource({});
  fixture.narrowResourceId = await resource({ opening_hours: { mon: ["10:00", "11:00"] } });
  fixture.archivedResourceId = await resource({});
  await t.deps.resources.archive(fixture.archivedResourceId, "test");
  for (let i = 0; i < 3; i++) {
    fixture.resourceIds.push(await resource({}));
    fixture.archivableResourceIds.push(await resource({}));
  }
  fixture.takenStartsAt = "2030-12-31T10:00:00.000Z";
  for (const [i, startsAt] of [fixture.takenStartsAt, "2030-12-31T14:00:00.000Z"].entries()) {
    const booking = await t.app.inject({
      method: "POST",
      url: "/bookings",
      payload: {
        lead_id: fixture.leadIds[i],
        items: [{ resource_id: fixture.bookableResourceId, starts_at: startsAt, duration_minutes: 60 }],
      },
    });
    expect(booking.statusCode, booking.body).toBe(201);
    fixture.bookingIds.push((booking.json() as { id: number }).id);
  }
}

function send(request: SentRequest) {
  const headers: Record<string, string> = { ...request.headers };
  const body = request.body;
  if (body?.contentType !== undefined) headers["content-type"] = body.contentType;
  return t.app.inject({
    method: request.method,
    url: request.url,
    headers,
    ...(body?.text !== undefined && { payload: body.text }),
  });
}

const params = { seed: SEED, numRuns: NUM_RUNS };

/** The fingerprint after the previous generated request: the next one's "before" (one query a run). */
let lastFingerprint: Fingerprint | undefined;
beforeEach(() => {
  lastFingerprint = undefined;
});

/** Properties 1 to 3 for one generated request. */
async function refusesCleanly(shape: RequestShape, request: SentRequest) {
  const before = lastFingerprint ?? (await tables.take());
  lastFingerprint = undefined;
  const response = await send(request);
  expectWellFormedAnswer(shape, request, response);
  const after = await tables.take();
  if (response.statusCode >= 400) {
    expect(after, `a refused ${request.method} ${request.url} wrote rows`).toEqual(before);
  }
  lastFingerprint = after;
  return response;
}

/** Property 4 for one valid request; returns the parsed answer for route-specific checks. */
async function accepts(request: SentRequest): Promise<unknown> {
  const response = await send(request);
  expect(
    [200, 201, 204],
    `${request.method} ${request.url} ${request.body?.text?.slice(0, 500)} -> ${response.statusCode} ${response.body.slice(0, 500)}`,
  ).toContain(response.statusCode);
  return response.statusCode === 204 ? undefined : response.json();
}

let routes: WriteRoute[] | undefined;
const routeNamed = (name: string): WriteRoute => {
  routes ??= writeRoutes(fixture);
  const route = routes.find((candidate) => candidate.name === name);
  if (!route) throw new Error(`no generator for ${name}`);
  return route;
};

function requestOf(
  route: WriteRoute,
  url: string,
  body: SentBody | undefined,
  headers?: Record<string, string>,
): SentRequest {
  return { method: route.method, url, ...(body && { body }), ...(headers && { headers }) };
}

// Every refusal runs before the valid input piles up rows, so table fingerprints stay cheap.
describe.each(ROUTE_NAMES)("%s", (name) => {
  it(
    "answers generated input with no 5xx, a well-formed problem, real error paths, and no write on refusal",
    async () => {
      const route = routeNamed(name);
      await fc.assert(
        fc.asyncProperty(
          route.url,
          route.body,
          route.headers ?? fc.constant(undefined),
          async (url, body, headers) => {
            await refusesCleanly(route.shape, requestOf(route, url, body, headers));
          },
        ),
        params,
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});

/** Every free-text field of a write route: PostgreSQL stores neither NUL nor a lone surrogate as sent. */
const TEXT_FIELDS: [route: string, field: string][] = [
  ["POST /operators", "name"],
  ["PATCH /operators/{id}", "name"],
  ["POST /sources", "name"],
  ["POST /sources", "description"],
  ["PATCH /sources/{id}", "name"],
  ["PATCH /sources/{id}", "description"],
  ["POST /bot-scripts", "name"],
  ["POST /bot-scripts", "content"],
  ["PATCH /bot-scripts/{id}", "name"],
  ["PATCH /bot-scripts/{id}", "content"],
  ["POST /appeals", "lead_external_id"],
  ["POST /appeals", "message"],
  ["POST /appeals", "lead_name"],
  ["POST /appeals", "lead_phone"],
  ["POST /appeals/{id}/messages", "text"],
  ["POST /appeals/{id}/messages", "external_id"],
  ["POST /leads/by-external-id/{external_id}/messages", "text"],
  ["POST /leads/by-external-id/{external_id}/messages", "external_id"],
  ["POST /leads/by-external-id/{external_id}/messages", "lead_name"],
  ["POST /leads/by-external-id/{external_id}/messages", "lead_phone"],
  ["POST /tasks", "title"],
  ["POST /tasks", "description"],
  ["PATCH /tasks/{id}", "title"],
  ["PATCH /tasks/{id}", "description"],
  ["POST /materials", "title"],
  ["POST /materials", "category"],
  ["POST /materials", "body"],
  ["PATCH /materials/{id}", "title"],
  ["PATCH /materials/{id}", "category"],
  ["PATCH /materials/{id}", "body"],
  ["POST /activities", "type"],
  ["POST /activities", "external_id"],
  ["PUT /bot-state/{source_id}/{chat_id}", "state"],
  ["POST /resources", "name"],
  ["POST /resources", "kind"],
  ["PATCH /resources/{id}", "name"],
  ["POST /bookings", "kind"],
  ["POST /bookings", "notes"],
  ["PATCH /bookings/{id}", "notes"],
  ["PATCH /bookings/{id}", "kind"],
  ["POST /calendar/feeds", "label"],
];

describe("text a database would store differently (NUL, a lone surrogate)", () => {
  it(
    "is refused with a 400 naming only that field, and nothing is written",
    async () => {
      const unstorable = fc
        .tuple(
          validText(40),
          fc.constantFrom("\u0000", "\ud800", "\udbff", "\udc00", "\udfff"),
          validText(40),
        )
        .map(([before, char, after]) => before + char + after);
      const cases = fc.constantFrom(...TEXT_FIELDS).chain(([name, field]) => {
        const route = routeNamed(name);
        return fc.record({
          name: fc.constant(name),
          field: fc.constant(field),
          url: route.validUrl,
          body: fc
            .tuple(route.validBody, unstorable)
            .map(([valid, text]) => jsonBody({ ...(valid?.value as object), [field]: text })),
        });
      });
      await fc.assert(
        fc.asyncProperty(cases, async ({ name, field, url, body }) => {
          const route = routeNamed(name);
          const request = requestOf(route, url, body);
          const response = await refusesCleanly(route.shape, request);
          expect(response.statusCode, response.body).toBe(400);
          const paths = (response.json() as { errors: { path: string }[] }).errors.map((e) => e.path);
          expect(new Set(paths), response.body).toEqual(new Set([field]));
        }),
        { ...params, numRuns: NUM_RUNS * 2 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});

// ------------------------------------------------------------------ list routes' query strings

describe.each(LIST_ROUTES.map((route) => ({ ...route, label: route.label ?? route.path })))(
  "GET $label",
  ({ path, fields, requiredKeys }) => {
    const shape = (): RequestShape => ({
      body: "none",
      bodyKeys: [],
      params: [],
      queryKeys: Object.keys(fields(fixture)),
      headerKeys: [],
    });

    it(
      "answers generated query strings with no 5xx, a well-formed problem, real error paths, and no write",
      async () => {
        await fc.assert(
          fc.asyncProperty(hostileQuery(fields(fixture)), async (query) => {
            await refusesCleanly(shape(), { method: "GET", url: `${path}?${query}` });
          }),
          params,
        );
      },
      PROPERTY_TIMEOUT_MS,
    );

    it(
      "accepts generated valid query strings",
      async () => {
        await fc.assert(
          fc.asyncProperty(validQuery(fields(fixture), requiredKeys), async (query) => {
            const response = await send({ method: "GET", url: `${path}?${query}` });
            expect(response.statusCode, `${path}?${query} -> ${response.body.slice(0, 500)}`).toBe(200);
          }),
          params,
        );
      },
      PROPERTY_TIMEOUT_MS,
    );
  },
);

// ------------------------------------------------------------------ valid input, last: it writes rows

describe.each(ROUTE_NAMES)("%s", (name) => {
  it(
    "accepts generated valid input",
    async () => {
      const route = routeNamed(name);
      await fc.assert(
        fc.asyncProperty(
          route.validUrl,
          route.validBody,
          route.validHeaders ?? fc.constant(undefined),
          async (url, body, headers) => {
            const request = requestOf(route, url, body, headers);
            for (const before of route.before?.(url, body) ?? []) {
              const ready = await send(before);
              expect(ready.statusCode, `${before.method} ${before.url} -> ${ready.body}`).toBeLessThan(300);
            }
            const answer = await accepts(request);
            if (headers?.["idempotency-key"] !== undefined) {
              // A retry with the same key replays the first answer.
              const replay = await send(request);
              expect(replay.statusCode, replay.body).toBe(201);
              expect(replay.headers["idempotency-replayed"]).toBe("true");
              expect(replay.json()).toEqual(answer);
            }
          },
        ),
        params,
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
