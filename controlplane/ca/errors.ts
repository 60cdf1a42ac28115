// Failures of CA operations. They cross Workers RPC as plain data (RPC keeps only an
// error's message), so CA methods return a CaResult and the REST layer maps it to status.

/** One problem named by its field path. */
export interface CaIssue {
  path: string;
  message: string;
}

export type CaStatus = 400 | 401 | 403 | 404 | 409 | 415 | 503;

/** A refused CA operation; `code` is stable, `message` says what to fix. */
export class CaError extends Error {
  constructor(
    readonly status: CaStatus,
    readonly code: string,
    message: string,
    readonly details: CaIssue[] = [],
  ) {
    super(message);
    this.name = "CaError";
  }
}

/** The serialisable form of a CaError. */
export interface CaFailure {
  status: CaStatus;
  code: string;
  message: string;
  details: CaIssue[];
}

/** What every CA RPC method returns. */
export type CaResult<T> = { ok: true; value: T } | { ok: false; error: CaFailure };

/** Runs `fn`, turning a CaError (or another named error with a code) into a failed result. */
export async function caResult<T>(fn: () => Promise<T>): Promise<CaResult<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    if (err instanceof CaError) {
      return { ok: false, error: { status: err.status, code: err.code, message: err.message, details: err.details } };
    }
    throw err;
  }
}
