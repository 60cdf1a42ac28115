import type { Outcome } from "../config/outcome.ts";
import { ConflictError, ForbiddenError, InvalidResourceApiError, NotFoundError } from "./errors.ts";

/** The value of a MeshControl outcome, or the ApiError its refusal maps to. */
export function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  const { code, message, details } = outcome.failure;
  switch (code) {
    case "conflict":
      throw new ConflictError(message, details);
    case "rollout_conflict":
    case "rollout_invalid_transition":
      throw new ConflictError(message, details, code);
    case "not_found":
      throw new NotFoundError(message);
    case "invalid":
      throw new InvalidResourceApiError(message, details);
    case "registry_identity_mismatch":
    case "registry_not_owner":
      throw new ForbiddenError(message, code, details);
  }
}
