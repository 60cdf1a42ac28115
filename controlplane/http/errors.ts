/** One problem named by its field path, e.g. `documents[2].spec.http[0].route[1].weight`. */
export interface ErrorDetail {
  path: string;
  message: string;
}

/** An error the control API answers with its own status and the JSON error shape. */
export class ApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 500 | 503,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }

  /** `{ error: { code, message, details } }`, the body of every error answer. */
  toJSON() {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}

export class MalformedRequestError extends ApiError {
  constructor(message: string, details: ErrorDetail[] = []) {
    super(400, "malformed", message, details);
  }
}

export class UnauthenticatedError extends ApiError {
  constructor(message = "a bearer token is required") {
    super(401, "unauthenticated", message);
  }
}

export class ForbiddenError extends ApiError {
  constructor(message: string, code = "forbidden", details: ErrorDetail[] = []) {
    super(403, code, message, details);
  }
}

export class NotFoundError extends ApiError {
  constructor(message: string) {
    super(404, "not_found", message);
  }
}

export class ConflictError extends ApiError {
  constructor(message: string, details: ErrorDetail[] = [], code = "conflict") {
    super(409, code, message, details);
  }
}

export class PayloadTooLargeError extends ApiError {
  constructor(limit: number) {
    super(413, "too_large", `request body exceeds ${limit} bytes`);
  }
}

/** A parser limit (resources/parse-limits.ts) passed: nesting, aliases, documents, key length. */
export class LimitExceededError extends ApiError {
  constructor(message: string, details: ErrorDetail[] = []) {
    super(413, "limit_exceeded", message, details);
  }
}

export class UnsupportedMediaTypeError extends ApiError {
  constructor(contentType: string, accepted: readonly string[]) {
    super(415, "unsupported_media_type", `content type ${JSON.stringify(contentType)} is not one of ${accepted.join(", ")}`);
  }
}

export class InvalidResourceApiError extends ApiError {
  constructor(message: string, details: ErrorDetail[]) {
    super(422, "invalid_resource", message, details);
  }
}

export class NotReadyError extends ApiError {
  constructor(message: string, details: ErrorDetail[]) {
    super(503, "not_ready", message, details);
  }
}
