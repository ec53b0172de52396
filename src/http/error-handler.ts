// Maps every error to problem+json. Each error is logged once, here.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { AppError, type FieldError, UnavailableError } from "../core/errors.js";
import { isDatabaseTimeout, isDatabaseUnavailable } from "./database-errors.js";
import type { Problem } from "./problem.schema.js";
import { SECURITY_HEADERS } from "./security-headers.js";

const PROBLEM_CONTENT_TYPE = "application/problem+json; charset=utf-8";

/** The answer to a request that outlived its deadline or its statement's. */
export const TIMEOUT_PROBLEM = Object.freeze({
  title: "Request timed out",
  status: 503,
  code: "timeout",
  detail: "The request took too long and was abandoned; retry shortly (with the same Idempotency-Key).",
});

export function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  problem: Omit<Problem, "type" | "instance" | "request_id">,
) {
  const body: Problem = {
    type: "about:blank",
    ...problem,
    instance: request.url,
    request_id: String(request.id),
  };
  return reply
    .code(problem.status)
    .header("content-type", PROBLEM_CONTENT_TYPE)
    .serializer(JSON.stringify)
    .send(body);
}

/** "/items/0/weight" -> "items.0.weight"; the request part (body, querystring, params) is not repeated. */
function fieldPath(instancePath: string): string {
  return instancePath.replace(/^\//, "").split("/").filter(Boolean).join(".");
}

function validationErrors(
  error: FastifyError & {
    validation: {
      instancePath: string;
      message?: string;
      keyword: string;
      params: Record<string, unknown>;
    }[];
  },
): FieldError[] {
  return error.validation.flatMap((issue) => {
    const base = fieldPath(issue.instancePath);
    if (issue.keyword === "unrecognized_keys" && Array.isArray(issue.params.keys)) {
      return (issue.params.keys as string[]).map((key) => ({
        path: base ? `${base}.${key}` : key,
        message: "unknown field",
      }));
    }
    return [{ path: base || "(root)", message: issue.message ?? "invalid value" }];
  });
}

export function registerErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const errors = validationErrors(error);
      const where = error.validationContext ?? "request";
      return sendProblem(reply, request, {
        title: "Request validation failed",
        status: 400,
        code: "validation_failed",
        detail: `Invalid ${where}: ${errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`,
        errors,
      });
    }
    if (error instanceof AppError) {
      if (error.status >= 500) request.log.warn({ err: error }, error.message);
      return sendProblem(reply, request, {
        title: error.title,
        status: error.status,
        code: error.code,
        detail: error.message,
        ...(error.errors ? { errors: error.errors } : {}),
      });
    }
    // A database statement's deadline (DATABASE_STATEMENT_TIMEOUT_MS); the request's own is in security.ts.
    if (isDatabaseTimeout(error)) {
      request.log.warn({ err: error }, "request timed out");
      return sendProblem(reply, request, TIMEOUT_PROBLEM);
    }
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ err: error }, "database unavailable");
      const unavailable = new UnavailableError();
      return sendProblem(reply, request, {
        title: unavailable.title,
        status: 503,
        code: unavailable.code,
        detail: unavailable.message,
      });
    }
    // Fastify's own client errors: malformed JSON, wrong content type, body too large.
    if (typeof error.statusCode === "number" && error.statusCode >= 400 && error.statusCode < 500) {
      // An empty body sent as application/json is not JSON either.
      const malformed =
        error.code === "FST_ERR_CTP_INVALID_JSON_BODY" ||
        error.code === "FST_ERR_CTP_EMPTY_JSON_BODY" ||
        error instanceof SyntaxError;
      return sendProblem(reply, request, {
        title: malformed ? "Malformed JSON" : clientError(error).title,
        status: error.statusCode,
        code: malformed ? "malformed_json" : clientError(error).code,
        detail: error.message,
        ...(malformed ? { errors: [{ path: "(body)", message: error.message }] } : {}),
      });
    }
    request.log.error({ err: error }, "unhandled error");
    return sendProblem(reply, request, {
      title: "Internal Server Error",
      status: 500,
      code: "internal_error",
      detail: `An unexpected error occurred; quote request id ${request.id} when reporting it.`,
    });
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, request, {
      title: "Not found",
      status: 404,
      code: "route_not_found",
      detail: `No route ${request.method} ${request.url.split("?")[0]}.`,
    }),
  );
}

function clientError(error: FastifyError): { code: string; title: string } {
  switch (error.statusCode) {
    case 413:
      return { code: "payload_too_large", title: "Payload too large" };
    case 415:
      return { code: "unsupported_media_type", title: "Unsupported media type" };
    default:
      return { code: "bad_request", title: "Bad request" };
  }
}

/**
 * For Fastify's `frameworkErrors` option (it can only be set where the instance is built):
 * what Fastify refuses before routing, a path with a broken percent-escape such as
 * `/operators/%E0%A4%A` (FST_ERR_BAD_URL, 400) or a path parameter longer than
 * maxParamLength (FST_ERR_MAX_PARAM_LENGTH, 414), is otherwise answered with Fastify's
 * own application/json body, bypassing setErrorHandler.
 */
export function sendFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  // Refused before routing, so before the hooks that set them (no onSend hook runs either).
  reply.headers(SECURITY_HEADERS).header("x-request-id", request.id);
  const status = error.statusCode ?? 500;
  if (status >= 500) {
    request.log.error({ err: error }, "unhandled framework error");
    return sendProblem(reply, request, {
      title: "Internal Server Error",
      status: 500,
      code: "internal_error",
      detail: `An unexpected error occurred; quote request id ${request.id} when reporting it.`,
    });
  }
  if (error.code === "FST_ERR_BAD_URL") {
    return sendProblem(reply, request, {
      title: "Malformed URL",
      status,
      code: "malformed_url",
      detail: "The path contains an invalid percent-encoded sequence.",
    });
  }
  if (error.code === "FST_ERR_MAX_PARAM_LENGTH") {
    return sendProblem(reply, request, {
      title: "URI too long",
      status,
      code: "uri_too_long",
      detail: "A path segment is longer than the service accepts.",
    });
  }
  return sendProblem(reply, request, { ...clientError(error), status, detail: error.message });
}
