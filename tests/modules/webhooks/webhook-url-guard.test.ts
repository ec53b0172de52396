// The SSRF guard's address classes and URL forms, and the backoff schedule: pure functions.
import { describe, expect, it } from "vitest";
import { parseRetryAfter, retryDelayMs } from "../../../src/modules/webhooks/webhook-backoff.js";
import {
  checkWebhookUrl,
  isPrivateAddress,
  UnsafeUrlError,
} from "../../../src/modules/webhooks/webhook-url-guard.js";

describe("the SSRF guard", () => {
  it.each([
    "127.0.0.1",
    "127.255.0.9",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "255.255.255.255",
    "::",
    "::1",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "::ffff:10.0.0.1",
    "64:ff9b::a00:1",
  ])("refuses %s", (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(["93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:8.8.8.8"])(
    "lets %s through",
    (address) => {
      expect(isPrivateAddress(address)).toBe(false);
    },
  );

  const publicResolver = async () => [{ address: "93.184.216.34", family: 4 as const }];
  it.each([
    ["ftp://example.com/hook", /http or https/],
    ["https://user:pass@example.com/hook", /credentials/],
    ["not a url", /absolute/],
    ["http://127.0.0.1:8080/hook", /127\.0\.0\.1/],
    ["http://[::1]/hook", /::1/],
  ])("refuses %s", async (url, reason) => {
    const check = checkWebhookUrl(url, false, publicResolver);
    await expect(check).rejects.toBeInstanceOf(UnsafeUrlError);
    await expect(check).rejects.toThrow(reason);
  });

  it("refuses a name that resolves to a private address among public ones, and one that does not resolve", async () => {
    const mixed = async () => [
      { address: "93.184.216.34", family: 4 as const },
      { address: "10.0.0.5", family: 4 as const },
    ];
    await expect(checkWebhookUrl("https://example.com/", false, mixed)).rejects.toThrow(/10\.0\.0\.5/);
    const none = async () => {
      throw new Error("ENOTFOUND");
    };
    await expect(checkWebhookUrl("https://nowhere.invalid/", false, none)).rejects.toThrow(
      /does not resolve/,
    );
    await expect(checkWebhookUrl("https://example.com/", false, publicResolver)).resolves.toBeInstanceOf(URL);
    await expect(checkWebhookUrl("http://127.0.0.1/", true, publicResolver)).resolves.toBeInstanceOf(URL);
  });
});

describe("the backoff", () => {
  const schedule = [5_000, 300_000, 1_800_000];
  it("follows the schedule with ±20% jitter and gives up after it", () => {
    expect(retryDelayMs(1, null, schedule, () => 0.5)).toBe(5_000);
    expect(retryDelayMs(1, null, schedule, () => 0)).toBe(4_000);
    expect(retryDelayMs(2, null, schedule, () => 1)).toBe(360_000);
    expect(retryDelayMs(3, null, schedule, () => 0.5)).toBe(1_800_000);
    expect(retryDelayMs(4, null, schedule, () => 0.5)).toBeNull();
  });

  it("honours a later Retry-After, never an earlier one, capped at 24 h", () => {
    expect(retryDelayMs(1, 120_000, schedule, () => 0.5)).toBe(120_000);
    expect(retryDelayMs(2, 1_000, schedule, () => 0.5)).toBe(300_000);
    expect(retryDelayMs(1, 10 * 86_400_000, schedule, () => 0.5)).toBe(86_400_000);
  });

  it("reads Retry-After as seconds or an HTTP date", () => {
    const now = new Date("2026-12-01T10:00:00.000Z");
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter("Tue, 01 Dec 2026 10:05:00 GMT", now)).toBe(300_000);
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
  });
});
