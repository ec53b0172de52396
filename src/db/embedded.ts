// The zero-setup database: PGlite (PostgreSQL compiled to WebAssembly) keeping its
// data in a folder, served over the PostgreSQL wire protocol on a free loopback
// port, so the service reaches it through exactly the same pg + adapter-pg path
// as a real server.
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { btree_gist } from "@electric-sql/pglite/contrib/btree_gist";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { lockDataDir } from "./data-dir-lock.js";

export type EmbeddedPostgres = {
  url: string;
  dataDir: string;
  stop(): Promise<void>;
};

/** PGlite runs one query at a time; more connections only queue behind each other. */
export const EMBEDDED_MAX_CONNECTIONS = 10;

export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const directory = resolve(dataDir);
  mkdirSync(directory, { recursive: true });
  const unlock = lockDataDir(directory);
  let db: PGlite | undefined;
  let server: PGLiteSocketServer;
  try {
    // The extensions the migrations create (lead search, booking exclusion constraints),
    // registered on every open: PGlite loads an extension's library only when told, so
    // without this, after a reopen, even an INSERT into a trigram-indexed table fails.
    db = await PGlite.create({ dataDir: directory, extensions: { pg_trgm, btree_gist } });
    server = new PGLiteSocketServer({
      db,
      host: "127.0.0.1",
      port: 0,
      maxConnections: EMBEDDED_MAX_CONNECTIONS,
    });
    groupExtendedQueries(server);
    await server.start();
  } catch (error) {
    await db?.close();
    unlock();
    throw error;
  }
  const [host, port] = server.getServerConn().split(":");
  return {
    url: `postgresql://postgres@${host}:${port}/postgres?sslmode=disable`,
    dataDir: directory,
    async stop() {
      await server.stop();
      await db.close();
      unlock();
    },
  };
}

type QueryQueue = {
  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number>;
  clearQueueForHandler(handlerId: number): void;
};

/** Parse, Bind, Describe, Execute, Close: the messages of an extended query, up to its Sync. */
const EXTENDED_QUERY_MESSAGES = new Set(["P", "B", "D", "E", "C"].map((type) => type.charCodeAt(0)));

/**
 * Makes each connection's extended query (Parse ... Sync) one item of pglite-socket's query
 * queue. The queue takes each wire message on its own, and PGlite writes to disk after each
 * one (an await), so another connection's Parse could run between this one's Parse and Bind:
 * all connections share PGlite's one session and its unnamed statement and portal, and a
 * statement then ran with another's parameters (a live stream read an empty page where its
 * events were: README "Testing"). PGlite runs a buffer of several messages in one go.
 * pglite-socket 0.2.17 does not expose the queue; this reaches for its field by name, and
 * fails at start if that is gone.
 */
export function groupExtendedQueries(server: PGLiteSocketServer): void {
  const queue = (server as unknown as { queryQueue?: QueryQueue }).queryQueue;
  if (!queue || typeof queue.enqueue !== "function") {
    throw new Error("pglite-socket changed: its query queue is not where groupExtendedQueries looks for it");
  }
  const enqueue = queue.enqueue.bind(queue);
  const clear = queue.clearQueueForHandler.bind(queue);
  const waiting = new Map<number, Uint8Array[]>();
  queue.enqueue = (handlerId, message, onData) => {
    const group = waiting.get(handlerId) ?? [];
    group.push(message);
    if (EXTENDED_QUERY_MESSAGES.has(message[0] as number)) {
      waiting.set(handlerId, group);
      return Promise.resolve(0);
    }
    // Sync, a simple Query, Flush, Terminate, the start-up messages: run what waited with it.
    waiting.delete(handlerId);
    return enqueue(handlerId, group.length === 1 ? message : Buffer.concat(group), onData);
  };
  queue.clearQueueForHandler = (handlerId) => {
    waiting.delete(handlerId);
    clear(handlerId);
  };
}
