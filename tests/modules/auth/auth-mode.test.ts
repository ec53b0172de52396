// The zero-config rule, as a pure function: when the service runs open, requires
// keys, or refuses to start.
import { describe, expect, it } from "vitest";
import { bearerKey } from "../../../src/modules/auth/auth.plugin.js";
import { decideAuth, isLoopbackHost } from "../../../src/modules/auth/auth-mode.js";

describe("isLoopbackHost", () => {
  it.each([
    "127.0.0.1",
    "127.0.0.2",
    "127.255.255.254",
    "localhost",
    "LOCALHOST",
    "::1",
    "[::1]",
    "0:0:0:0:0:0:0:1",
    "::ffff:127.0.0.1",
  ])("%s is loopback", (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each([
    "0.0.0.0",
    "::",
    "[::]",
    "10.0.0.5",
    "192.168.1.10",
    "128.0.0.1",
    "::ffff:10.0.0.1",
    "fe80::1",
    "example.com",
    "localhost.example.com",
    "127.0.0.1.nip.io",
    "",
  ])("%s is not", (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});

describe("decideAuth", () => {
  const loopback = "127.0.0.1";
  const network = "0.0.0.0";

  it("AUTH=on always requires a key, keys or not, anywhere", () => {
    for (const host of [loopback, network]) {
      for (const hasActiveKeys of [true, false]) {
        expect(decideAuth({ mode: "on", host, hasActiveKeys })).toEqual({ action: "require" });
      }
    }
  });

  it("AUTH=off never does, anywhere, and says so", () => {
    for (const host of [loopback, network]) {
      for (const hasActiveKeys of [true, false]) {
        expect(decideAuth({ mode: "off", host, hasActiveKeys })).toEqual({
          action: "open",
          reason: "auth_off",
          message: expect.stringContaining("running without authentication: AUTH=off"),
        });
      }
    }
  });

  it("AUTH=auto requires a key once one exists, on loopback and elsewhere", () => {
    expect(decideAuth({ mode: "auto", host: loopback, hasActiveKeys: true })).toEqual({ action: "require" });
    expect(decideAuth({ mode: "auto", host: network, hasActiveKeys: true })).toEqual({ action: "require" });
  });

  it.each(["127.0.0.1", "localhost", "::1"])(
    "AUTH=auto without keys runs open on loopback (%s), with the message logged at every start",
    (host) => {
      const decision = decideAuth({ mode: "auto", host, hasActiveKeys: false });
      expect(decision).toMatchObject({ action: "open", reason: "no_key_on_loopback" });
      expect(decision.action === "open" && decision.message).toMatch(
        /^running without authentication: no API key exists; listening on loopback only/,
      );
    },
  );

  it.each(["0.0.0.0", "::", "10.1.2.3", "my-host"])(
    "AUTH=auto without keys refuses %s, saying how to create a key or turn auth off",
    (host) => {
      const decision = decideAuth({ mode: "auto", host, hasActiveKeys: false });
      expect(decision.action).toBe("refuse");
      const message = decision.action === "refuse" ? decision.message : "";
      expect(message).toContain(`HOST=${host} is not a loopback address`);
      expect(message).toContain('npm run apikey -- create --role admin --label "ops"');
      expect(message).toContain("BOOTSTRAP_ADMIN_KEY");
      expect(message).toContain("AUTH=off");
    },
  );
});

describe("bearerKey", () => {
  it.each([
    ["Bearer abc", "abc"],
    ["bearer abc", "abc"],
    ["BEARER  abc ", "abc"],
    ["Bearer lds_0123456789abcdef_x-y_z", "lds_0123456789abcdef_x-y_z"],
  ])("reads %j", (header, key) => {
    expect(bearerKey(header)).toBe(key);
  });

  it.each([undefined, "", "Bearer", "Bearer ", "Basic abc", "Bearer a b", "abc", "Token abc"])(
    "finds no key in %j",
    (header) => {
      expect(bearerKey(header)).toBeNull();
    },
  );
});
