// Concurrency claims of bot scripts, proven with concurrent requests on a real PostgreSQL server
// spread over two app instances on one database (PGlite runs one query at a time: nothing to prove).
//   VERSIONS IN ORDER: concurrent changes of one script's content make consecutive versions, each
//   content stored once.
//   A SOURCE'S VERSION IS CURRENT: however source links, new versions and intakes interleave,
//   none waits forever (no deadlock), a source carries its script's current version, and every
//   appeal names a version that exists.
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOperator, setWeights, unique } from "../../helpers/factories.js";
import { query } from "../../helpers/sql.js";
import { type RunningApp, startTestApp, useTestApp } from "../../helpers/test-app.js";
import { onRealServer } from "../../helpers/test-database.js";

describe.skipIf(!onRealServer)("bot scripts under concurrent requests on two instances", () => {
  const t = useTestApp({ poolSize: 10 });
  let second: RunningApp;
  let instances: FastifyInstance[];
  beforeAll(async () => {
    second = await startTestApp(t.testDatabase.url, { poolSize: 10 });
    instances = [t.app, second.app];
  });
  afterAll(async () => {
    await second?.close();
  });

  const call = async (i: number, method: "POST" | "PATCH", url: string, payload: object) => {
    const response = await (instances[i % 2] as FastifyInstance).inject({ method, url, payload });
    return { status: response.statusCode, body: response.json() };
  };
  const createScript = async (content: string) =>
    (await call(0, "POST", "/bot-scripts", { name: unique("script"), content })).body as { id: number };

  it("20 concurrent changes of content make versions 2..21, each content once, the last one current", async () => {
    const script = await createScript("v1");
    const contents = Array.from({ length: 20 }, (_, i) => `change ${i}`);
    const answers = await Promise.all(
      contents.map((content, i) => call(i, "PATCH", `/bot-scripts/${script.id}`, { content })),
    );
    expect(answers.map((answer) => answer.status)).toEqual(contents.map(() => 200));
    // Each answer is the version its change made.
    expect(answers.map((answer) => answer.body.version).sort((a, b) => a - b)).toEqual(
      contents.map((_, i) => i + 2),
    );
    const rows = await query<{ version: number; content: string }>(
      t.testDatabase.url,
      "SELECT version, content FROM bot_script_versions WHERE bot_script_id = $1 ORDER BY version",
      [script.id],
    );
    expect(rows.map((row) => row.version)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    expect(
      rows
        .slice(1)
        .map((row) => row.content)
        .sort(),
    ).toEqual([...contents].sort());
    for (const answer of answers) {
      expect(rows.find((row) => row.version === answer.body.version)?.content).toBe(answer.body.content);
    }
    const [current] = await query<{ version: number }>(
      t.testDatabase.url,
      "SELECT version FROM bot_scripts WHERE id = $1",
      [script.id],
    );
    expect(current?.version).toBe(21);
  });

  it("source links, new versions and intakes interleaved: all answer, sources stay current, appeals name real versions", async () => {
    const operator = await createOperator(t.app, { max_load: 10_000 });
    const [a, b] = [await createScript("a1"), await createScript("b1")];
    const sources = [];
    for (let i = 0; i < 3; i++) {
      const created = await call(0, "POST", "/sources", { name: unique("src"), bot_script_id: a.id });
      await setWeights(t.app, created.body.id, [{ operator_id: operator.id, weight: 1 }]);
      sources.push(created.body.id as number);
    }
    const requests: (() => Promise<{ status: number; body: unknown }>)[] = [];
    for (let round = 0; round < 10; round++) {
      sources.forEach((sourceId, k) => {
        const target = (round + k) % 2 === 0 ? b.id : a.id;
        requests.push(() => call(round + k, "PATCH", `/sources/${sourceId}`, { bot_script_id: target }));
        requests.push(() =>
          call(round + k + 1, "POST", "/appeals", { source_id: sourceId, lead_external_id: unique("lead") }),
        );
      });
      requests.push(() => call(round, "PATCH", `/bot-scripts/${a.id}`, { content: `a${round + 2}` }));
      requests.push(() => call(round + 1, "PATCH", `/bot-scripts/${b.id}`, { content: `b${round + 2}` }));
    }
    const answers = await Promise.all(requests.map((request) => request()));
    const refused = answers.filter((answer) => answer.status >= 300);
    expect(refused).toEqual([]);

    const stale = await query(
      t.testDatabase.url,
      `SELECT s.id, s.bot_script_id, s.bot_script_version, b.version AS current
       FROM sources s JOIN bot_scripts b ON b.id = s.bot_script_id
       WHERE s.bot_script_version IS DISTINCT FROM b.version`,
    );
    expect(stale).toEqual([]);
    const dangling = await query(
      t.testDatabase.url,
      `SELECT a.id FROM appeals a
       WHERE a.source_id = ANY($1::int[])
         AND (a.bot_script_id IS NULL OR NOT EXISTS (
           SELECT 1 FROM bot_script_versions v
           WHERE v.bot_script_id = a.bot_script_id AND v.version = a.bot_script_version))`,
      [sources],
    );
    expect(dangling).toEqual([]);
    // And from here on, an intake records its source's script at its current version.
    for (const sourceId of sources) {
      const created = await call(0, "POST", "/appeals", {
        source_id: sourceId,
        lead_external_id: unique("lead"),
      });
      const [expected] = await query<{ bot_script_id: number; version: number }>(
        t.testDatabase.url,
        "SELECT s.bot_script_id, b.version FROM sources s JOIN bot_scripts b ON b.id = s.bot_script_id WHERE s.id = $1",
        [sourceId],
      );
      expect(created.body).toMatchObject({ bot_script_id: expected?.bot_script_id, bot_script_version: 11 });
    }
  });
});
