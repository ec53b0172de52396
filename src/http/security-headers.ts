// The security headers (helmet's) on every answer, errors included. Our policy has
// no per-request part (no CSP nonces), so they are computed once, by running helmet's
// middleware against a recorder, and copied onto each reply: @fastify/helmet built
// the middleware again on every request and parsed the CSP each time (with the
// header validation of a dozen setHeader calls, 2-4% of the busy samples in a
// profile of the appeal intake; docs/PERFORMANCE.md).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FastifyInstance } from "fastify";
import helmet, { type HelmetOptions } from "helmet";

const POLICY: HelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: true,
    directives: {
      // Swagger UI (/docs) loads only same-origin scripts and styles, data: images and fetches
      // /docs/json, all allowed by helmet's defaults. upgrade-insecure-requests would make
      // browsers fetch those assets over https from a plain-http deployment (behind a TLS proxy
      // the page is https anyway), so it is left out.
      upgradeInsecureRequests: null,
    },
  },
};

/**
 * The headers helmet's middleware sets with these options. Refuses options with a
 * function directive (a CSP nonce, say): computed once, it would be the same on
 * every answer, which defeats its purpose.
 */
export function helmetHeaders(options: HelmetOptions): Readonly<Record<string, string>> {
  const csp = options.contentSecurityPolicy;
  const directives = typeof csp === "object" ? Object.values(csp.directives ?? {}) : [];
  if (
    directives.some(
      (value) =>
        typeof value === "function" || (Array.isArray(value) && value.some((v) => typeof v === "function")),
    )
  ) {
    throw new Error("helmetHeaders: a per-request (function) directive cannot be computed once");
  }
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number) {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
  });
  return Object.freeze(headers);
}

export const SECURITY_HEADERS = helmetHeaders(POLICY);

/** First among the onRequest hooks, so answers given by later hooks (401, 503 while closing) carry them. */
export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook("onRequest", (_request, reply, done) => {
    reply.headers(SECURITY_HEADERS);
    done();
  });
}
