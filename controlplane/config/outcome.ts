/** Why a MeshControl call was refused; the control API maps `code` to its HTTP status. */
export interface Failure {
  code: "conflict" | "not_found" | "invalid" | "registry_identity_mismatch" | "registry_not_owner" | "rollout_conflict" | "rollout_invalid_transition";
  message: string;
  details: Array<{ path: string; message: string }>;
}

/**
 * The answer of a MeshControl call that can be refused. Refusals travel as values, not
 * thrown errors, because Workers RPC keeps only an error's message across the boundary.
 */
export type Outcome<T> = { ok: true; value: T } | { ok: false; failure: Failure };

export function success<T>(value: T): Outcome<T> {
  return { ok: true, value };
}

export function refusal<T = never>(code: Failure["code"], message: string, details: Failure["details"] = []): Outcome<T> {
  return { ok: false, failure: { code, message, details } };
}
