// Refusals of CA operations. They cross Workers RPC as Refusal values (RPC keeps only an
// error's message), so CA methods return a Result (http/errors.ts resultOf) and the REST layer unwraps it.
import { ApiError } from "../http/errors.ts";

/** A refused CA operation; `code` is stable, `message` says what to fix. */
export class CaError extends ApiError {}
