// Errors the CLI reports; each carries the exit code scripts can rely on.

/** Exit codes of the isthmus CLI. */
export const EXIT = Object.freeze({
  ok: 0,
  failure: 1,
  usage: 2,
  unreachable: 3,
  auth: 4,
  invalid: 5,
  conflict: 6,
});

export class CliError extends Error {
  /**
   * @param {string} message
   * @param {{ code?: string, exitCode?: number, details?: {path: string, message: string}[] }} [options]
   */
  constructor(message, { code = "failure", exitCode = EXIT.failure, details = [] } = {}) {
    super(message);
    this.name = "CliError";
    this.code = code;
    this.exitCode = exitCode;
    this.details = details;
  }
}

export class UsageError extends CliError {
  /** @param {string} message */
  constructor(message) {
    super(message, { code: "usage", exitCode: EXIT.usage });
    this.name = "UsageError";
  }
}

export class ServerUnreachableError extends CliError {
  /** @param {string} server @param {unknown} cause */
  constructor(server, cause) {
    const reason = cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : String(cause);
    super(`cannot reach the control plane at ${server}: ${reason}`, { code: "unreachable", exitCode: EXIT.unreachable });
    this.name = "ServerUnreachableError";
  }
}

/** An error answer of the control API (`{ error: { code, message, details } }`). */
export class ApiError extends CliError {
  /**
   * @param {number} status
   * @param {{ code?: string, message?: string, details?: {path: string, message: string}[] }} body
   */
  constructor(status, body) {
    super(body.message ?? `HTTP ${status}`, {
      code: body.code ?? `http_${status}`,
      exitCode: exitCodeForStatus(status),
      details: Array.isArray(body.details) ? body.details : [],
    });
    this.name = "ApiError";
    this.status = status;
  }
}

/** @param {number} status */
export function exitCodeForStatus(status) {
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 400 || status === 413 || status === 415 || status === 422) return EXIT.invalid;
  if (status === 409) return EXIT.conflict;
  return EXIT.failure;
}
