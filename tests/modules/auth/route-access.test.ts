// Every registered route × every kind of caller. The routes are read from the
// router itself (app.printRoutes), not from a list kept here, so a new route is
// checked as soon as it exists; the expected answers follow the roles of README.md:
// admin everything, viewer every GET, intake POST /appeals and GET /appeals/{id}, intake and
// operator keys an appeal's conversation (POST and GET /appeals/{id}/messages), intake keys a
// lead's open conversation (POST /leads/by-external-id/{external_id}/messages);
// /health, /ready and /docs public. An intake key scoped to sources reaches
// the same routes: its scope answers 404 inside them, never 403. An operator key
// reads GET /appeals and GET /appeals/{id}, closes and transfers (PATCH /appeals/{id}/close and
// /assign), and there only its own operator's appeals: another operator's is the 404 of a missing
// one; likewise its tasks (POST /tasks for itself, GET /tasks, GET and PATCH /tasks/{id}), which
// bots may also create; and GET and PATCH /operators/me, its own availability, which is for
// operator keys alone (admins included get a 403: they have no "me"). Every route with an id that
// an operator key reaches is checked object by object (own / another operator's / missing), the
// list of them read from the router too. Bots also read materials (GET /materials, GET
// /materials/{id}: published ones, filtered inside) and record activities (POST /activities);
// viewers read timelines and stats, and export leads and appeals (GET /exports/*: viewer or admin,
// tests/modules/exports/export-access.test.ts). Bots read the bot script they follow (GET /bot-scripts/{id}
// and its versions; a scoped key only its sources' scripts:
// tests/modules/bot-scripts/bot-script-access.test.ts). Bots keep their dialog state (GET, PUT and
// DELETE /bot-state/{source_id}/{chat_id}; viewers read it: tests/modules/bot-state/bot-state-access.test.ts).
// GET /events/stream is open to every role, each seeing its own part of the log
// (tests/modules/events/event-stream.test.ts). Resources, bookings, the calendar and availability
// follow the default rule: admin writes, viewer reads, intake and operator keys get a 403.
// GET /calendar.ics
// is public to the API-key check but not open: a calendar feed's token in its URL is its credential
// (calendar apps send no headers), so without one it is a 401 whatever key is sent, and with one
// it serves whatever key is sent (tests/modules/calendar-feeds/calendar-feed.routes.test.ts); the
// feed tokens themselves (/calendar/feeds) are for admins.
import diagnostics from "node:diagnostics_channel";
import type { FastifyInstance, HTTPMethods, LightMyRequestResponse } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../../src/app.js";
import type { Role } from "../../../src/modules/auth/principal.js";
import { useTestApp } from "../../helpers/test-app.js";
import { expectProblem, PROBLEM_CONTENT_TYPE } from "../../http/problem-assertions.js";

/** `access`: the rule the route declared itself (the docs' routes get theirs later, from the auth plugin). */
type Route = { method: HTTPMethods; url: string; access?: unknown };

/**
 * Every route each Fastify instance registers, recorded by an onRoute hook added the moment
 * the instance is created (Fastify announces it on this diagnostics channel), so before buildApp
 * adds a single route and whatever the auth plugin does.
 */
const registered = new WeakMap<object, Route[]>();
diagnostics.subscribe("fastify.initialization", (message) => {
  const { fastify } = message as { fastify: FastifyInstance };
  const routes: Route[] = [];
  registered.set(fastify, routes);
  fastify.addHook("onRoute", (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      routes.push({ method: method as HTTPMethods, url: route.url, access: route.config?.access });
    }
  });
});

const PUBLIC = [/^\/health$/, /^\/ready$/, /^\/docs$/, /^\/docs\/.*/];
/**
 * Public to the API-key check, authenticated by a token of their own in the query: the calendar
 * feed. No API key opens it (any key is ignored), so without the token every caller gets its 401.
 */
const TOKEN_AUTHENTICATED = new Set(["/calendar.ics"]);
/**
 * Where a route is stricter than "viewer reads everything": the audit trail, the API keys and
 * the webhooks (their URLs and delivery logs) are for admins.
 */
const ADMIN_ONLY_READS = new Set([
  "/audit",
  "/api-keys",
  "/webhooks",
  "/webhooks/:id",
  "/webhooks/:id/deliveries",
  "/calendar/feeds",
]);

function isPublic(url: string): boolean {
  return PUBLIC.some((pattern) => pattern.test(url));
}

/** The live stream: every role may open it; what each sees is filtered inside it. */
const STREAM = "/events/stream";
/** An appeal's conversation. */
const MESSAGES = "/appeals/:id/messages";
/**
 * An operator key's own operator (its availability). The one exception to "admin may do
 * everything": an admin key names no operator, so there is no "me" to read or set, and it gets
 * the 403 of a wrong role (not a 404: no id was named that could leak). Admins use /operators/{id}.
 */
const SELF = "/operators/me";
/** A lead's open conversation through a source (sticky): bots post to it, operators do not. */
const LEAD_MESSAGES = "/leads/by-external-id/:external_id/messages";
/** The script a bot follows, and its versions: bots read them. */
const BOT_SCRIPT_READS = ["/bot-scripts/:id", "/bot-scripts/:id/versions"];
/** A chat's dialog state: bots read, write and delete it. */
const BOT_STATE = "/bot-state/:source_id/:chat_id";

function allowed(role: Role, { method, url }: Route): boolean {
  if (url === SELF) return role === "operator";
  // Nobody by key: the token is its credential (the checks below expect its own 401).
  if (TOKEN_AUTHENTICATED.has(url)) return false;
  if (isPublic(url) || role === "admin" || url === STREAM) return true;
  const read = method === "GET" || method === "HEAD";
  if (role === "viewer") return read && !ADMIN_ONLY_READS.has(url);
  // A conversation: intake and operator keys post in it (the sender each may use is the
  // service's 403, tests/modules/messages/message-roles.test.ts) and read it.
  if (url === MESSAGES) return read || method === "POST";
  // Operator keys close and transfer their own appeals (reopen stays admin's); they create,
  // read and change their own tasks, which bots create too.
  if (role === "operator") {
    return (
      (read && ["/appeals", "/appeals/:id", "/tasks", "/tasks/:id"].includes(url)) ||
      (method === "POST" && url === "/tasks") ||
      (method === "PATCH" && ["/tasks/:id", "/appeals/:id/close", "/appeals/:id/assign"].includes(url))
    );
  }
  // Bots: intake, their appeals and a lead's open conversation, tasks, the materials they show
  // (published ones, inside the route), the activities they record, the scripts they follow and
  // their dialog state.
  return (
    url === BOT_STATE ||
    (method === "POST" && ["/appeals", "/tasks", "/activities", LEAD_MESSAGES].includes(url)) ||
    (read && ["/appeals/:id", "/materials", "/materials/:id", ...BOT_SCRIPT_READS].includes(url))
  );
}

/** A concrete URL for a route pattern; ids that do not exist: the handler's answer does not matter here. */
function concrete(url: string): string {
  return url
    .replace(/:external_id/g, "ext-1")
    .replace(/:[a-z_]+/g, "424242")
    .replace(/\*$/, "index.css");
}

const t = useTestApp();
/** The kinds of key tried against every route, and the role whose rules each follows. */
const KINDS = [
  ["admin", "admin"],
  ["intake", "intake"],
  ["viewer", "viewer"],
  ["scoped intake", "intake"],
  ["operator", "operator"],
] as const;
const keys = {} as Record<(typeof KINDS)[number][0] | "revoked" | "other operator", string>;
let routes: Route[] = [];
/** Two operators, each with one appeal of its own (each the only operator of its source). */
const own = { operator: 0, otherOperator: 0, appeal: 0, otherAppeal: 0 };

async function operatorWithAppeal(name: string): Promise<{ operatorId: number; appealId: number }> {
  const operator = await t.deps.operators.create({ name, is_active: true, max_load: 5 }, "test");
  const source = await t.deps.sources.create({ name: `${name}'s source`, strategy: "weighted" }, "test");
  await t.deps.sources.replaceWeights(source.id, [{ operator_id: operator.id, weight: 1 }], "test");
  const { appeal } = await t.deps.appeals.create(
    { source_id: source.id, lead_external_id: `lead of ${name}` },
    "test",
  );
  expect(appeal.operator?.id).toBe(operator.id);
  return { operatorId: operator.id, appealId: appeal.appeal_id };
}

beforeAll(async () => {
  for (const role of ["admin", "intake", "viewer"] as const) {
    keys[role] = (await t.deps.apiKeys.create({ label: `route-access ${role}`, role }, "test")).key;
  }
  const source = await t.deps.sources.create({ name: "route-access source", strategy: "weighted" }, "test");
  keys["scoped intake"] = (
    await t.deps.apiKeys.create(
      { label: "route-access scoped intake", role: "intake", sourceIds: [source.id] },
      "test",
    )
  ).key;
  const a = await operatorWithAppeal("route-access operator A");
  const b = await operatorWithAppeal("route-access operator B");
  Object.assign(own, {
    operator: a.operatorId,
    otherOperator: b.operatorId,
    appeal: a.appealId,
    otherAppeal: b.appealId,
  });
  keys.operator = (
    await t.deps.apiKeys.create(
      { label: "route-access operator A", role: "operator", operatorId: a.operatorId },
      "test",
    )
  ).key;
  keys["other operator"] = (
    await t.deps.apiKeys.create(
      { label: "route-access operator B", role: "operator", operatorId: b.operatorId },
      "test",
    )
  ).key;
  const revoked = await t.deps.apiKeys.create({ label: "route-access revoked", role: "admin" }, "test");
  await t.deps.apiKeys.revoke(revoked.apiKey.id, "test");
  keys.revoked = revoked.key;
  routes = registered.get(t.app) ?? [];
});

type Answer = Pick<LightMyRequestResponse, "statusCode" | "headers" | "body"> & { json(): unknown };

async function call(route: Route, authorization?: string): Promise<Answer> {
  const request = {
    method: route.method,
    url: concrete(route.url),
    headers: authorization ? { authorization } : {},
  };
  if (route.url !== STREAM) return t.app.inject(request);
  // A stream that is let through never ends: take its head, and the body of a refusal only.
  const response = await t.app.inject({ ...request, payloadAsStream: true });
  const stream = response.stream();
  if (response.statusCode === 200) {
    expect(response.headers["content-type"]).toBe("text/event-stream");
    stream.destroy(); // the app's close ends the stream on its side
    return { statusCode: 200, headers: response.headers, body: "", json: () => undefined };
  }
  let body = "";
  for await (const chunk of stream) body += String(chunk);
  return { statusCode: response.statusCode, headers: response.headers, body, json: () => JSON.parse(body) };
}

/** The feed's own 401 without its token: problem+json, no challenge (no header scheme carries the token). */
function expectTokenRefused(response: Answer, route: Route) {
  const label = `${route.method} ${route.url}`;
  expect(response.statusCode, label).toBe(401);
  expect(response.headers["www-authenticate"], label).toBeUndefined();
  if (route.method !== "HEAD") {
    expect(response.headers["content-type"], label).toBe(PROBLEM_CONTENT_TYPE);
    expect(response.json(), label).toMatchObject({ status: 401, code: "unauthorized" });
  }
}

function expectUnauthorized(response: Answer, route: Route) {
  const label = `${route.method} ${route.url}`;
  expect(response.statusCode, label).toBe(401);
  expect(response.headers["www-authenticate"], label).toMatch(/^Bearer\b/);
  if (route.method !== "HEAD") {
    expect(response.headers["content-type"], label).toBe(PROBLEM_CONTENT_TYPE);
    expect(response.json(), label).toMatchObject({ status: 401, code: "unauthorized" });
  }
}

describe("the route list", () => {
  it("holds every route of the contract, both weight methods, the docs' own routes", () => {
    const names = routes.map((route) => `${route.method} ${route.url}`);
    expect(names).toEqual(
      expect.arrayContaining([
        "POST /sources/:id/weights",
        "PUT /sources/:id/weights",
        "GET /sources/:id/weights",
        "POST /appeals",
        "GET /appeals/:id",
        "PATCH /appeals/:id/close",
        "GET /appeals/leads/:id/appeals",
        "GET /leads/by-external-id/:external_id",
        "GET /events/stream",
        "GET /health",
        "HEAD /health",
        "GET /calendar.ics",
        "HEAD /calendar.ics",
        "GET /docs",
        "GET /docs/json",
        "GET /docs/static/*",
      ]),
    );
    for (const route of routes) {
      expect(t.app.hasRoute({ method: route.method, url: route.url }), `${route.method} ${route.url}`).toBe(
        true,
      );
    }
    expect(routes.length).toBeGreaterThan(40);
  });
});

describe.each([
  ["no key", undefined],
  ["an unknown key", "Bearer lds_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"],
  ["a malformed key", "Bearer not-a-key"],
  ["another scheme", "Basic YWRtaW46YWRtaW4="],
] as const)("with %s", (_, authorization) => {
  it("every protected route answers 401 problem+json with WWW-Authenticate, every public one serves", async () => {
    for (const route of routes) {
      const response = await call(route, authorization);
      const label = `${route.method} ${route.url}`;
      if (TOKEN_AUTHENTICATED.has(route.url)) expectTokenRefused(response, route);
      else if (isPublic(route.url)) expect([401, 403], label).not.toContain(response.statusCode);
      else expectUnauthorized(response, route);
    }
  });
});

describe("with a revoked admin key", () => {
  it("every protected route answers 401", async () => {
    for (const route of routes) {
      const response = await call(route, `Bearer ${keys.revoked}`);
      const label = `${route.method} ${route.url}`;
      if (TOKEN_AUTHENTICATED.has(route.url)) expectTokenRefused(response, route);
      else if (isPublic(route.url)) expect([401, 403], label).not.toContain(response.statusCode);
      else expectUnauthorized(response, route);
    }
  });
});

describe.each(KINDS)("with a valid %s key", (kind, role) => {
  it("the routes its role allows pass authorisation, the others answer 403 problem+json", async () => {
    const verdicts: string[] = [];
    for (const route of routes) {
      const response = await call(route, `Bearer ${keys[kind]}`);
      const label = `${route.method} ${route.url}`;
      if (TOKEN_AUTHENTICATED.has(route.url)) {
        expectTokenRefused(response, route);
      } else if (allowed(role, route)) {
        expect([401, 403], `${label}: ${response.body}`).not.toContain(response.statusCode);
        verdicts.push(`${label} allowed`);
      } else {
        expect(response.statusCode, label).toBe(403);
        if (route.method !== "HEAD") {
          expect(response.headers["content-type"], label).toBe(PROBLEM_CONTENT_TYPE);
          expect(response.json(), label).toMatchObject({ status: 403, code: "forbidden" });
        }
      }
    }
    if (role === "intake") {
      expect(verdicts.filter((v) => !isPublic(v.split(" ")[1] ?? ""))).toEqual([
        "GET /bot-scripts/:id allowed",
        "HEAD /bot-scripts/:id allowed",
        "GET /bot-scripts/:id/versions allowed",
        "HEAD /bot-scripts/:id/versions allowed",
        "POST /appeals allowed",
        "GET /appeals/:id allowed",
        "HEAD /appeals/:id allowed",
        "POST /appeals/:id/messages allowed",
        "GET /appeals/:id/messages allowed",
        "HEAD /appeals/:id/messages allowed",
        "POST /leads/by-external-id/:external_id/messages allowed",
        "POST /tasks allowed",
        "GET /materials allowed",
        "HEAD /materials allowed",
        "GET /materials/:id allowed",
        "HEAD /materials/:id allowed",
        "POST /activities allowed",
        "GET /bot-state/:source_id/:chat_id allowed",
        "HEAD /bot-state/:source_id/:chat_id allowed",
        "PUT /bot-state/:source_id/:chat_id allowed",
        "DELETE /bot-state/:source_id/:chat_id allowed",
        "GET /events/stream allowed",
      ]);
    }
    if (role === "operator") {
      expect(verdicts.filter((v) => !isPublic(v.split(" ")[1] ?? ""))).toEqual([
        "GET /operators/me allowed",
        "HEAD /operators/me allowed",
        "PATCH /operators/me allowed",
        "GET /appeals allowed",
        "HEAD /appeals allowed",
        "GET /appeals/:id allowed",
        "HEAD /appeals/:id allowed",
        "PATCH /appeals/:id/close allowed",
        "PATCH /appeals/:id/assign allowed",
        "POST /appeals/:id/messages allowed",
        "GET /appeals/:id/messages allowed",
        "HEAD /appeals/:id/messages allowed",
        "POST /tasks allowed",
        "GET /tasks allowed",
        "HEAD /tasks allowed",
        "GET /tasks/:id allowed",
        "HEAD /tasks/:id allowed",
        "PATCH /tasks/:id allowed",
        "GET /events/stream allowed",
      ]);
    }
  });

  it("the key is also accepted with a lower-case scheme", async () => {
    const response = await t.app.inject({
      method: "GET",
      url: "/appeals/424242",
      headers: { authorization: `bearer ${keys[kind]}` },
    });
    expect(response.statusCode).toBe(404);
  });
});

describe("an operator key, object by object", () => {
  const get = (key: string, url: string, method: "GET" | "HEAD" = "GET") =>
    t.app.inject({ method, url, headers: { authorization: `Bearer ${key}` } });
  type Page = { items: { id: number; operator: { id: number } | null }[]; next_cursor: string | null };

  it("reads its own appeal (200); another operator's answers the 404 of a missing one", async () => {
    const mine = await get(keys.operator, `/appeals/${own.appeal}`);
    expect(mine.statusCode, mine.body).toBe(200);
    expect(mine.json()).toMatchObject({ id: own.appeal, operator: { id: own.operator }, status: "active" });

    const theirs = await get(keys.operator, `/appeals/${own.otherAppeal}`);
    const missing = await get(keys.operator, "/appeals/424242");
    const { request_id: _, instance: __, ...other } = expectProblem(theirs, 404, "not_found");
    const { request_id: ___, instance: ____, ...none } = expectProblem(missing, 404, "not_found");
    expect(other).toEqual({ ...none, detail: `Appeal ${own.otherAppeal} does not exist.` });
    expect(theirs.body).not.toContain("operator B");
    expect((await get(keys.operator, `/appeals/${own.otherAppeal}`, "HEAD")).statusCode).toBe(404);

    // And the other way round.
    expect((await get(keys["other operator"], `/appeals/${own.otherAppeal}`)).statusCode).toBe(200);
    expect((await get(keys["other operator"], `/appeals/${own.appeal}`)).statusCode).toBe(404);
    // Admins see both.
    for (const id of [own.appeal, own.otherAppeal]) {
      expect((await get(keys.admin, `/appeals/${id}`)).statusCode).toBe(200);
    }
  });

  it("reads and writes its own appeal's conversation; another operator's answers the 404 of a missing one", async () => {
    const mine = await get(keys.operator, `/appeals/${own.appeal}/messages`);
    expect(mine.statusCode, mine.body).toBe(200);
    const theirs = await get(keys.operator, `/appeals/${own.otherAppeal}/messages`);
    const { request_id: _, instance: __, ...other } = expectProblem(theirs, 404, "not_found");
    const {
      request_id: ___,
      instance: ____,
      ...none
    } = expectProblem(await get(keys.operator, "/appeals/424242/messages"), 404, "not_found");
    expect(other).toEqual({ ...none, detail: `Appeal ${own.otherAppeal} does not exist.` });
    const post = (key: string, id: number) =>
      t.app.inject({
        method: "POST",
        url: `/appeals/${id}/messages`,
        headers: { authorization: `Bearer ${key}` },
        payload: { text: "route-access reply", sender: "operator" },
      });
    const written = await post(keys.operator, own.appeal);
    expect(written.statusCode, written.body).toBe(201);
    expect(written.json()).toMatchObject({ appeal_id: own.appeal, operator_id: own.operator });
    expectProblem(await post(keys.operator, own.otherAppeal), 404, "not_found");
    expectProblem(await post(keys["other operator"], own.appeal), 404, "not_found");
  });

  it("lists its own appeals only, whatever the filter asks for", async () => {
    const list = await get(keys.operator, "/appeals");
    expect(list.statusCode, list.body).toBe(200);
    expect((list.json() as Page).items.map((appeal) => [appeal.id, appeal.operator?.id])).toEqual([
      [own.appeal, own.operator],
    ]);
    const filtered = await get(keys.operator, `/appeals?operator_id=${own.otherOperator}`);
    expect(filtered.json()).toEqual({ items: [], next_cursor: null });
    const mineFiltered = await get(keys.operator, `/appeals?operator_id=${own.operator}`);
    expect((mineFiltered.json() as Page).items.map((appeal) => appeal.id)).toEqual([own.appeal]);

    const all = (await get(keys.admin, "/appeals")).json() as Page;
    expect(all.items.map((appeal) => appeal.id)).toEqual(
      expect.arrayContaining([own.appeal, own.otherAppeal]),
    );
  });
});

describe("an operator key's tasks, object by object", () => {
  const as = (key: string, method: "GET" | "HEAD" | "PATCH" | "POST", url: string, payload?: object) =>
    t.app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload && { payload }) });
  const tasks = { mine: 0, theirs: 0 };
  const noScope = { operatorId: null, sourceIds: null };

  beforeAll(async () => {
    tasks.mine = (
      await t.deps.tasks.create({ title: "A's task", operator_id: own.operator }, "test", noScope)
    ).id;
    tasks.theirs = (
      await t.deps.tasks.create({ title: "B's task", operator_id: own.otherOperator }, "test", noScope)
    ).id;
  });

  it("reads and changes its own task; another operator's answers the 404 of a missing one", async () => {
    const mine = await as(keys.operator, "GET", `/tasks/${tasks.mine}`);
    expect(mine.statusCode, mine.body).toBe(200);
    expect(mine.json()).toMatchObject({ id: tasks.mine, operator: { id: own.operator } });
    const done = await as(keys.operator, "PATCH", `/tasks/${tasks.mine}`, { status: "done" });
    expect(done.statusCode, done.body).toBe(200);

    for (const [method, payload] of [["GET"], ["PATCH", { status: "done" }]] as const) {
      const theirs = await as(keys.operator, method, `/tasks/${tasks.theirs}`, payload);
      const missing = await as(keys.operator, method, "/tasks/424242", payload);
      const { request_id: _, instance: __, ...other } = expectProblem(theirs, 404, "not_found");
      const { request_id: ___, instance: ____, ...none } = expectProblem(missing, 404, "not_found");
      expect(other).toEqual({ ...none, detail: `Task ${tasks.theirs} does not exist.` });
    }
    expect((await as(keys.operator, "HEAD", `/tasks/${tasks.theirs}`)).statusCode).toBe(404);
    expect((await t.deps.tasks.get(tasks.theirs, null)).status).toBe("open");
    expect((await as(keys["other operator"], "GET", `/tasks/${tasks.theirs}`)).statusCode).toBe(200);
    expect((await as(keys["other operator"], "GET", `/tasks/${tasks.mine}`)).statusCode).toBe(404);
  });

  it("lists its own tasks only, whatever the filter asks for", async () => {
    const list = await as(keys.operator, "GET", "/tasks");
    expect((list.json() as { items: { id: number }[] }).items.map((task) => task.id)).toEqual([tasks.mine]);
    const filtered = await as(keys.operator, "GET", `/tasks?operator_id=${own.otherOperator}`);
    expect(filtered.json()).toEqual({ items: [], next_cursor: null });
  });

  it("creates tasks for itself only, on its own appeals only", async () => {
    const forItself = await as(keys.operator, "POST", "/tasks", { title: "Mine", appeal_id: own.appeal });
    expect(forItself.statusCode, forItself.body).toBe(201);
    expect(forItself.json()).toMatchObject({ operator: { id: own.operator }, appeal_id: own.appeal });
    for (const payload of [
      { title: "Theirs", operator_id: own.otherOperator },
      { title: "On their appeal", appeal_id: own.otherAppeal },
    ]) {
      expectProblem(await as(keys.operator, "POST", "/tasks", payload), 404, "not_found");
    }
    // Nor give its task away.
    const away = await as(keys.operator, "PATCH", `/tasks/${tasks.mine}`, { operator_id: own.otherOperator });
    expectProblem(away, 404, "not_found");
  });

  it("a bot's task goes to the operator of the lead's active appeal", async () => {
    const appeal = await t.deps.appeals.get(own.otherAppeal, null, null);
    const created = await as(keys.intake, "POST", "/tasks", { title: "Interested", lead_id: appeal.lead_id });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ lead_id: appeal.lead_id, operator: { id: own.otherOperator } });
    // The scoped key sees no appeal of that lead in its source: the lead is a 404 to it.
    const scoped = await as(keys["scoped intake"], "POST", "/tasks", { title: "x", lead_id: appeal.lead_id });
    expectProblem(scoped, 404, "not_found");
  });
});

/**
 * What an operator key may do with each route that takes an id, own object against another
 * operator's: the object the id names, the body sent, the status its own object answers. Every
 * such route the router has and the operator role reaches must be here (the first test).
 */
type ObjectCase = {
  object: "appeal" | "task";
  payload?: (ids: { poolOperator: number }) => object;
  ownStatus: number;
};
const OBJECT_CASES: Record<string, ObjectCase> = {
  "GET /appeals/:id": { object: "appeal", ownStatus: 200 },
  "HEAD /appeals/:id": { object: "appeal", ownStatus: 200 },
  "PATCH /appeals/:id/close": { object: "appeal", ownStatus: 200 },
  "PATCH /appeals/:id/assign": {
    object: "appeal",
    payload: ({ poolOperator }) => ({ operator_id: poolOperator }),
    ownStatus: 200,
  },
  "POST /appeals/:id/messages": {
    object: "appeal",
    payload: () => ({ text: "object-level reply", sender: "operator" }),
    ownStatus: 201,
  },
  "GET /appeals/:id/messages": { object: "appeal", ownStatus: 200 },
  "HEAD /appeals/:id/messages": { object: "appeal", ownStatus: 200 },
  "GET /tasks/:id": { object: "task", ownStatus: 200 },
  "HEAD /tasks/:id": { object: "task", ownStatus: 200 },
  "PATCH /tasks/:id": { object: "task", payload: () => ({ status: "done" }), ownStatus: 200 },
};

describe("every route with an id an operator key reaches, own object against another operator's", () => {
  // Operators of their own (not `own`'s): every case takes fresh objects, and these appeals
  // must not show up in the list checks above. The pool operator is where new appeals land
  // and where a transfer sends them.
  const ids = { a: 0, b: 0, poolOperator: 0, pool: 0 };
  const keyOf = { a: "", b: "" };
  let counter = 0;

  beforeAll(async () => {
    const operator = async (name: string) =>
      (await t.deps.operators.create({ name, is_active: true, max_load: 1000 }, "test")).id;
    ids.a = await operator("object-level A");
    ids.b = await operator("object-level B");
    ids.poolOperator = await operator("object-level pool");
    ids.pool = (await t.deps.sources.create({ name: "object-level pool", strategy: "weighted" }, "test")).id;
    await t.deps.sources.replaceWeights(ids.pool, [{ operator_id: ids.poolOperator, weight: 1 }], "test");
    for (const side of ["a", "b"] as const) {
      keyOf[side] = (
        await t.deps.apiKeys.create(
          { label: `object-level ${side.toUpperCase()}`, role: "operator", operatorId: ids[side] },
          "test",
        )
      ).key;
    }
  });

  /** A fresh object of the operator: an appeal (from the pool, moved to it by an admin) or a task. */
  async function objectOf(kind: ObjectCase["object"], operatorId: number): Promise<number> {
    counter += 1;
    if (kind === "task") {
      const noScope = { operatorId: null, sourceIds: null };
      return (
        await t.deps.tasks.create({ title: `task ${counter}`, operator_id: operatorId }, "test", noScope)
      ).id;
    }
    const { appeal } = await t.deps.appeals.create(
      { source_id: ids.pool, lead_external_id: `object-level lead ${counter}`, message: "Hello" },
      "test",
    );
    await t.deps.appeals.transfer(appeal.appeal_id, { operator_id: operatorId, force: true }, "test");
    return appeal.appeal_id;
  }

  const send = (key: string, route: Route, id: number | string, payload?: object) =>
    t.app.inject({
      method: route.method,
      url: route.url.replace(":id", String(id)),
      headers: { authorization: `Bearer ${key}` },
      ...(payload && { payload }),
    });

  /** The state a refused request must leave as it was: the object as an admin reads it, and the log. */
  async function stateOf(kind: ObjectCase["object"], id: number) {
    const object = kind === "task" ? await t.deps.tasks.get(id, null) : await t.deps.appeals.get(id);
    const messages = await t.database.prisma.message.count();
    const events = await t.database.prisma.event.count();
    return { object, messages, events };
  }

  it("are exactly the routes with an id the operator role reaches, as the router has them", () => {
    const reached = routes
      .filter((route) => route.url.includes("/:") && allowed("operator", route))
      .map((route) => `${route.method} ${route.url}`);
    expect(reached.sort()).toEqual(Object.keys(OBJECT_CASES).sort());
  });

  it.each(Object.entries(OBJECT_CASES))(
    "%s: own works, another operator's is the 404 of a missing one, nothing written",
    async (name, spec) => {
      const route = routes.find((candidate) => `${candidate.method} ${candidate.url}` === name);
      expect(route, name).toBeDefined();
      if (!route) return;
      const payload = spec.payload?.(ids);
      const mine = await objectOf(spec.object, ids.a);
      const theirs = await objectOf(spec.object, ids.b);

      const before = await stateOf(spec.object, theirs);
      const other = await send(keyOf.a, route, theirs, payload);
      const missing = await send(keyOf.a, route, 424242, payload);
      expect(other.statusCode, `${name}: ${other.body}`).toBe(404);
      expect(missing.statusCode, name).toBe(404);
      if (route.method !== "HEAD") {
        const noun = spec.object === "task" ? "Task" : "Appeal";
        const { request_id: _, instance: __, ...refused } = expectProblem(other, 404, "not_found");
        const { request_id: ___, instance: ____, ...none } = expectProblem(missing, 404, "not_found");
        expect(refused, name).toEqual({ ...none, detail: `${noun} ${theirs} does not exist.` });
      }
      expect(await stateOf(spec.object, theirs), `${name} wrote something`).toEqual(before);
      // Its owner reaches it, so the 404 was about whose it is.
      const owner = await send(keyOf.b, route, theirs, payload);
      expect(owner.statusCode, `${name}: ${owner.body}`).toBe(spec.ownStatus);

      const own = await send(keyOf.a, route, mine, payload);
      expect(own.statusCode, `${name}: ${own.body}`).toBe(spec.ownStatus);
      if (route.method === "HEAD") return;
      const body = own.json() as {
        id?: number;
        appeal_id?: number;
        status?: string;
        operator?: { id: number };
      };
      if (name === "PATCH /appeals/:id/close") expect(body).toMatchObject({ id: mine, status: "closed" });
      if (name === "PATCH /appeals/:id/assign") {
        expect(body).toMatchObject({ id: mine, status: "active", operator: { id: ids.poolOperator } });
        // No longer its own: the next request is the 404 of a missing appeal.
        expectProblem(await send(keyOf.a, route, mine, payload), 404, "not_found");
      }
      if (name === "POST /appeals/:id/messages") {
        expect(body).toMatchObject({ appeal_id: mine, sender: "operator", operator_id: ids.a });
      }
      if (name === "PATCH /tasks/:id") expect(body).toMatchObject({ id: mine, status: "done" });
    },
  );

  it("a close or a transfer is recorded under the key's label, as every change is", async () => {
    const closed = await objectOf("appeal", ids.a);
    const moved = await objectOf("appeal", ids.a);
    const as = (method: "PATCH", url: string, payload?: object) =>
      t.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${keyOf.a}` },
        ...(payload && { payload }),
      });
    expect((await as("PATCH", `/appeals/${closed}/close`)).statusCode).toBe(200);
    expect(
      (await as("PATCH", `/appeals/${moved}/assign`, { operator_id: ids.poolOperator })).statusCode,
    ).toBe(200);
    const events = await t.database.prisma.event.findMany({
      where: { appealId: { in: [closed, moved] }, actor: "object-level A" },
      orderBy: { id: "asc" },
    });
    expect(events.map((event) => [event.type, Number(event.appealId), event.operatorId])).toEqual([
      ["appeal.closed", closed, ids.a],
      ["appeal.assigned", moved, ids.poolOperator],
    ]);
    expect(events[1]?.details).toMatchObject({ transfer: true, force: false, from_operator_id: ids.a });
  });

  it("force is an admin's: an operator key sending force: true gets the same 403 whatever the appeal", async () => {
    const mine = await objectOf("appeal", ids.a);
    const theirs = await objectOf("appeal", ids.b);
    const answers = [];
    for (const id of [mine, theirs, 424242]) {
      const before = await stateOf("appeal", mine);
      const response = await t.app.inject({
        method: "PATCH",
        url: `/appeals/${id}/assign`,
        headers: { authorization: `Bearer ${keyOf.a}` },
        payload: { operator_id: ids.poolOperator, force: true },
      });
      const { request_id: _, instance: __, ...problem } = expectProblem(response, 403, "forbidden");
      answers.push(problem);
      expect(await stateOf("appeal", mine)).toEqual(before);
    }
    expect(answers[0]).toMatchObject({
      errors: [{ path: "force", message: "not allowed for role operator" }],
    });
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    // force: false is the default an operator key may send.
    const plain = await t.app.inject({
      method: "PATCH",
      url: `/appeals/${mine}/assign`,
      headers: { authorization: `Bearer ${keyOf.a}` },
      payload: { operator_id: ids.poolOperator, force: false },
    });
    expect(plain.statusCode, plain.body).toBe(200);
  });

  it("GET and PATCH /operators/me are each key's own operator; other roles get a 403 naming the operator key", async () => {
    for (const side of ["a", "b"] as const) {
      const me = await t.app.inject({
        method: "GET",
        url: "/operators/me",
        headers: { authorization: `Bearer ${keyOf[side]}` },
      });
      expect(me.statusCode, me.body).toBe(200);
      expect(me.json()).toMatchObject({ id: ids[side], name: `object-level ${side.toUpperCase()}` });
    }
    for (const kind of ["admin", "viewer", "intake"] as const) {
      for (const method of ["GET", "PATCH"] as const) {
        const response = await t.app.inject({
          method,
          url: "/operators/me",
          headers: { authorization: `Bearer ${keys[kind]}` },
          ...(method === "PATCH" && { payload: { is_active: false } }),
        });
        const problem = expectProblem(response, 403, "forbidden");
        expect(problem.detail).toBe(`This route needs the role operator; the API key has the role ${kind}.`);
      }
    }
  });
});

describe("the token-authenticated routes", () => {
  it("are the public routes beside the probes and the docs, as the router has them", () => {
    const open = routes.filter((route) => !isPublic(route.url) && route.access === "public");
    expect([...new Set(open.map((route) => route.url))]).toEqual([...TOKEN_AUTHENTICATED]);
  });

  it("serve a valid feed token whatever API key comes with it (none, revoked, any role's)", async () => {
    const feed = await t.deps.calendarFeeds.create(
      { label: "route-access feed" },
      "test",
      "http://localhost",
    );
    const authorizations = [
      undefined,
      `Bearer ${keys.revoked}`,
      ...KINDS.map(([kind]) => `Bearer ${keys[kind]}`),
    ];
    for (const url of TOKEN_AUTHENTICATED) {
      for (const method of ["GET", "HEAD"] as const) {
        for (const authorization of authorizations) {
          const response = await call({ method, url: `${url}?token=${feed.token}` }, authorization);
          expect(response.statusCode, `${method} ${url} with ${authorization}`).toBe(200);
          expect(response.headers["content-type"]).toBe("text/calendar; charset=utf-8");
        }
      }
    }
  });
});

describe("a route without an access rule", () => {
  it("stops the app from starting, naming the route", async () => {
    const app = await buildApp({ deps: t.deps, auth: { mode: "on", host: "127.0.0.1" } });
    app.get("/unruled", async () => ({ ok: true }));
    await expect(app.ready()).rejects.toThrow(/Routes without an access rule: GET \/unruled/);
    await app.close();
  });
});

describe("the OpenAPI document", () => {
  type Operation = { security?: unknown; responses: Record<string, unknown> };
  it("declares the bearer scheme; protected operations require it and document 401 and 403", async () => {
    const document = (await t.app.inject({ method: "GET", url: "/docs/json" })).json() as {
      components: { securitySchemes: Record<string, unknown> };
      paths: Record<string, Record<string, Operation>>;
    };
    expect(document.components.securitySchemes).toEqual({
      bearerAuth: { type: "http", scheme: "bearer", description: expect.any(String) },
      calendarFeedToken: { type: "apiKey", in: "query", name: "token", description: expect.any(String) },
    });
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        if (path === "/health" || path === "/ready") {
          expect(operation.security, `${method} ${path}`).toBeUndefined();
        } else if (TOKEN_AUTHENTICATED.has(path)) {
          // The feed's token in the query, its own scheme; no role, so no 403.
          expect(operation.security, `${method} ${path}`).toEqual([{ calendarFeedToken: [] }]);
          expect(Object.keys(operation.responses), `${method} ${path}`).toContain("401");
          expect(Object.keys(operation.responses), `${method} ${path}`).not.toContain("403");
        } else {
          expect(operation.security, `${method} ${path}`).toEqual([{ bearerAuth: [] }]);
          expect(Object.keys(operation.responses), `${method} ${path}`).toEqual(
            expect.arrayContaining(["401", "403"]),
          );
        }
      }
    }
  });
});
