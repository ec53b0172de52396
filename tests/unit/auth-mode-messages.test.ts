// The zero-config rule's exact words: operators read them in the log at every start,
// and the refusal is the whole output of a process that would not start.
import { describe, expect, it } from "vitest";
import { CREATE_KEY_HINT, decideAuth, isLoopbackHost } from "../../src/modules/auth/auth-mode.js";

describe("decideAuth's messages", () => {
  it("names the hint to create a key", () => {
    expect(CREATE_KEY_HINT).toBe(
      'create an admin key with `npm run apikey -- create --role admin --label "ops"`, ' +
        "or set BOOTSTRAP_ADMIN_KEY (a random value of at least 32 characters) to create one at start",
    );
  });

  it("AUTH=off names the address everything is open on", () => {
    expect(decideAuth({ mode: "off", host: "10.0.0.7", hasActiveKeys: true })).toEqual({
      action: "open",
      reason: "auth_off",
      message:
        "running without authentication: AUTH=off, every route is open to anyone who can reach 10.0.0.7",
    });
  });

  it("AUTH=auto without keys on loopback says how authentication turns on", () => {
    expect(decideAuth({ mode: "auto", host: "127.0.0.1", hasActiveKeys: false })).toEqual({
      action: "open",
      reason: "no_key_on_loopback",
      message:
        "running without authentication: no API key exists; listening on loopback only " +
        `(${CREATE_KEY_HINT}; authentication turns on by itself once a key exists)`,
    });
  });

  it("AUTH=auto without keys elsewhere refuses with three ways out, one a line", () => {
    expect(decideAuth({ mode: "auto", host: "0.0.0.0", hasActiveKeys: false })).toEqual({
      action: "refuse",
      message:
        "Refusing to start: no API key exists and HOST=0.0.0.0 is not a loopback address, " +
        "so the API would be open to the network.\n" +
        `To fix it, ${CREATE_KEY_HINT};\n` +
        "or listen on a loopback address (HOST=127.0.0.1);\n" +
        "or set AUTH=off to run without authentication on purpose.",
    });
  });
});

describe("isLoopbackHost's reading of the name", () => {
  it.each([" 127.0.0.1 ", "\tlocalhost\n", " [::1] ", "LocalHost"])("%j is loopback", (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(["[::1", "::1]", "x[::1]", "[::1]x", "[[::1]]", "localhost:3000", "127.0.0.1:80"])(
    "%j is not",
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
    },
  );
});
