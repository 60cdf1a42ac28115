// The control plane's one error family: every refusal is an ApiError, thrown by a route or
// carried back from a Durable Object as a Refusal value, and the control API's onError
// (app.ts) is the one place it becomes an answer.
import type { FieldIssue, Refusal, RefusalStatus, Result } from "../../contracts/refusal.ts";

/** An error the control API answers with its own status and the JSON error shape. */
export class ApiError extends Error implements Refusal {
  constructor(
    readonly status: RefusalStatus,
    readonly code: string,
    message: string,
    readonly details: FieldIssue[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }

  /** The refusal as plain data, to cross Workers RPC. */
  toRefusal(): Refusal {
    return { status: this.status, code: this.code, message: this.message, details: this.details };
  }

  /** `{ error: { code, message, details } }`, the body of every error answer. */
  toJSON() {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}

/** The value of a result, or the ApiError its refusal is answered with. */
export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  const { status, code, message, details } = result.refusal;
  throw new ApiError(status, code, message, details);
}

/** Runs `fn`, turning an ApiError it throws into a refused result (for RPC methods). */
export async function resultOf<T>(fn: () => Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    if (error instanceof ApiError) return { ok: false, refusal: error.toRefusal() };
    throw error;
  }
}

export class MalformedRequestError extends ApiError {
  constructor(message: string, details: FieldIssue[] = []) {
    super(400, "malformed", message, details);
  }
}

export class UnauthenticatedError extends ApiError {
  constructor(message = "a bearer token is required") {
    super(401, "unauthenticated", message);
  }
}

export class ForbiddenError extends ApiError {
  constructor(message: string, code = "forbidden", details: FieldIssue[] = []) {
    super(403, code, message, details);
  }
}

export class NotFoundError extends ApiError {
  constructor(message: string) {
    super(404, "not_found", message);
  }
}

export class ConflictError extends ApiError {
  constructor(message: string, details: FieldIssue[] = [], code = "conflict") {
    super(409, code, message, details);
  }
}

export class PayloadTooLargeError extends ApiError {
  constructor(limit: number, message = `request body exceeds ${limit} bytes`) {
    super(413, "too_large", message);
  }
}

/** A parser limit (resources/parse-limits.ts) passed: nesting, aliases, documents, key length. */
export class LimitExceededError extends ApiError {
  constructor(message: string, details: FieldIssue[] = []) {
    super(413, "limit_exceeded", message, details);
  }
}

export class UnsupportedMediaTypeError extends ApiError {
  constructor(contentType: string, accepted: readonly string[]) {
    super(415, "unsupported_media_type", `content type ${JSON.stringify(contentType)} is not one of ${accepted.join(", ")}`);
  }
}

export class InvalidResourceApiError extends ApiError {
  constructor(message: string, details: FieldIssue[]) {
    super(422, "invalid_resource", message, details);
  }
}

export class NotReadyError extends ApiError {
  constructor(message: string, details: FieldIssue[]) {
    super(503, "not_ready", message, details);
  }
}
