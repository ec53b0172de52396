// ONE WRITER PER VERSION (bot-state.sql.ts) under concurrent writers, spread over two app
// instances (two pools) on one database, as two bot replicas behind two service instances would
// be. On PGlite, which runs one query at a time, they only show the serial case.
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSource, unique } from "../../helpers/factories.js";
import { type RunningApp, startTestApp, useTestApp } from "../../helpers/test-app.js";
import { onRealServer } from "../../helpers/test-database.js";

const WRITERS = 20;
const ROUNDS = 10;

type BotState = { state: string; data: Record<string, unknown>; version: number };

const t = useTestApp({ poolSize: onRealServer ? 10 : 2 });
let second: RunningApp;
let instances: FastifyInstance[];
let sourceId: number;

beforeAll(async () => {
  second = await startTestApp(t.testDatabase.url, { poolSize: onRealServer ? 10 : 2 });
  instances = [t.app, second.app];
  sourceId = (await createSource(t.app)).id;
});
afterAll(async () => {
  await second?.close();
});

const put = (i: number, chat: string, payload: object, headers: Record<string, string> = {}) =>
  (instances[i % 2] as FastifyInstance).inject({
    method: "PUT",
    url: `/bot-state/${sourceId}/${chat}`,
    payload,
    headers,
  });
const get = async (chat: string): Promise<BotState> => {
  const response = await t.app.inject({ method: "GET", url: `/bot-state/${sourceId}/${chat}` });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as BotState;
};

/** 20 writers at once, each with If-Match of `version` and a payload of its own. */
const race = (chat: string, version: number) =>
  Promise.all(
    Array.from({ length: WRITERS }, (_, i) =>
      put(i, chat, { state: `v${version}-writer${i}`, data: { writer: i } }, { "if-match": `"${version}"` }),
    ),
  );

/** The one winner of a round, checked exactly; every loser a 412 naming the version that won. */
function winnerOf(answers: LightMyRequestResponse[], version: number): BotState {
  const statuses = answers.map((answer) => answer.statusCode);
  expect(
    statuses.filter((status) => status === 200),
    statuses.join(","),
  ).toHaveLength(1);
  expect(statuses.filter((status) => status === 412)).toHaveLength(WRITERS - 1);
  const winner = answers.find((answer) => answer.statusCode === 200) as LightMyRequestResponse;
  const index = answers.indexOf(winner);
  expect(winner.json()).toMatchObject({
    state: `v${version}-writer${index}`,
    data: { writer: index },
    version: version + 1,
  });
  expect(winner.headers.etag).toBe(`"${version + 1}"`);
  for (const loser of answers.filter((answer) => answer.statusCode === 412)) {
    expect(loser.json()).toMatchObject({
      code: "precondition_failed",
      errors: [{ path: "if-match", message: `the state is at version ${version + 1}` }],
    });
  }
  return winner.json() as BotState;
}

describe("20 concurrent writers with If-Match of one version on one chat", () => {
  it("exactly one writes each version, the others get 412; versions advance one by one", async () => {
    const chat = unique("race");
    expect((await put(0, chat, { state: "start" })).statusCode).toBe(201);
    for (let version = 1; version <= ROUNDS; version++) {
      const winner = winnerOf(await race(chat, version), version);
      // What is stored is the winner's write, whole, and nothing of the losers'.
      expect(await get(chat)).toMatchObject(winner);
    }
    expect(await get(chat)).toMatchObject({ version: ROUNDS + 1 });
  });

  it.skipIf(!onRealServer)(
    "all 20 queued on the row's lock at once: released, exactly one writes",
    async () => {
      const chat = unique("queued");
      await put(0, chat, { state: "start" });
      const locker = new pg.Client({ connectionString: t.testDatabase.url });
      const watcher = new pg.Client({ connectionString: t.testDatabase.url });
      await locker.connect();
      await watcher.connect();
      try {
        await locker.query("BEGIN");
        await locker.query("SELECT 1 FROM bot_states WHERE source_id = $1 AND chat_id = $2 FOR UPDATE", [
          sourceId,
          chat,
        ]);
        const answers = race(chat, 1);
        // Every writer's statement has read version 1 and waits for the lock: the re-check after it is what decides.
        let waiting = 0;
        for (let tries = 0; waiting < WRITERS && tries < 1000; tries++) {
          const { rows } = await watcher.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%bot_states%'`,
          );
          waiting = rows[0]?.n ?? 0;
          if (waiting < WRITERS) await new Promise((resolve) => setTimeout(resolve, 10));
        }
        expect(waiting).toBe(WRITERS);
        await locker.query("COMMIT");
        winnerOf(await answers, 1);
      } finally {
        await locker.end();
        await watcher.end();
      }
    },
    30_000,
  );

  it("without If-Match every write lands, each with its own next version", async () => {
    const chat = unique("unconditional");
    const answers = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) => put(i, chat, { state: `writer${i}` })),
    );
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([
      200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 201,
    ]);
    const versions = answers.map((answer) => (answer.json() as BotState).version);
    expect(versions.sort((a, b) => a - b)).toEqual(Array.from({ length: WRITERS }, (_, i) => i + 1));
    // The last version is the last write's.
    const states = answers.map((answer) => answer.json() as BotState);
    const last = states.find((state) => state.version === WRITERS);
    expect(await get(chat)).toEqual({ ...last, version: WRITERS });
  });

  it("with If-None-Match: * exactly one creates the chat's state", async () => {
    const chat = unique("create");
    const answers = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) =>
        put(i, chat, { state: `creator${i}` }, { "if-none-match": "*" }),
      ),
    );
    const statuses = answers.map((answer) => answer.statusCode);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 412)).toHaveLength(WRITERS - 1);
    const created = answers.find((answer) => answer.statusCode === 201)?.json() as BotState;
    expect(created.version).toBe(1);
    expect(await get(chat)).toMatchObject({ state: created.state, version: 1 });
  });

  it("of 20 DELETEs with If-Match of the version, exactly one deletes", async () => {
    const chat = unique("delete");
    await put(0, chat, { state: "start" });
    const answers = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) =>
        (instances[i % 2] as FastifyInstance).inject({
          method: "DELETE",
          url: `/bot-state/${sourceId}/${chat}`,
          headers: { "if-match": '"1"' },
        }),
      ),
    );
    const statuses = answers.map((answer) => answer.statusCode);
    expect(statuses.filter((status) => status === 204)).toHaveLength(1);
    expect(statuses.filter((status) => status === 412)).toHaveLength(WRITERS - 1);
  });
});
