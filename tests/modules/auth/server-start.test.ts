// The real process (src/server.ts) on a scratch database: the zero-config rule at
// start, BOOTSTRAP_ADMIN_KEY, and authentication turning on by itself once the CLI
// creates a first key while the service runs.
import { afterEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../helpers/test-database.js";
import { type Child, runTs } from "./child-process.js";

const children: Child[] = [];
const databases: TestDatabase[] = [];
afterEach(async () => {
  await Promise.all(children.splice(0).map((child) => child.stop()));
  await Promise.all(databases.splice(0).map((database) => database.drop()));
});

async function scratchDatabase(): Promise<string> {
  const database = await createTestDatabase();
  databases.push(database);
  return database.url;
}

function server(env: Record<string, string>): Child {
  const child = runTs("src/server.ts", [], { PORT: "0", LOG_LEVEL: "info", ...env });
  children.push(child);
  return child;
}

async function listeningPort(child: Child): Promise<number> {
  const [, port] = await child.waitFor(/Server listening at http:\/\/[^"\s]+:(\d+)/);
  return Number(port);
}

describe("AUTH=auto with no API key", () => {
  it("refuses to listen on a network address, exits non-zero and says how to create a key", async () => {
    const child = server({ DATABASE_URL: await scratchDatabase(), HOST: "0.0.0.0", AUTH: "auto" });
    expect(await child.exited).toBe(1);
    expect(child.stderr()).toContain(
      "Refusing to start: no API key exists and HOST=0.0.0.0 is not a loopback",
    );
    expect(child.stderr()).toContain('npm run apikey -- create --role admin --label "ops"');
    expect(child.stderr()).toContain("BOOTSTRAP_ADMIN_KEY");
    expect(child.stderr()).toContain("AUTH=off");
    expect(child.stdout()).not.toContain("Server listening");
  }, 120_000);

  it("runs open on loopback, says so, and turns authentication on once the CLI creates a key", async () => {
    const url = await scratchDatabase();
    const child = server({ DATABASE_URL: url, HOST: "127.0.0.1", AUTH: "auto" });
    const port = await listeningPort(child);
    expect(child.stdout()).toContain(
      "running without authentication: no API key exists; listening on loopback only",
    );
    expect((await fetch(`http://127.0.0.1:${port}/operators`)).status).toBe(200);

    const cli = runTs("src/cli/apikey.ts", ["create", "--role", "viewer", "--label", "first"], {
      DATABASE_URL: url,
    });
    children.push(cli);
    expect(await cli.exited, cli.stderr()).toBe(0);
    const key = cli.stdout().trim();
    expect(key).toMatch(/^lds_/);

    // Within the cache time (10 s) the service sees the key and requires one.
    await expect
      .poll(async () => (await fetch(`http://127.0.0.1:${port}/operators`)).status, {
        timeout: 15_000,
        interval: 250,
      })
      .toBe(401);
    const withKey = await fetch(`http://127.0.0.1:${port}/operators`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(withKey.status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
  }, 120_000);
});

describe("AUTH=off", () => {
  it("starts on a network address without keys, warning that it runs open", async () => {
    const child = server({ DATABASE_URL: await scratchDatabase(), HOST: "0.0.0.0", AUTH: "off" });
    const port = await listeningPort(child);
    expect(child.stdout()).toMatch(/"level":40[^\n]*running without authentication: AUTH=off/);
    expect((await fetch(`http://127.0.0.1:${port}/operators`)).status).toBe(200);
    expect(await child.stop()).toBe(0);
  }, 120_000);
});

describe("BOOTSTRAP_ADMIN_KEY", () => {
  const bootstrap = "container-bootstrap-key-3f9a1c77e0b24d5b9c1e";

  it("creates the admin key at start, so a network address is allowed; the value works as a bearer key and is never logged", async () => {
    const child = server({
      DATABASE_URL: await scratchDatabase(),
      HOST: "0.0.0.0",
      AUTH: "auto",
      BOOTSTRAP_ADMIN_KEY: bootstrap,
      LOG_LEVEL: "trace",
    });
    const port = await listeningPort(child);
    expect(child.stdout()).toContain('created the admin API key \\"bootstrap\\" from BOOTSTRAP_ADMIN_KEY');
    const base = `http://127.0.0.1:${port}`;
    const open = await fetch(`${base}/operators`);
    expect(open.status).toBe(401);
    expect(open.headers.get("www-authenticate")).toMatch(/^Bearer/);
    const created = await fetch(`${base}/operators`, {
      method: "POST",
      headers: { authorization: `Bearer ${bootstrap}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "Ann" }),
    });
    expect(created.status).toBe(201);
    expect(await child.stop()).toBe(0);
    expect(child.stdout()).toContain("incoming request");
    expect(child.stdout() + child.stderr()).not.toContain(bootstrap);
  }, 120_000);
});
