// The SSRF guard: a webhook URL must be http(s), carry no credentials, and resolve only to
// public addresses, unless WEBHOOK_ALLOW_PRIVATE_URLS (loopback receivers in tests and local
// setups). It runs at registration (a 400 naming `url`) and again at every delivery, where
// the sender connects to exactly the addresses checked (webhook-sender.ts: its `lookup`),
// so a DNS answer that changes after the check cannot point a delivery inside.
import { lookup as dnsLookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

export type ResolvedAddress = { address: string; family: 4 | 6 };
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((entry) => ({
    address: entry.address,
    family: entry.family === 6 ? 6 : 4,
  }));

export class UnsafeUrlError extends Error {
  override name = "UnsafeUrlError";
}

/** Loopback, private, link-local, unique-local, CGNAT, multicast, unspecified, reserved and documentation ranges. */
const BLOCKED = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  BLOCKED.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::", 128],
  ["::1", 128],
  // NAT64 and 6to4 embed an IPv4 address that may be a private one.
  ["64:ff9b::", 96],
  ["64:ff9b:1::", 48],
  ["2002::", 16],
  ["100::", 64],
  ["2001:db8::", 32],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8],
] as const) {
  BLOCKED.addSubnet(network, prefix, "ipv6");
}

/** ::ffff:a.b.c.d (or its hex form ::ffff:7f00:1) as the IPv4 address it stands for, else null. */
function mappedIpv4(address: string): string | null {
  const match = /^(?:0{0,4}:){0,5}:?ffff:(.+)$/i.exec(address);
  const rest = match?.[1];
  if (!rest) return null;
  if (isIP(rest) === 4) return rest;
  const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(rest);
  if (!hex?.[1] || !hex[2]) return null;
  const high = Number.parseInt(hex[1], 16);
  const low = Number.parseInt(hex[2], 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return BLOCKED.check(address, "ipv4");
  if (family !== 6) return true; // not an address at all: refuse rather than guess
  const v4 = mappedIpv4(address);
  if (v4 !== null) return BLOCKED.check(v4, "ipv4");
  return BLOCKED.check(address, "ipv6");
}

/** The URL, parsed, when its form is acceptable; throws UnsafeUrlError saying why not. */
export function parseWebhookUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeUrlError("must be an absolute http:// or https:// URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UnsafeUrlError(`must use http or https, not ${url.protocol.replace(/:$/, "")}`);
  }
  if (url.username !== "" || url.password !== "") {
    throw new UnsafeUrlError("must not contain credentials (user:password@)");
  }
  if (url.hostname === "") throw new UnsafeUrlError("must name a host");
  return url;
}

/** The URL's host without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, "$1");
}

/**
 * Resolves the host and returns the addresses a request may connect to: all of them when
 * private ones are allowed, else only when none is private (a host with one private
 * address among public ones is refused: which one a client picks is not ours to choose).
 */
export async function resolveSafely(
  host: string,
  allowPrivate: boolean,
  resolve: Resolver = systemResolver,
): Promise<ResolvedAddress[]> {
  const family = isIP(host);
  let addresses: ResolvedAddress[];
  if (family !== 0) {
    addresses = [{ address: host, family: family === 6 ? 6 : 4 }];
  } else {
    try {
      addresses = await resolve(host);
    } catch {
      throw new UnsafeUrlError(`the host ${host} does not resolve`);
    }
    if (addresses.length === 0) throw new UnsafeUrlError(`the host ${host} does not resolve`);
  }
  if (!allowPrivate) {
    const blocked = addresses.find((entry) => isPrivateAddress(entry.address));
    if (blocked) {
      throw new UnsafeUrlError(
        `resolves to ${blocked.address}, a loopback, private or link-local address ` +
          "(refused unless WEBHOOK_ALLOW_PRIVATE_URLS=true)",
      );
    }
  }
  return addresses;
}

/** The whole check of registration: form, then addresses. */
export async function checkWebhookUrl(raw: string, allowPrivate: boolean, resolve?: Resolver): Promise<URL> {
  const url = parseWebhookUrl(raw);
  await resolveSafely(hostOf(url), allowPrivate, resolve);
  return url;
}
