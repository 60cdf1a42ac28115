// How the control plane says no. A refusal travels as a value, not a thrown error, because
// Workers RPC keeps only an error's message across the boundary; the control API's onError
// answers it with `status` and `{ error: { code, message, details } }`.

import type { FieldIssue } from "../resources/errors.ts";

// The resource library names field problems first; a pure library imports no contract, so
// the one definition lives there and every refusal carries it.
export type { FieldIssue };

/** The HTTP statuses a refusal answers with. */
export type RefusalStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 500 | 503;

/** Why a call was refused: `code` is stable, `message` says what to fix, `details` name the fields. */
export interface Refusal {
  status: RefusalStatus;
  code: string;
  message: string;
  details: FieldIssue[];
}

/** The answer of a call that can be refused. */
export type Result<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };

export function success<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function refused<T = never>(status: RefusalStatus, code: string, message: string, details: FieldIssue[] = []): Result<T> {
  return { ok: false, refusal: { status, code, message, details } };
}
