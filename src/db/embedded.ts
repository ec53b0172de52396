// The zero-setup database: PGlite (PostgreSQL compiled to WebAssembly) keeping its
// data in a folder, served over the PostgreSQL wire protocol on a free loopback
// port, so the service reaches it through exactly the same pg + adapter-pg path
// as a real server.
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
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
    db = await PGlite.create({ dataDir: directory });
    server = new PGLiteSocketServer({
      db,
      host: "127.0.0.1",
      port: 0,
      maxConnections: EMBEDDED_MAX_CONNECTIONS,
    });
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
