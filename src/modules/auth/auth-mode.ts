// Whether requests need an API key: the zero-config rule of AUTH=auto, as a pure
// function used both at start (to refuse an open service on a network address)
// and on every request (to turn authentication on once a first key exists).
import { BlockList, isIPv4, isIPv6 } from "node:net";

export type AuthMode = "auto" | "on" | "off";

export type AuthDecision =
  | { action: "require" }
  | { action: "open"; reason: "auth_off" | "no_key_on_loopback"; message: string }
  | { action: "refuse"; message: string };

const loopback = new BlockList();
loopback.addSubnet("127.0.0.0", 8, "ipv4");
loopback.addAddress("::1", "ipv6");

/**
 * True when a server listening on `host` is reachable from this machine only:
 * localhost, 127.0.0.0/8, ::1 (also IPv4-mapped). 0.0.0.0, :: and any other
 * name or address are not (a name could resolve to anything).
 */
export function isLoopbackHost(host: string): boolean {
  const name = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, "$1");
  if (name === "localhost") return true;
  if (isIPv4(name)) return loopback.check(name, "ipv4");
  if (isIPv6(name)) return loopback.check(name, "ipv6");
  return false;
}

export const CREATE_KEY_HINT =
  'create an admin key with `npm run apikey -- create --role admin --label "ops"`, ' +
  "or set BOOTSTRAP_ADMIN_KEY (a random value of at least 32 characters) to create one at start";

/**
 * - AUTH=on: a key is always required.
 * - AUTH=off: never (the caller logs a warning).
 * - AUTH=auto: required once an active key exists; with none, the service runs open
 *   only on a loopback address, and refuses to serve a network address open.
 *   At run time a "refuse" means "require": if every key gets revoked, a service on a
 *   network address stays closed rather than opening up.
 */
export function decideAuth(input: { mode: AuthMode; host: string; hasActiveKeys: boolean }): AuthDecision {
  const { mode, host, hasActiveKeys } = input;
  if (mode === "on") return { action: "require" };
  if (mode === "off") {
    return {
      action: "open",
      reason: "auth_off",
      message: `running without authentication: AUTH=off, every route is open to anyone who can reach ${host}`,
    };
  }
  if (hasActiveKeys) return { action: "require" };
  if (isLoopbackHost(host)) {
    return {
      action: "open",
      reason: "no_key_on_loopback",
      message:
        "running without authentication: no API key exists; listening on loopback only " +
        `(${CREATE_KEY_HINT}; authentication turns on by itself once a key exists)`,
    };
  }
  return {
    action: "refuse",
    message:
      `Refusing to start: no API key exists and HOST=${host} is not a loopback address, ` +
      "so the API would be open to the network.\n" +
      `To fix it, ${CREATE_KEY_HINT};\n` +
      "or listen on a loopback address (HOST=127.0.0.1);\n" +
      "or set AUTH=off to run without authentication on purpose.",
  };
}
