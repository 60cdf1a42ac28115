// Refusals of CA operations. They cross Workers RPC as Refusal values (RPC keeps only an
// error's message), so CA methods return a Result and the REST layer unwraps it.
import type { Result } from "../../contracts/refusal.ts";
import { ApiError, resultOf } from "../http/errors.ts";

/** A refused CA operation; `code` is stable, `message` says what to fix. */
export class CaError extends ApiError {}

/** Runs `fn`, turning a CaError (or another ApiError) into a refused result. */
export function caResult<T>(fn: () => Promise<T>): Promise<Result<T>> {
  return resultOf(fn);
}
