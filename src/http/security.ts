// The limits every request meets before a handler runs: body size, rate per API
// key, a deadline, security headers, no-store on protected answers, CORS, and a
// clean refusal while shutting down.
import cors from "@fastify/cors";
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyRequest, FastifyServerOptions } from "fastify";
import { AppError } from "../core/errors.js";
import { registerNoStore } from "./cache-control.js";
import { sendProblem, TIMEOUT_PROBLEM } from "./error-handler.js";
import { registerSecurityHeaders } from "./security-headers.js";

export type HttpOptions = {
  /** Larger request bodies are refused with 413. */
  bodyLimitBytes: number;
  /** Requests per minute per API key (per client address in open mode); 0 turns rate limiting off. */
  rateLimitPerMinute: number;
  /** A request still unanswered after this long gets a 503 `timeout`; 0 turns the deadline off. */
  requestTimeoutMs: number;
  /** Origins allowed by CORS ("*" for any); empty turns CORS off. */
  corsOrigins: readonly string[];
};

/**
 * What buildApp uses without options (tests, the OpenAPI export): nothing that
 * could refuse a request the app would otherwise serve. The server passes the
 * configured values (config.ts), which turn the rate limit and the deadline on.
 */
export const DEFAULT_HTTP_OPTIONS: HttpOptions = Object.freeze({
  bodyLimitBytes: 1024 * 1024,
  rateLimitPerMinute: 0,
  requestTimeoutMs: 0,
  corsOrigins: [],
});

/** Probes must never be throttled, or an orchestrator restarts a healthy instance. */
const RATE_LIMIT_EXEMPT = new Set(["/health", "/ready"]);

/** The Fastify factory options the limits need (they cannot be set after construction). */
export function limitServerOptions(http: HttpOptions): FastifyServerOptions {
  return {
    bodyLimit: http.bodyLimitBytes,
    // Answered by the hook in registerSecurity, as problem+json, instead of Fastify's own body.
    return503OnClosing: false,
    ...(http.requestTimeoutMs > 0 && {
      // The socket-level deadline: a client that trickles its request in (slowloris) is cut off.
      // The deadline of the answer itself is the hook in registerDeadline.
      requestTimeout: http.requestTimeoutMs,
    }),
  };
}

/**
 * A request still unanswered after `ms` gets a 503 problem+json `timeout`, instead
 * of hanging. Our own timer rather than Fastify's handlerTimeout, which a request
 * with a body escapes (fastify/fastify#6725: reading the body fires the request's
 * close event, taken for a client that left) and which costs an AbortController
 * per request. The handler is not stopped: a write it finishes later still commits,
 * which is why clients retry with their Idempotency-Key. Swagger UI's static files
 * are exempt: its 1.6 MB bundle over a slow link is no request stuck on the database.
 */
function registerDeadline(app: FastifyInstance, ms: number): void {
  app.addHook("onRequest", (request, reply, done) => {
    if (request.url.startsWith("/docs/static/")) return done();
    const timer = setTimeout(() => {
      // A streamed answer (GET /events/stream) has begun: its head is out, nothing else can be sent.
      if (reply.sent || reply.raw.headersSent) return;
      request.log.warn(`no answer within ${ms} ms: answering 503`);
      void sendProblem(reply, request, TIMEOUT_PROBLEM);
    }, ms);
    reply.raw.once("close", () => clearTimeout(timer));
    done();
  });
}

/** Registers the limits on the root instance; call before any route is added. */
export async function registerSecurity(app: FastifyInstance, http: HttpOptions): Promise<void> {
  registerSecurityHeaders(app);
  registerNoStore(app);
  refuseWhileClosing(app);
  if (http.requestTimeoutMs > 0) registerDeadline(app, http.requestTimeoutMs);
  if (http.corsOrigins.length > 0) await registerCors(app, http.corsOrigins);
  if (http.rateLimitPerMinute > 0) await registerRateLimit(app, http.rateLimitPerMinute);
}

/**
 * Once app.close() began, requests still arriving on kept-alive connections get a
 * 503 problem+json and `Connection: close`, so clients retry on another instance;
 * requests already in flight finish normally, and their connections close after
 * the answer: a kept-alive connection would otherwise hold the server open until
 * its keep-alive timeout, and the shutdown would end forced.
 */
function refuseWhileClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  app.addHook("onSend", (_request, reply, payload, done) => {
    if (closing) reply.header("connection", "close");
    done(null, payload);
  });
  app.addHook("onRequest", async (request, reply) => {
    if (!closing) return;
    reply.header("connection", "close").header("retry-after", "1");
    return sendProblem(reply, request, {
      title: "Service unavailable",
      status: 503,
      code: "shutting_down",
      detail: "The service is shutting down; retry on another instance or shortly.",
    });
  });
}

async function registerCors(app: FastifyInstance, origins: readonly string[]): Promise<void> {
  // @fastify/cors answers preflights in its onRequest hook, before authentication (a browser
  // sends no Authorization header on a preflight); its OPTIONS * route carries no data.
  app.addHook("onRoute", (route) => {
    if (route.method === "OPTIONS" && route.url === "*") route.config = { ...route.config, access: "public" };
  });
  await app.register(cors, {
    origin: origins.includes("*") ? "*" : [...origins],
    methods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
    // If-Match and If-None-Match: a bot's conditional writes of its state; ETag: their versions.
    allowedHeaders: [
      "Authorization",
      "Content-Type",
      "Idempotency-Key",
      "If-Match",
      "If-None-Match",
      "X-Request-Id",
    ],
    exposedHeaders: [
      "ETag",
      "X-Request-Id",
      "Idempotency-Replayed",
      "Retry-After",
      "X-RateLimit-Limit",
      "X-RateLimit-Remaining",
      "X-RateLimit-Reset",
    ],
    maxAge: 600,
  });
}

async function registerRateLimit(app: FastifyInstance, perMinute: number): Promise<void> {
  await app.register(rateLimit, {
    max: perMinute,
    timeWindow: 60_000,
    // After the auth hook (onRequest) has resolved the caller, so the budget is per key.
    hook: "preHandler",
    keyGenerator: rateLimitKey,
    allowList: (request) => RATE_LIMIT_EXEMPT.has(request.routeOptions.url ?? ""),
    errorResponseBuilder: (_request, context) =>
      new AppError(
        "rate_limited",
        429,
        "Too many requests",
        `More than ${context.max} requests per minute from this caller; retry in ${context.after}.`,
      ),
  });
}

function rateLimitKey(request: FastifyRequest): string {
  const principal = request.principal;
  if (!principal) return `address:${request.ip}`;
  return principal.keyId === null ? `label:${principal.label}` : `key:${principal.keyId}`;
}
