// The service's error model. Services throw these; the HTTP error handler turns
// them into problem+json (RFC 9457). `code` is the stable, machine-readable part.

export type FieldError = { path: string; message: string };

export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly errors?: FieldError[],
  ) {
    super(detail);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(detail: string, errors: FieldError[]) {
    super("validation_failed", 400, "Request validation failed", detail, errors);
  }
}

export class NotFoundError extends AppError {
  constructor(detail: string, errors?: FieldError[]) {
    super("not_found", 404, "Not found", detail, errors);
  }
}

export class ConflictError extends AppError {
  constructor(detail: string, errors?: FieldError[]) {
    super("conflict", 409, "Conflict", detail, errors);
  }
}

export class IdempotencyMismatchError extends AppError {
  constructor(key: string) {
    super(
      "idempotency_mismatch",
      422,
      "Idempotency key reused with a different request",
      `Idempotency-Key "${key}" was first used with a different request body; use a new key for a new appeal.`,
      [{ path: "Idempotency-Key", message: "already used with a different request body" }],
    );
  }
}

export class UnavailableError extends AppError {
  constructor(detail = "The database is unreachable; retry shortly.") {
    super("unavailable", 503, "Service unavailable", detail);
  }
}

/** The caller's role may call the route, but not with this request (an intake key posting as an operator). */
export class ForbiddenError extends AppError {
  constructor(detail: string, errors?: FieldError[]) {
    super("forbidden", 403, "Forbidden", detail, errors);
  }
}
