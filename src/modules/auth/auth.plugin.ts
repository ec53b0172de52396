// Authentication and authorisation at the edge. Every route declares who may call
// it (`config: { access }`); a route without a rule stops the app from starting
// (app.ready() rejects, naming it).
// The onRequest hook reads `Authorization: Bearer <key>`, sets request.principal and
// answers 401 (no, unknown or revoked key) or 403 (wrong role) as problem+json, and 429
// to an address with too many unknown keys this minute (failed-auth-limiter.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from "fastify";
import { sendProblem } from "../../http/error-handler.js";
import { problemResponse } from "../../http/problem.schema.js";
import type { ApiKeyService } from "./api-key.service.js";
import { type AuthMode, decideAuth } from "./auth-mode.js";
import { FailedAuthLimiter } from "./failed-auth-limiter.js";
import type { Access, Role } from "./principal.js";

export type AuthSettings = {
  mode: AuthMode;
  /** The address the server listens on: AUTH=auto runs open without keys only on loopback. */
  host: string;
  /** Unknown or revoked keys an address may present per minute before 429; 0 or absent: no limit. */
  failedAuthPerMinute?: number;
  /** The failure limit's clock (tests inject one). */
  now?: () => number;
};

export type AuthPluginOptions = AuthSettings & {
  apiKeys: Pick<ApiKeyService, "authenticate" | "hasActiveKeys" | "recognises"> | undefined;
  /** Routes under these prefixes that declare no rule are public (the Swagger UI's own routes). */
  publicPrefixes?: readonly string[];
};

/** The name of the security scheme in the OpenAPI document (see src/http/swagger.ts). */
export const BEARER_SCHEME = "bearerAuth";

const REALM = 'Bearer realm="lead-distribution"';
const ADMIN_ONLY: readonly Role[] = ["admin"];

/**
 * Installs the hooks on the root instance, before the routes are registered, so that
 * they see every route (including those of encapsulated plugins).
 */
export function registerAuth(app: FastifyInstance, options: AuthPluginOptions): void {
  const publicPrefixes = options.publicPrefixes ?? ["/docs"];
  app.decorateRequest("principal", null);
  // A route without a rule may still get one from an onRoute hook added later (the CORS
  // preflight route's, in src/http/security.ts): the check is final when the app is ready.
  const unruled: RouteOptions[] = [];
  app.addHook("onRoute", (route) => {
    if (!applyAccessRule(route, publicPrefixes)) unruled.push(route);
  });
  app.addHook("onReady", async () => {
    const missing = unruled.filter((route) => route.config?.access === undefined);
    if (missing.length > 0) {
      const names = missing.map((route) => `${String(route.method)} ${route.url}`).join(", ");
      throw new Error(
        `Routes without an access rule: ${names}. Add config: { access: ACCESS.… } ` +
          "(src/modules/auth/access.ts) saying which roles may call each, or ACCESS.public.",
      );
    }
  });

  const failures = failureLimiter(options);
  let wasOpen: boolean | undefined;
  app.addHook("onRequest", async (request, reply) => {
    // No rule: the not-found handler; or a route added before these hooks, which the
    // onReady check cannot see: that one fails closed, to admins only.
    if (request.is404) return;
    const access = request.routeOptions.config.access ?? ADMIN_ONLY;
    if (access === "public") return;
    const open = await runsOpen(options);
    if (open !== wasOpen) {
      if (wasOpen !== undefined) {
        request.log.info(
          open
            ? "authentication is off again: no active API key exists (loopback only)"
            : "authentication is on: an API key exists",
        );
      }
      wasOpen = open;
    }
    const key = bearerKey(request.headers.authorization);
    if (open) {
      // AUTH=off: a valid key still names the caller, for the audit trail.
      if (key !== null && options.mode === "off" && options.apiKeys) {
        request.principal = await options.apiKeys.authenticate(key);
      }
      return;
    }
    if (key === null) return unauthorized(reply, request, "missing");
    // An address over its failure limit gets lookups only for keys seen valid here: a key
    // in use keeps working, made-up ones cost nothing (and do not count further).
    const retryAfter = failures?.retryAfterSeconds(request.ip) ?? 0;
    if (retryAfter > 0 && !options.apiKeys?.recognises(key)) {
      return tooManyFailures(reply, request, retryAfter);
    }
    const principal = await options.apiKeys?.authenticate(key);
    if (!principal) {
      failures?.recordFailure(request.ip);
      return unauthorized(reply, request, "invalid");
    }
    request.principal = principal;
    request.log.debug({ api_key_id: principal.keyId, api_key_label: principal.label }, "authenticated");
    if (!access.includes(principal.role)) return forbidden(reply, request, access, principal.role);
  });
}

function failureLimiter(options: AuthPluginOptions): FailedAuthLimiter | undefined {
  const maxFailures = options.failedAuthPerMinute ?? 0;
  if (maxFailures <= 0) return undefined;
  return new FailedAuthLimiter({ maxFailures, ...(options.now && { now: options.now }) });
}

async function runsOpen({ mode, host, apiKeys }: AuthPluginOptions): Promise<boolean> {
  // Only AUTH=auto depends on whether keys exist; the answer is cached by the service.
  const hasActiveKeys = mode === "auto" && apiKeys ? await apiKeys.hasActiveKeys() : true;
  return decideAuth({ mode, host, hasActiveKeys }).action === "open";
}

/** The key of `Authorization: Bearer <key>`; null when the header is missing or has another scheme. */
export function bearerKey(header: string | undefined): string | null {
  const match = header ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header) : null;
  return match?.[1] ?? null;
}

/** Marks the docs' routes public and documents protected ones; false when the route has no rule (yet). */
function applyAccessRule(route: RouteOptions, publicPrefixes: readonly string[]): boolean {
  let access = route.config?.access;
  if (access === undefined && publicPrefixes.some((prefix) => isUnder(route.url, prefix))) {
    access = "public";
    route.config = { ...route.config, access };
  }
  if (access === undefined) return false;
  if (access !== "public" && route.schema) documentProtection(route, access);
  return true;
}

function isUnder(url: string, prefix: string): boolean {
  return url === prefix || url.startsWith(`${prefix}/`);
}

/** The operation needs a bearer key (Swagger UI's Authorize button) and can answer 401 and 403. */
function documentProtection(route: RouteOptions, access: Exclude<Access, "public">): void {
  const schema = route.schema ?? {};
  const roles = `Requires an API key with the role ${access.join(" or ")}.`;
  route.schema = {
    ...schema,
    description: schema.description ? `${schema.description}\n\n${roles}` : roles,
    security: [{ [BEARER_SCHEME]: [] }],
    response: {
      ...(schema.response as object | undefined),
      401: problemResponse("No API key, or an unknown or revoked one (code unauthorized)."),
      403: problemResponse("The API key's role may not call this route (code forbidden)."),
    },
  };
}

function unauthorized(reply: FastifyReply, request: FastifyRequest, why: "missing" | "invalid") {
  reply.header("www-authenticate", why === "missing" ? REALM : `${REALM}, error="invalid_token"`);
  return sendProblem(reply, request, {
    title: "Unauthorized",
    status: 401,
    code: "unauthorized",
    detail:
      why === "missing"
        ? "This route needs an API key: send it as the header Authorization: Bearer <key>."
        : "The API key is not valid: it is unknown or was revoked.",
  });
}

function tooManyFailures(reply: FastifyReply, request: FastifyRequest, retryAfterSeconds: number) {
  reply.header("retry-after", String(retryAfterSeconds));
  return sendProblem(reply, request, {
    title: "Too many requests",
    status: 429,
    code: "rate_limited",
    detail: `Too many requests with an unknown or revoked API key from this address; retry in ${retryAfterSeconds} seconds.`,
  });
}

function forbidden(reply: FastifyReply, request: FastifyRequest, allowed: readonly Role[], role: Role) {
  return sendProblem(reply, request, {
    title: "Forbidden",
    status: 403,
    code: "forbidden",
    detail: `This route needs the role ${allowed.join(" or ")}; the API key has the role ${role}.`,
  });
}
