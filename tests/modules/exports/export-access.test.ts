// Who may export (API.md "Exports": viewer or admin): their keys get the files, every other role
// a 403 problem+json before anything is read, no key a 401. A HEAD is no route (it would run the
// export to throw it away). The route × role test (tests/modules/auth/route-access.test.ts) finds
// the four routes too; this one also reads what the allowed keys get.
import { beforeAll, describe, expect, it } from "vitest";
import { useTestApp } from "../../helpers/test-app.js";
import { expectProblem } from "../../http/problem-assertions.js";
import { CSV, readCsv, XLSX } from "./export-reader.js";

const t = useTestApp({ auth: { mode: "on", host: "127.0.0.1" } });
const keys = {} as Record<"admin" | "viewer" | "intake" | "scoped" | "operator", string>;
const URLS = ["/exports/leads.xlsx", "/exports/leads.csv", "/exports/appeals.xlsx", "/exports/appeals.csv"];

beforeAll(async () => {
  const source = await t.deps.sources.create({ name: "export access source", strategy: "weighted" }, "test");
  const operator = await t.deps.operators.create(
    { name: "export access operator", is_active: true, max_load: 5 },
    "test",
  );
  await t.deps.appeals.create({ source_id: source.id, lead_external_id: "export-access-lead" }, "test");
  const create = async (label: string, role: "admin" | "viewer" | "intake" | "operator", extra = {}) =>
    (await t.deps.apiKeys.create({ label, role, ...extra }, "test")).key;
  keys.admin = await create("export admin", "admin");
  keys.viewer = await create("export viewer", "viewer");
  keys.intake = await create("export bot", "intake");
  keys.scoped = await create("export scoped bot", "intake", { sourceIds: [source.id] });
  keys.operator = await create("export operator", "operator", { operatorId: operator.id });
});

const get = (url: string, key?: string) =>
  t.app.inject({ method: "GET", url, headers: key ? { authorization: `Bearer ${key}` } : {} });

describe("export access", () => {
  it.each(["admin", "viewer"] as const)("a %s key gets every export", async (kind) => {
    for (const url of URLS) {
      const response = await get(url, keys[kind]);
      expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
      expect(response.headers["content-type"]).toBe(url.endsWith(".csv") ? CSV : XLSX);
      expect(response.headers["cache-control"]).toBe("no-store");
    }
    const leads = readCsv((await get("/exports/leads.csv", keys[kind])).rawPayload);
    expect(leads.map((record) => record[1])).toEqual(["external_id", "export-access-lead"]);
  });

  it.each(["intake", "scoped", "operator"] as const)("a %s key gets a 403 on every export", async (kind) => {
    for (const url of URLS) {
      const response = await get(url, keys[kind]);
      expectProblem(response, 403, "forbidden");
      expect(response.headers["content-disposition"]).toBeUndefined();
    }
  });

  it("no key is a 401; HEAD is no route", async () => {
    for (const url of URLS) {
      expectProblem(await get(url), 401, "unauthorized");
      const head = await t.app.inject({
        method: "HEAD",
        url,
        headers: { authorization: `Bearer ${keys.admin}` },
      });
      expect(head.statusCode, url).toBe(404);
    }
  });
});
