// No N+1: the number of SQL statements a request sends is pinned, and does not
// grow with the number of rows. Counted through the database's onQuery listener (Prisma's query
// events and the statements sent straight through pg, src/db/sql.ts), not timed.
import { beforeAll, describe, expect, it } from "vitest";
import { createAppeal, createOperator, createSource, setWeights } from "../helpers/factories.js";
import { useTestApp } from "../helpers/test-app.js";
import { onRealServer } from "../helpers/test-database.js";
import { readCsv, readXlsx } from "../modules/exports/export-reader.js";

const statements: string[] = [];
const t = useTestApp({ onQuery: (sql) => statements.push(sql) });

async function statementsOf(
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE",
  url: string,
  payload?: object,
): Promise<string[]> {
  statements.length = 0;
  const response = await t.app.inject({ method, url, ...(payload && { payload }) });
  expect(response.statusCode, response.body).toBeLessThan(300);
  return [...statements];
}

/** Adds `operators` operators with weights on a new source and `appeals` appeals through it. */
async function grow(operators: number, appeals: number): Promise<number> {
  const source = await createSource(t.app);
  const made = [];
  for (let i = 0; i < operators; i++) made.push(await createOperator(t.app, { max_load: 1000 }));
  await setWeights(
    t.app,
    source.id,
    made.map((o, i) => ({ operator_id: o.id, weight: i + 1 })),
  );
  for (let i = 0; i < appeals; i++) await createAppeal(t.app, { source_id: source.id });
  return source.id;
}

describe("statements per request", () => {
  let sourceId: number;
  let emptySourceId: number;
  beforeAll(async () => {
    sourceId = await grow(2, 3);
    emptySourceId = (await createSource(t.app)).id;
  });

  const requests: [string, "GET" | "POST", () => string, (() => object) | undefined, number][] = [
    [
      "POST /appeals (assigned)",
      "POST",
      () => "/appeals",
      () => ({ lead_external_id: `l-${Math.random()}`, source_id: sourceId }),
      1,
    ],
    // The intake, then one look at the queue it joined (API.md: nothing waits while capacity exists).
    [
      "POST /appeals (pending)",
      "POST",
      () => "/appeals",
      () => ({ lead_external_id: `l-${Math.random()}`, source_id: emptySourceId }),
      2,
    ],
    ["GET /operators", "GET", () => "/operators", undefined, 1],
    ["GET /appeals", "GET", () => "/appeals?limit=500", undefined, 1],
    ["GET /appeals?status=active", "GET", () => "/appeals?status=active", undefined, 1],
    ["GET /stats/distribution", "GET", () => "/stats/distribution", undefined, 1],
    [
      "GET /stats/distribution in a period",
      "GET",
      () => "/stats/distribution?from=2000-01-01T00:00:00Z&to=2099-01-01T00:00:00Z",
      undefined,
      1,
    ],
    ["GET /stats/operators", "GET", () => "/stats/operators?from=2000-01-01T00:00:00Z", undefined, 1],
    ["GET /appeals in a period", "GET", () => "/appeals?from=2000-01-01T00:00:00Z&limit=500", undefined, 1],
    ["GET /leads", "GET", () => "/leads", undefined, 1],
  ];

  it.each(requests)(
    "%s sends the same fixed number of statements at any size",
    async (_, method, url, body, expected) => {
      const small = await statementsOf(method, url(), body?.());
      await grow(15, 40);
      const large = await statementsOf(method, url(), body?.());
      expect(small).toHaveLength(expected);
      expect(large).toHaveLength(expected);
    },
  );
});

describe("statements to list a lead's appeals", () => {
  it("are the lead's existence and one page, at any number of appeals", async () => {
    const sourceId = await grow(2, 0);
    const first = await createAppeal(t.app, { source_id: sourceId, lead_external_id: "statement-lead" });
    const url = `/leads/${first.lead_id}/appeals?limit=500`;
    const small = await statementsOf("GET", url);
    for (let i = 0; i < 30; i++)
      await createAppeal(t.app, { source_id: sourceId, lead_external_id: "statement-lead" });
    const large = await statementsOf("GET", url);
    const legacy = await statementsOf("GET", `/appeals/leads/${first.lead_id}/appeals`);
    expect(small).toHaveLength(2);
    expect(large).toHaveLength(2);
    expect(legacy).toHaveLength(2);
  });
});

describe("statements to close an appeal", () => {
  it("are the close, one look for waiting appeals and the answer's read, at any size", async () => {
    const sourceId = await grow(3, 5);
    const first = await createAppeal(t.app, { source_id: sourceId });
    const small = await statementsOf("PATCH", `/appeals/${first.appeal_id}/close`);
    await grow(10, 30);
    const second = await createAppeal(t.app, { source_id: sourceId });
    const large = await statementsOf("PATCH", `/appeals/${second.appeal_id}/close`);
    expect(small).toHaveLength(3);
    expect(large).toHaveLength(3);
  });
});

describe("statements to transfer and to reopen an appeal", () => {
  it("a transfer is one statement, one look for what the freed slot can take, and the answer's read", async () => {
    const x = await createOperator(t.app, { max_load: 1000 });
    const y = await createOperator(t.app, { max_load: 1000 });
    const source = await createSource(t.app);
    await setWeights(t.app, source.id, [
      { operator_id: x.id, weight: 1 },
      { operator_id: y.id, weight: 1 },
    ]);
    const transfer = async () => {
      const appeal = await createAppeal(t.app, { source_id: source.id });
      const to = appeal.operator?.id === x.id ? y.id : x.id;
      return statementsOf("PATCH", `/appeals/${appeal.appeal_id}/assign`, { operator_id: to });
    };
    const small = await transfer();
    await grow(10, 30);
    const large = await transfer();
    expect(small).toHaveLength(3);
    expect(large).toHaveLength(3);
  });

  it("a reopen to an operator is one statement and the answer's read", async () => {
    const sourceId = await grow(3, 5);
    const appeal = await createAppeal(t.app, { source_id: sourceId });
    await t.app.inject({ method: "PATCH", url: `/appeals/${appeal.appeal_id}/close` });
    expect(await statementsOf("PATCH", `/appeals/${appeal.appeal_id}/reopen`)).toHaveLength(2);
  });
});

describe("statements of a conversation", () => {
  it("posting is one statement, a repeat of its external_id two; a page is one, at any length", async () => {
    const sourceId = await grow(2, 0);
    const appeal = await createAppeal(t.app, { source_id: sourceId, message: "first" });
    const url = `/appeals/${appeal.appeal_id}/messages`;
    expect(await statementsOf("POST", url, { text: "hi", sender: "bot", external_id: "s-1" })).toHaveLength(
      1,
    );
    // The insert that wrote nothing, then the read of the first message.
    expect(await statementsOf("POST", url, { text: "hi", sender: "bot", external_id: "s-1" })).toHaveLength(
      2,
    );
    const small = await statementsOf("GET", `${url}?limit=500`);
    for (let i = 0; i < 30; i++) await statementsOf("POST", url, { text: `m${i}`, sender: "lead" });
    const large = await statementsOf("GET", `${url}?limit=500`);
    const paged = await statementsOf("GET", `${url}?limit=5&cursor=1`);
    expect(small).toHaveLength(1);
    expect(large).toHaveLength(1);
    expect(paged).toHaveLength(1);
  });

  it("GET /appeals/{id} reads first_response_at in its one statement", async () => {
    const sourceId = await grow(1, 0);
    const appeal = await createAppeal(t.app, { source_id: sourceId, message: "first" });
    await statementsOf("POST", `/appeals/${appeal.appeal_id}/messages`, {
      text: "reply",
      sender: "operator",
    });
    expect(await statementsOf("GET", `/appeals/${appeal.appeal_id}`)).toHaveLength(1);
  });
});

describe("statements of a lead's sticky conversation", () => {
  const url = (lead: string) => `/leads/by-external-id/${lead}/messages`;

  it("a message to the open appeal is BEGIN, the lock, one statement, COMMIT; a repeat the same, at any size", async () => {
    const sourceId = await grow(2, 0);
    const lead = `sticky-${Math.random()}`;
    await statementsOf("POST", url(lead), { source_id: sourceId, text: "first" });
    const added = async (text: string) => {
      const sent = await statementsOf("POST", url(lead), { source_id: sourceId, text, external_id: text });
      expect(await statementsOf("POST", url(lead), { source_id: sourceId, text, external_id: text })).toEqual(
        sent,
      );
      return sent;
    };
    const small = await added("small");
    for (let i = 0; i < 30; i++)
      await statementsOf("POST", url(lead), { source_id: sourceId, text: `m${i}` });
    await grow(10, 30);
    const large = await added("large");
    expect(small).toHaveLength(4);
    expect(large).toHaveLength(4);
    expect([small[0], small[3]]).toEqual(["BEGIN", "COMMIT"]);
  });

  it("a first message opening an assigned appeal adds the intake statement and the answer's read", async () => {
    const sourceId = await grow(2, 3);
    const small = await statementsOf("POST", url(`sticky-${Math.random()}`), {
      source_id: sourceId,
      text: "hi",
    });
    await grow(15, 40);
    const large = await statementsOf("POST", url(`sticky-${Math.random()}`), {
      source_id: sourceId,
      text: "hi",
    });
    // BEGIN, the lock, the look for an open appeal, the intake, COMMIT, the answer.
    expect(small).toHaveLength(6);
    expect(large).toHaveLength(6);
    expect([small[0], small[4]]).toEqual(["BEGIN", "COMMIT"]);
  });

  it("a first message opening a pending appeal also looks at the queue it joined, after the commit", async () => {
    const emptySourceId = (await createSource(t.app)).id;
    const sent = await statementsOf("POST", url(`sticky-${Math.random()}`), {
      source_id: emptySourceId,
      text: "hi",
    });
    expect(sent).toHaveLength(7);
    expect(sent[4]).toBe("COMMIT");
  });
});

describe("statements of the leads' routes", () => {
  it("GET /leads, a list or a search with every filter, is one statement at any number of leads", async () => {
    const sourceId = (await createSource(t.app)).id;
    const operator = await createOperator(t.app, { max_load: 1000 });
    await setWeights(t.app, sourceId, [{ operator_id: operator.id, weight: 1 }]);
    const urls = [
      "/leads?limit=500",
      `/leads?search=${encodeURIComponent("иван")}&limit=500`,
      `/leads?search=${encodeURIComponent("+7 916 123-45-67")}&tag=vip&source_id=${sourceId}&limit=500`,
      `/leads?search=a%40example.com&created_from=2000-01-01T00:00:00Z&created_to=2100-01-01T00:00:00Z`,
    ];
    const counts = async () => {
      const all: number[] = [];
      for (const url of urls) all.push((await statementsOf("GET", url)).length);
      return all;
    };
    const small = await counts();
    for (let i = 0; i < 30; i++) {
      await createAppeal(t.app, {
        source_id: sourceId,
        lead_external_id: `statements-lead-${i}`,
        lead_name: `Иван ${i}`,
        lead_phone: "+7 916 123-45-67",
      });
    }
    expect(small).toEqual([1, 1, 1, 1]);
    expect(await counts()).toEqual([1, 1, 1, 1]);
  });

  it("PATCH /leads/{id} and consent send a fixed number of statements", async () => {
    const sourceId = (await createSource(t.app)).id;
    const lead = (await createAppeal(t.app, { source_id: sourceId })).lead_id;
    // (Prisma reports a transaction's COMMIT, not its BEGIN.) The row locked, read, updated and
    // read back with its appeals count (Prisma's update with include), the event, COMMIT.
    expect(await statementsOf("PATCH", `/leads/${lead}`, { company: "Acme" })).toHaveLength(6);
    expect(await statementsOf("PUT", `/leads/${lead}/consent`, { text_version: "v1" })).toHaveLength(6);
    // Nothing to change: the lock and the read, then COMMIT.
    expect(await statementsOf("PATCH", `/leads/${lead}`, { company: "Acme" })).toHaveLength(3);
  });

  it("DELETE /leads/{id} sends a fixed number of statements, at any number of appeals and messages", async () => {
    const sourceId = (await createSource(t.app)).id;
    const operator = await createOperator(t.app, { max_load: 1000 });
    await setWeights(t.app, sourceId, [{ operator_id: operator.id, weight: 1 }]);
    const leadWith = async (appeals: number) => {
      const externalId = `erase-${Math.random()}`;
      let lead = 0;
      for (let i = 0; i < appeals; i++) {
        const created = await createAppeal(t.app, {
          source_id: sourceId,
          lead_external_id: externalId,
          message: "hi",
        });
        lead = created.lead_id;
        await t.app.inject({
          method: "POST",
          url: `/appeals/${created.appeal_id}/messages`,
          payload: { text: "more", sender: "lead" },
        });
      }
      return lead;
    };
    const small = await statementsOf("DELETE", `/leads/${await leadWith(1)}`);
    const large = await statementsOf("DELETE", `/leads/${await leadWith(10)}`);
    // The lock, the profile, the appeals' message 1, the messages, the activities, the bookings'
    // notes, the appeal and message events, the booking events, the erased lead read, the lead's
    // events, lead.erased, COMMIT.
    expect(small).toHaveLength(12);
    expect(large).toHaveLength(small.length);
  });
});

describe("statements of the tasks' routes", () => {
  it("GET /tasks is one statement (the operator joined), at any number of tasks and operators", async () => {
    const operator = await createOperator(t.app);
    const post = (payload: object) => t.app.inject({ method: "POST", url: "/tasks", payload });
    for (let i = 0; i < 3; i++) await post({ title: `small ${i}`, operator_id: operator.id });
    const small = await statementsOf("GET", "/tasks?limit=500");
    for (let i = 0; i < 30; i++) {
      const other = await createOperator(t.app);
      await post({ title: `large ${i}`, operator_id: other.id, due_at: "2026-12-01T10:00:00Z" });
    }
    const large = await statementsOf("GET", "/tasks?limit=500");
    const filtered = await statementsOf("GET", `/tasks?operator_id=${operator.id}&status=open&limit=500`);
    expect(small).toHaveLength(1);
    expect(large).toHaveLength(1);
    expect(filtered).toHaveLength(1);
  });

  it("POST /tasks for the lead's operator and PATCH /tasks/{id} send a fixed number of statements", async () => {
    const sourceId = await grow(1, 0);
    const appeal = await createAppeal(t.app, { source_id: sourceId });
    const created = await statementsOf("POST", "/tasks", { title: "Call", lead_id: appeal.lead_id });
    const task = (await t.app.inject({ method: "GET", url: "/tasks?limit=1" })).json().items[0];
    const patched = await statementsOf("PATCH", `/tasks/${task.id}`, { status: "done" });
    // The lead, its active appeal's operator; BEGIN, the insert, the event, COMMIT.
    expect(created).toHaveLength(6);
    // BEGIN, the row locked, the update (joined to its operator), the event, COMMIT.
    expect(patched).toHaveLength(5);
  });
});

describe("statements of an operator key's routes", () => {
  // An app of its own in AUTH=off: the factories need no key there, and an operator key still
  // names its operator. Its key is checked once, then cached (the test apps' cache is long).
  const seen: string[] = [];
  const o = useTestApp({ onQuery: (sql) => seen.push(sql), auth: { mode: "off", host: "127.0.0.1" } });
  let key = "";
  let operatorId = 0;
  let sourceId = 0;

  beforeAll(async () => {
    const operator = await createOperator(o.app, { max_load: 1000 });
    operatorId = operator.id;
    sourceId = (await createSource(o.app)).id;
    await setWeights(o.app, sourceId, [{ operator_id: operatorId, weight: 1 }]);
    key = (await o.deps.apiKeys.create({ label: "statements", role: "operator", operatorId }, "test")).key;
    const first = await o.app.inject({
      method: "GET",
      url: "/operators/me",
      headers: { authorization: `Bearer ${key}` },
    });
    expect(first.statusCode, first.body).toBe(200);
    // The key's last_used_at is written in the background after its first check: let it land.
    for (let i = 0; i < 100 && (await o.deps.apiKeys.list()).every((k) => k.lastUsedAt === null); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  });

  async function sent(method: "GET" | "PATCH", url: string, withKey: boolean, payload?: object) {
    seen.length = 0;
    const response = await o.app.inject({
      method,
      url,
      headers: withKey ? { authorization: `Bearer ${key}` } : {},
      ...(payload && { payload }),
    });
    expect(response.statusCode, response.body).toBeLessThan(300);
    return [...seen];
  }

  it("GET and PATCH /operators/me send what GET and PATCH /operators/{id} send", async () => {
    const own = await sent("GET", "/operators/me", true);
    expect(own).toHaveLength(1);
    expect(own).toEqual(await sent("GET", `/operators/${operatorId}`, false));
    // Deactivating: the row locked, the update, the event, COMMIT (Prisma reports no BEGIN); no drain.
    const off = await sent("PATCH", "/operators/me", true, { is_active: false });
    expect(off).toHaveLength(4);
    expect(await sent("PATCH", `/operators/${operatorId}`, false, { is_active: false })).toEqual(off);
    // Activating: the same, one look for waiting appeals (none) and no second read.
    const on = await sent("PATCH", "/operators/me", true, { is_active: true });
    expect(on).toHaveLength(5);
    expect(await sent("PATCH", `/operators/${operatorId}`, false, { is_active: true })).toEqual(on);
  });

  it("its close and transfer are as many statements as an admin's, at any size", async () => {
    const other = await createOperator(o.app, { max_load: 1000 });
    await setWeights(o.app, sourceId, [{ operator_id: operatorId, weight: 1 }]);
    const appeal = async () => (await createAppeal(o.app, { source_id: sourceId })).appeal_id;
    const closed = await sent("PATCH", `/appeals/${await appeal()}/close`, true);
    const moved = async () => {
      const id = await appeal();
      await setWeights(o.app, sourceId, [
        { operator_id: operatorId, weight: 1 },
        { operator_id: other.id, weight: 1 },
      ]);
      const statements = await sent("PATCH", `/appeals/${id}/assign`, true, { operator_id: other.id });
      await setWeights(o.app, sourceId, [{ operator_id: operatorId, weight: 1 }]);
      return statements;
    };
    const small = await moved();
    for (let i = 0; i < 30; i++) await appeal();
    const large = await moved();
    // The close (or transfer), one look for waiting appeals, the answer's read: as for admins.
    expect(closed).toHaveLength(3);
    expect(small).toHaveLength(3);
    expect(large).toHaveLength(3);
  });
});

describe("statements of materials and activities", () => {
  const material = async () => {
    const response = await t.app.inject({
      method: "POST",
      url: "/materials",
      payload: { title: "m", category: "statements", published: true },
    });
    return (response.json() as { id: number }).id;
  };

  it("POST /activities is one statement: a new one, a repeat of its external_id, by either lead reference", async () => {
    const sourceId = await grow(1, 0);
    const appeal = await createAppeal(t.app, { source_id: sourceId, lead_external_id: "statement-activity" });
    const materialId = await material();
    const view = { type: "material_viewed", material_id: materialId, external_id: "s-1" };
    expect(await statementsOf("POST", "/activities", { lead_id: appeal.lead_id, ...view })).toHaveLength(1);
    // The repeat is found by the same statement, which then inserts nothing.
    expect(await statementsOf("POST", "/activities", { lead_id: appeal.lead_id, ...view })).toHaveLength(1);
    expect(
      await statementsOf("POST", "/activities", {
        lead_external_id: "statement-activity",
        type: "button_clicked",
      }),
    ).toHaveLength(1);
  });

  it("the lists and the stats are one statement each, at any number of rows", async () => {
    const sourceId = await grow(1, 0);
    const appeal = await createAppeal(t.app, { source_id: sourceId });
    const materialId = await material();
    const record = (type: string) =>
      t.app.inject({
        method: "POST",
        url: "/activities",
        payload: { lead_id: appeal.lead_id, type, material_id: materialId },
      });
    const reads = () => [
      "/materials?limit=500",
      "/materials?category=statements&published=true&include_archived=true",
      `/leads/${appeal.lead_id}/activities?limit=500`,
      `/leads/${appeal.lead_id}/activities?type=material_viewed&material_id=${materialId}&limit=2&cursor=1795255200000.1`,
      `/materials/${materialId}/stats`,
    ];
    await record("material_viewed");
    const small = [];
    for (const url of reads()) small.push(await statementsOf("GET", url));
    for (let i = 0; i < 30; i++) {
      await material();
      await record(i % 2 === 0 ? "material_viewed" : "button_clicked");
    }
    for (const [i, url] of reads().entries()) {
      expect(small[i], url).toHaveLength(1);
      expect(await statementsOf("GET", url), url).toHaveLength(1);
    }
  });

  it("a material's POST, PATCH and DELETE are their change and its event in one transaction", async () => {
    await material(); // a first request, so no start-up look (the open mode's key check) lands below
    const created = await statementsOf("POST", "/materials", { title: "t", category: "statements" });
    const id = (await t.app.inject({ method: "GET", url: "/materials?limit=1" })).json().items[0].id;
    // The insert, the event, COMMIT (the listener reports no BEGIN).
    expect(created).toHaveLength(3);
    // The row locked and read, the update, the event, COMMIT.
    expect(await statementsOf("PATCH", `/materials/${id}`, { published: true })).toHaveLength(4);
    expect(await statementsOf("DELETE", `/materials/${id}`)).toHaveLength(4);
  });
});

describe("statements of the bot scripts' routes", () => {
  const script = async (content = "hello") =>
    (
      await t.app.inject({
        method: "POST",
        url: "/bot-scripts",
        payload: { name: `script ${Math.random()}`, content },
      })
    ).json() as { id: number };

  it("the intake through a source with a script is still one statement, at any number of versions", async () => {
    const s = await script();
    const source = await t.app.inject({
      method: "POST",
      url: "/sources",
      payload: { name: `scripted ${Math.random()}`, bot_script_id: s.id },
    });
    const sourceId = (source.json() as { id: number }).id;
    const operator = await createOperator(t.app, { max_load: 1000 });
    await setWeights(t.app, sourceId, [{ operator_id: operator.id, weight: 1 }]);
    const intake = () =>
      statementsOf("POST", "/appeals", { lead_external_id: `l-${Math.random()}`, source_id: sourceId });
    const small = await intake();
    for (let i = 0; i < 10; i++) {
      await t.app.inject({ method: "PATCH", url: `/bot-scripts/${s.id}`, payload: { content: `v${i + 2}` } });
    }
    const large = await intake();
    expect(small).toHaveLength(1);
    expect(large).toHaveLength(1);
  });

  it("lists and reads are one statement each at any number of scripts and versions", async () => {
    const s = await script();
    const reads = async () => [
      await statementsOf("GET", "/bot-scripts?limit=500"),
      await statementsOf("GET", `/bot-scripts/${s.id}`),
      await statementsOf("GET", `/bot-scripts/${s.id}/versions?limit=500`),
    ];
    const small = await reads();
    for (let i = 0; i < 20; i++) {
      const other = await script();
      await t.app.inject({ method: "PATCH", url: `/bot-scripts/${other.id}`, payload: { content: "v2" } });
      await t.app.inject({ method: "PATCH", url: `/bot-scripts/${s.id}`, payload: { content: `v${i + 2}` } });
    }
    const large = await reads();
    expect(small.map((statements) => statements.length)).toEqual([1, 1, 1]);
    expect(large.map((statements) => statements.length)).toEqual([1, 1, 1]);
    // Past the last version the page is empty: one look more, to tell it from a missing script.
    expect(await statementsOf("GET", `/bot-scripts/${s.id}/versions?cursor=100`)).toHaveLength(2);
  });

  it("POST and PATCH /bot-scripts, and linking a source, send a fixed number of statements", async () => {
    const created = await statementsOf("POST", "/bot-scripts", { name: `s ${Math.random()}`, content: "x" });
    const s = await script();
    const bumped = await statementsOf("PATCH", `/bot-scripts/${s.id}`, { content: "new" });
    const renamed = await statementsOf("PATCH", `/bot-scripts/${s.id}`, { name: `r ${Math.random()}` });
    const sourceId = (await createSource(t.app)).id;
    const linked = await statementsOf("PATCH", `/sources/${sourceId}`, { bot_script_id: s.id });
    // (Prisma reports a transaction's COMMIT, not its BEGIN.)
    // The script, its version 1, the event, COMMIT.
    expect(created).toHaveLength(4);
    // The script's row locked, the version and the script in one statement, the event, COMMIT.
    expect(bumped).toHaveLength(4);
    expect(renamed).toHaveLength(4);
    // The script's version held, the source's row locked, the update, the event, COMMIT.
    expect(linked).toHaveLength(5);
  });
});

describe("statements of the exports", () => {
  it("an export is one cursor: BEGIN, DECLARE, a FETCH per 500 rows (the last one short), COMMIT", async () => {
    const sourceId = (await createSource(t.app)).id;
    const urls = [
      "/exports/leads.csv",
      "/exports/leads.xlsx?tag=vip",
      `/exports/leads.csv?search=${encodeURIComponent("иван")}&source_id=${sourceId}&sep=;`,
      "/exports/appeals.xlsx",
      `/exports/appeals.csv?source_id=${sourceId}&from=2000-01-01T00:00:00Z`,
    ];
    /** Each export's statements, and what they should be for the rows it holds. */
    const check = async () => {
      for (const url of urls) {
        statements.length = 0;
        const response = await t.app.inject({ method: "GET", url });
        expect(response.statusCode, response.body).toBe(200);
        const sent = [...statements];
        const rows = url.includes(".csv")
          ? readCsv(response.rawPayload, url.includes("sep=;") ? ";" : ",").length - 1
          : (await readXlsx(response.rawPayload, 1)).rows.length - 1;
        const batches = Math.floor(rows / 500) + 1;
        // On PGlite (no transaction held across batches there) each batch is one keyset SELECT.
        expect(sent, url).toEqual(
          onRealServer
            ? [
                "BEGIN READ ONLY",
                expect.stringMatching(/^DECLARE lds_rows NO SCROLL CURSOR FOR/),
                ...Array(batches).fill("FETCH 500 FROM lds_rows"),
                "COMMIT",
              ]
            : Array(batches).fill(expect.stringMatching(/ LIMIT \$\d+$/)),
        );
      }
    };
    await check();
    for (let i = 0; i < 30; i++) {
      await createAppeal(t.app, { source_id: sourceId, lead_name: `Иван ${i}` });
    }
    await check();
  });
});

describe("statements of a bot's dialog state", () => {
  it("each write is one statement (ONE WRITER PER VERSION), a refused one a second to say why", async () => {
    const sourceId = (await createSource(t.app)).id;
    const url = `/bot-state/${sourceId}/-100500`;
    const put = async (headers: Record<string, string>, status: number) => {
      statements.length = 0;
      const response = await t.app.inject({
        method: "PUT",
        url,
        headers,
        payload: { state: "s", data: { a: 1 } },
      });
      expect(response.statusCode, response.body).toBe(status);
      return [...statements];
    };
    expect(await put({}, 201)).toHaveLength(1);
    expect(await put({ "if-match": '"1"' }, 200)).toHaveLength(1);
    expect(await put({ "if-match": "*" }, 200)).toHaveLength(1);
    expect(await put({ "if-match": '"1"' }, 412)).toHaveLength(2);
    expect(await put({ "if-none-match": "*" }, 412)).toHaveLength(2);
    expect(await statementsOf("GET", url)).toHaveLength(1);
    expect(await statementsOf("DELETE", url)).toHaveLength(1);
    expect(await put({ "if-none-match": "*" }, 201)).toHaveLength(1);
  });
});
