// npm run apikey: argument parsing, the commands against a real database, and the
// real process once (create, list, revoke) on a scratch database.
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type Output, parseCommand, runCommand } from "../../../src/cli/apikey.commands.js";
import { unique } from "../../helpers/factories.js";
import { query } from "../../helpers/sql.js";
import { useTestApp } from "../../helpers/test-app.js";
import { runTs } from "./child-process.js";

const t = useTestApp();

function capture(): Output & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (line) => stdout.push(line), err: (line) => stderr.push(line) };
}

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

describe("parseCommand", () => {
  it.each([
    [["create", "--role", "admin", "--label", "ops"], { name: "create", role: "admin", label: "ops" }],
    [["create", "--label=ops team", "--role=viewer"], { name: "create", role: "viewer", label: "ops team" }],
    [
      ["create", "--role", "intake", "--label", "bot", "--source-ids", "3,1,2"],
      { name: "create", role: "intake", label: "bot", sourceIds: [3, 1, 2] },
    ],
    [
      ["create", "--role=intake", "--label=bot", "--source-ids= 7 "],
      { name: "create", role: "intake", label: "bot", sourceIds: [7] },
    ],
    [
      ["create", "--role", "operator", "--label", "Olga", "--operator-id", "3"],
      { name: "create", role: "operator", label: "Olga", operatorId: 3 },
    ],
    [["list"], { name: "list", json: false }],
    [["list", "--json"], { name: "list", json: true }],
    [["revoke", "12"], { name: "revoke", id: 12 }],
    [[], { name: "help" }],
    [["--help"], { name: "help" }],
  ])("%j", (argv, command) => {
    expect(parseCommand(argv)).toEqual({ command, force: false });
  });

  it("reads --force (for an embedded database left locked by a crash)", () => {
    expect(parseCommand(["list", "--force"])).toEqual({
      command: { name: "list", json: false },
      force: true,
    });
  });

  it.each([
    [["create", "--role", "admin"], /--role and --label/],
    [["create", "--label", "x"], /--role and --label/],
    [["create", "--role", "admin", "--label", "x", "extra"], /no positional/],
    [["create", "--role", "intake", "--label", "x", "--source-ids", ""], /--source-ids takes/],
    [["create", "--role", "intake", "--label", "x", "--source-ids", "1,"], /--source-ids takes/],
    [["create", "--role", "intake", "--label", "x", "--source-ids", "1,two"], /--source-ids takes/],
    [["create", "--role", "intake", "--label", "x", "--source-ids", "0"], /--source-ids takes/],
    [["create", "--role", "intake", "--label", "x", "--source-ids", "99999999999"], /--source-ids takes/],
    [["create", "--role", "operator", "--label", "x", "--operator-id", "1,2"], /--operator-id takes/],
    [["create", "--role", "operator", "--label", "x", "--operator-id", "0"], /--operator-id takes/],
    [["create", "--role", "operator", "--label", "x", "--operator-id", ""], /--operator-id takes/],
    [["revoke"], /revoke needs the id/],
    [["revoke", "abc"], /revoke needs the id/],
    [["revoke", "0"], /revoke needs the id/],
    [["revoke", "1", "2"], /revoke needs the id/],
    [["revoke", "99999999999"], /revoke needs the id/],
    [["list", "x"], /list takes no arguments/],
    [["rotate"], /unknown command "rotate"/],
    [["list", "--colour"], /Unknown option '--colour'/],
  ])("refuses %j", (argv, message) => {
    const parsed = parseCommand(argv);
    expect("error" in parsed && parsed.error).toMatch(message);
  });
});

describe("runCommand", () => {
  it("create prints the key once, alone on stdout; stderr names the key without it", async () => {
    const io = capture();
    const code = await runCommand(
      { name: "create", role: "intake", label: "bot" },
      t.deps.apiKeys,
      io,
      "cli:test",
    );
    expect(code).toBe(0);
    expect(io.stdout).toHaveLength(1);
    const key = io.stdout[0] ?? "";
    expect(key).toMatch(/^lds_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(io.stderr.join("\n")).toMatch(
      /Created API key \d+ "bot" with the role intake\. This is the only time/,
    );
    expect(io.stderr.join("\n")).not.toContain(key);
    expect(await t.deps.apiKeys.authenticate(key)).toMatchObject({ label: "bot", role: "intake" });
  });

  it("list shows id, role, label and the key's public start, never the key or its hash", async () => {
    const created = capture();
    await runCommand(
      { name: "create", role: "viewer", label: "dashboard" },
      t.deps.apiKeys,
      created,
      "cli:test",
    );
    const key = created.stdout[0] ?? "";
    const io = capture();
    expect(await runCommand({ name: "list", json: false }, t.deps.apiKeys, io, "cli:test")).toBe(0);
    const text = io.stdout.join("\n");
    expect(io.stdout[0]).toMatch(
      /^ID\s+ROLE\s+LABEL\s+KEY\s+CREATED\s+LAST USED\s+REVOKED\s+SOURCES\s+OPERATOR$/,
    );
    expect(text).toMatch(new RegExp(`viewer\\s+dashboard\\s+${key.slice(0, 21)}…`));
    expect(text).not.toContain(key);
    expect(text).not.toContain(key.slice(21));
    expect(text).not.toContain(sha256(key));

    const json = capture();
    await runCommand({ name: "list", json: true }, t.deps.apiKeys, json, "cli:test");
    const listed = JSON.parse(json.stdout.join("\n")) as { label: string; prefix: string }[];
    expect(listed.find((k) => k.label === "dashboard")).toEqual({
      id: expect.any(Number),
      label: "dashboard",
      role: "viewer",
      source_ids: null,
      operator_id: null,
      prefix: `${key.slice(0, 21)}…`,
      created_at: expect.any(String),
      revoked_at: null,
      last_used_at: null,
    });
    expect(json.stdout.join("\n")).not.toContain(sha256(key));
  });

  it("revoke stops the key; an unknown id or a bad role is a message and exit code 1", async () => {
    const created = await t.deps.apiKeys.create({ label: "leaving", role: "admin" }, "test");
    const io = capture();
    expect(await runCommand({ name: "revoke", id: created.apiKey.id }, t.deps.apiKeys, io, "cli:test")).toBe(
      0,
    );
    expect(io.stderr.join("\n")).toMatch(new RegExp(`API key ${created.apiKey.id} "leaving" is revoked`));
    expect(await t.deps.apiKeys.authenticate(created.key)).toBeNull();
    const [event] = await query<{ actor: string }>(
      t.testDatabase.url,
      "SELECT actor FROM events WHERE type = 'api_key.revoked' AND entity_id = $1",
      [created.apiKey.id],
    );
    expect(event?.actor).toBe("cli:test");

    const missing = capture();
    expect(await runCommand({ name: "revoke", id: 777777 }, t.deps.apiKeys, missing, "cli:test")).toBe(1);
    expect(missing.stderr).toEqual(["apikey: API key 777777 does not exist."]);

    const badRole = capture();
    expect(
      await runCommand({ name: "create", role: "root", label: "x" }, t.deps.apiKeys, badRole, "cli"),
    ).toBe(1);
    expect(badRole.stderr.join("\n")).toMatch(/Unknown role "root": use one of admin, intake, viewer/);
    expect(badRole.stdout).toEqual([]);
  });
});

describe("runCommand create --source-ids", () => {
  it("creates an intake key scoped to those sources; list shows them", async () => {
    const a = await t.deps.sources.create({ name: unique("cli source"), strategy: "weighted" }, "test");
    const b = await t.deps.sources.create({ name: unique("cli source"), strategy: "weighted" }, "test");
    const io = capture();
    const code = await runCommand(
      { name: "create", role: "intake", label: "scoped bot", sourceIds: [b.id, a.id] },
      t.deps.apiKeys,
      io,
      "cli:test",
    );
    expect(code, io.stderr.join("\n")).toBe(0);
    expect(io.stderr.join("\n")).toMatch(
      new RegExp(
        `Created API key \\d+ "scoped bot" with the role intake, scoped to the sources ${a.id}, ${b.id}\\. `,
      ),
    );
    const key = io.stdout[0] ?? "";
    expect(await t.deps.apiKeys.authenticate(key)).toMatchObject({ role: "intake", sourceIds: [a.id, b.id] });

    const list = capture();
    await runCommand({ name: "list", json: false }, t.deps.apiKeys, list, "cli:test");
    const row = list.stdout.find((line) => line.includes("scoped bot")) ?? "";
    expect(row).toMatch(new RegExp(`\\s${a.id},${b.id}\\s+-$`));
    const json = capture();
    await runCommand({ name: "list", json: true }, t.deps.apiKeys, json, "cli:test");
    const listed = JSON.parse(json.stdout.join("\n")) as { label: string; source_ids: number[] | null }[];
    expect(listed.find((k) => k.label === "scoped bot")?.source_ids).toEqual([a.id, b.id]);
  });

  it("refuses unknown source ids, naming them, and a scope on another role; exit 1, no key", async () => {
    const source = await t.deps.sources.create({ name: unique("cli source"), strategy: "weighted" }, "test");
    const before = (await t.deps.apiKeys.list()).length;
    const unknown = capture();
    expect(
      await runCommand(
        { name: "create", role: "intake", label: "bot", sourceIds: [source.id, 888801, 888802] },
        t.deps.apiKeys,
        unknown,
        "cli",
      ),
    ).toBe(1);
    expect(unknown.stderr).toEqual([
      "apikey: Unknown source ids: 888801, 888802. A key can be scoped to existing sources only.",
    ]);
    expect(unknown.stdout).toEqual([]);

    const admin = capture();
    expect(
      await runCommand(
        { name: "create", role: "admin", label: "ops", sourceIds: [source.id] },
        t.deps.apiKeys,
        admin,
        "cli",
      ),
    ).toBe(1);
    expect(admin.stderr).toEqual(["apikey: source_ids scopes intake keys only, not admin keys."]);
    expect(admin.stdout).toEqual([]);
    expect(await t.deps.apiKeys.list()).toHaveLength(before);
  });
});

describe("runCommand create --operator-id", () => {
  it("creates an operator key bound to that operator; list shows it", async () => {
    const operator = await t.deps.operators.create({ name: "Olga", is_active: true, max_load: 3 }, "test");
    const io = capture();
    const code = await runCommand(
      { name: "create", role: "operator", label: "olga", operatorId: operator.id },
      t.deps.apiKeys,
      io,
      "cli:test",
    );
    expect(code, io.stderr.join("\n")).toBe(0);
    expect(io.stderr.join("\n")).toMatch(
      new RegExp(`Created API key \\d+ "olga" with the role operator, for the operator ${operator.id}\\. `),
    );
    const principal = await t.deps.apiKeys.authenticate(io.stdout[0] ?? "");
    expect(principal).toMatchObject({ role: "operator", operatorId: operator.id, sourceIds: null });

    const list = capture();
    await runCommand({ name: "list", json: false }, t.deps.apiKeys, list, "cli:test");
    const row = list.stdout.find((line) => line.startsWith(`${principal?.keyId} `)) ?? "";
    expect(row).toMatch(new RegExp(`^${principal?.keyId}\\s+operator\\s+olga\\s.*\\sall\\s+${operator.id}$`));
  });

  it("refuses an operator key without an operator, an unknown operator, an operator on another role; exit 1, no key", async () => {
    const operator = await t.deps.operators.create({ name: "Oleg", is_active: true, max_load: 3 }, "test");
    const before = (await t.deps.apiKeys.list()).length;
    const attempts: [Parameters<typeof runCommand>[0], string][] = [
      [
        { name: "create", role: "operator", label: "x" },
        "apikey: An operator key needs operator_id: the operator it acts for.",
      ],
      [
        { name: "create", role: "operator", label: "x", operatorId: 999999 },
        "apikey: Operator 999999 does not exist; no key was created.",
      ],
      [
        { name: "create", role: "viewer", label: "x", operatorId: operator.id },
        "apikey: operator_id binds operator keys only, not viewer keys.",
      ],
    ];
    for (const [command, message] of attempts) {
      const io = capture();
      expect(await runCommand(command, t.deps.apiKeys, io, "cli")).toBe(1);
      expect(io.stderr).toEqual([message]);
      expect(io.stdout).toEqual([]);
    }
    expect(await t.deps.apiKeys.list()).toHaveLength(before);
  });
});

describe("the process (npm run apikey)", () => {
  it("creates, lists and revokes against DATABASE_URL", async () => {
    const env = { DATABASE_URL: t.testDatabase.url };
    const create = runTs("src/cli/apikey.ts", ["create", "--role", "admin", "--label", "ops"], env);
    expect(await create.exited, create.stderr()).toBe(0);
    const key = create.stdout().trim();
    expect(key).toMatch(/^lds_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(create.stderr()).not.toContain(key);
    const principal = await t.deps.apiKeys.authenticate(key);
    expect(principal).toMatchObject({ label: "ops", role: "admin" });

    const source = await t.deps.sources.create(
      { name: unique("process source"), strategy: "weighted" },
      "test",
    );
    const scoped = runTs(
      "src/cli/apikey.ts",
      ["create", "--role", "intake", "--label", "bot", "--source-ids", String(source.id)],
      env,
    );
    expect(await scoped.exited, scoped.stderr()).toBe(0);
    expect(await t.deps.apiKeys.authenticate(scoped.stdout().trim())).toMatchObject({
      label: "bot",
      role: "intake",
      sourceIds: [source.id],
    });

    const operator = await t.deps.operators.create({ name: "Olga", is_active: true, max_load: 3 }, "test");
    const bound = runTs(
      "src/cli/apikey.ts",
      ["create", "--role", "operator", "--operator-id", String(operator.id), "--label", "olga"],
      env,
    );
    expect(await bound.exited, bound.stderr()).toBe(0);
    expect(await t.deps.apiKeys.authenticate(bound.stdout().trim())).toMatchObject({
      label: "olga",
      role: "operator",
      operatorId: operator.id,
    });

    const list = runTs("src/cli/apikey.ts", ["list"], env);
    expect(await list.exited, list.stderr()).toBe(0);
    expect(list.stdout()).toMatch(new RegExp(`${principal?.keyId}\\s+admin\\s+ops\\s+${key.slice(0, 21)}…`));
    expect(list.stdout()).toMatch(new RegExp(`\\s+intake\\s+bot\\s+.*\\s${source.id}\\s+-\\n`));
    expect(list.stdout() + list.stderr()).not.toContain(key);

    const revoke = runTs("src/cli/apikey.ts", ["revoke", String(principal?.keyId)], env);
    expect(await revoke.exited, revoke.stderr()).toBe(0);
    const [row] = await query<{ revoked_at: Date | null }>(
      t.testDatabase.url,
      "SELECT revoked_at FROM api_keys WHERE id = $1",
      [principal?.keyId],
    );
    expect(row?.revoked_at).toBeInstanceOf(Date);
  }, 120_000);

  it("exits 2 with the usage on bad arguments, and refuses an embedded database another process holds", async () => {
    const bad = runTs("src/cli/apikey.ts", ["create", "--role", "admin"], {});
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toContain("create needs --role and --label");
    expect(bad.stderr()).toContain("Usage:");

    const dataDir = mkdtempSync(join(tmpdir(), "lds-apikey-"));
    try {
      writeFileSync(join(dataDir, "postmaster.pid"), "-42\n");
      const locked = runTs("src/cli/apikey.ts", ["list"], { DATA_DIR: dataDir });
      expect(await locked.exited).toBe(1);
      expect(locked.stderr()).toContain("is open in another process");
      expect(locked.stderr()).toContain("--force");
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
