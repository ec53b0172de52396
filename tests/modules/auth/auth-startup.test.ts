// What the process does about authentication before it listens (prepareAuth):
// BOOTSTRAP_ADMIN_KEY, the message logged at every start, the refusal.
import { beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/config.js";
import { AuthStartupError, prepareAuth } from "../../../src/modules/auth/auth.startup.js";
import { useTestApp } from "../../helpers/test-app.js";

const t = useTestApp();

beforeEach(async () => {
  await t.testDatabase.reset();
});

function capture() {
  const lines: string[] = [];
  return {
    lines,
    log: { info: (m: string) => lines.push(`info: ${m}`), warn: (m: string) => lines.push(`warn: ${m}`) },
  };
}

const BOOTSTRAP = "bootstrap-admin-key-for-tests-0123456789abcdef";

describe("prepareAuth", () => {
  it("AUTH=auto on loopback without keys: runs open and says so", async () => {
    const { lines, log } = capture();
    const settings = await prepareAuth(
      { auth: "auto", host: "127.0.0.1", bootstrapAdminKey: undefined },
      t.deps.apiKeys,
      log,
    );
    expect(settings).toEqual({ mode: "auto", host: "127.0.0.1" });
    expect(lines).toEqual([
      expect.stringMatching(
        /^info: running without authentication: no API key exists; listening on loopback only \(create an admin key/,
      ),
    ]);
  });

  it("AUTH=auto on 0.0.0.0 without keys: refuses with a ConfigError saying what to do", async () => {
    const { lines, log } = capture();
    const attempt = prepareAuth(
      { auth: "auto", host: "0.0.0.0", bootstrapAdminKey: undefined },
      t.deps.apiKeys,
      log,
    );
    await expect(attempt).rejects.toBeInstanceOf(AuthStartupError);
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(attempt).rejects.toThrow(/npm run apikey -- create --role admin --label "ops"/);
    expect(lines).toEqual([]);
  });

  it("BOOTSTRAP_ADMIN_KEY creates the admin key first, so a network address is allowed", async () => {
    const { lines, log } = capture();
    await prepareAuth({ auth: "auto", host: "0.0.0.0", bootstrapAdminKey: BOOTSTRAP }, t.deps.apiKeys, log);
    expect(lines).toEqual([
      'info: created the admin API key "bootstrap" from BOOTSTRAP_ADMIN_KEY',
      "info: authentication: every route except /health, /ready and /docs needs an API key",
    ]);
    expect(await t.deps.apiKeys.authenticate(BOOTSTRAP)).toMatchObject({ label: "bootstrap", role: "admin" });

    const again = capture();
    await prepareAuth(
      { auth: "auto", host: "0.0.0.0", bootstrapAdminKey: BOOTSTRAP },
      t.deps.apiKeys,
      again.log,
    );
    expect(again.lines).toEqual([
      "info: authentication: every route except /health, /ready and /docs needs an API key",
    ]);
    expect((await t.deps.apiKeys.list()).filter((key) => key.label === "bootstrap")).toHaveLength(1);
  });

  it("a revoked bootstrap key stays revoked, with a warning; with no other key a network address is refused", async () => {
    await t.deps.apiKeys.ensureBootstrapKey(BOOTSTRAP);
    const [bootstrap] = await t.deps.apiKeys.list();
    await t.deps.apiKeys.revoke(bootstrap?.id ?? 0, "test");
    const { lines, log } = capture();
    await expect(
      prepareAuth({ auth: "auto", host: "0.0.0.0", bootstrapAdminKey: BOOTSTRAP }, t.deps.apiKeys, log),
    ).rejects.toBeInstanceOf(AuthStartupError);
    expect(lines).toEqual([expect.stringMatching(/^warn: BOOTSTRAP_ADMIN_KEY names a key that was revoked/)]);
  });

  it("AUTH=off warns; AUTH=on without keys warns that everything will be 401", async () => {
    const off = capture();
    await prepareAuth(
      { auth: "off", host: "0.0.0.0", bootstrapAdminKey: undefined },
      t.deps.apiKeys,
      off.log,
    );
    expect(off.lines).toEqual([expect.stringMatching(/^warn: running without authentication: AUTH=off/)]);
    const on = capture();
    await prepareAuth({ auth: "on", host: "0.0.0.0", bootstrapAdminKey: undefined }, t.deps.apiKeys, on.log);
    expect(on.lines).toEqual([expect.stringMatching(/^warn: AUTH=on and no API key exists/)]);
  });
});
