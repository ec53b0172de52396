import { describe, expect, it } from "vitest";
import { helmetHeaders, SECURITY_HEADERS } from "../../src/http/security-headers.js";

describe("security headers computed once", () => {
  it("are the headers helmet sets, with our CSP", () => {
    expect(SECURITY_HEADERS["x-content-type-options"]).toBe("nosniff");
    expect(SECURITY_HEADERS["content-security-policy"]).toContain("default-src 'self'");
    expect(SECURITY_HEADERS["content-security-policy"]).not.toContain("upgrade-insecure-requests");
    expect(Object.keys(SECURITY_HEADERS)).toHaveLength(12);
    expect(Object.isFrozen(SECURITY_HEADERS)).toBe(true);
  });

  it("refuse a per-request directive, which computed once would be the same on every answer", () => {
    const nonce = () => "'nonce-abc'";
    expect(() =>
      helmetHeaders({ contentSecurityPolicy: { directives: { scriptSrc: ["'self'", nonce] } } }),
    ).toThrow(/per-request/);
  });

  it("fail loudly on a directive helmet rejects", () => {
    expect(() => helmetHeaders({ contentSecurityPolicy: { directives: { "bad name!": ["x"] } } })).toThrow();
  });
});
