import type { ApiError } from "../../controlplane/http/errors.ts";

/** The control API's error body, `{ error: { code, message, details } }`, as tests read it. */
export type ErrorAnswer = ReturnType<ApiError["toJSON"]>;
