import { ResponseFlag, formatFlags } from "./response-flags.ts";

/** Header naming the error code on every response the mesh itself produces. */
export const MESH_ERROR_HEADER = "x-isthmus-error";

/**
 * A response the mesh produces instead of the upstream's: a stable `code`, its HTTP
 * `status`, and the Envoy-style response flags recorded for it.
 */
export class MeshError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    readonly flags: readonly ResponseFlag[],
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }

  /** The flags as Envoy prints them (`NR`, `UT,URX`, or `-`). */
  get flagString(): string {
    return formatFlags(this.flags);
  }

  /**
   * `{ "error": { code, message, flags } }` (plus `reason` where the error has one) with
   * the `x-isthmus-error` header.
   */
  toResponse(headers?: HeadersInit): Response {
    const out = new Headers(headers);
    out.set("content-type", "application/json");
    out.set(MESH_ERROR_HEADER, this.code);
    const reason = (this as { reason?: string }).reason;
    const body = { error: { code: this.code, message: this.message, flags: this.flagString, ...(reason ? { reason } : {}) } };
    return new Response(JSON.stringify(body), { status: this.status, headers: out });
  }
}

/** No VirtualService route matches the request (404, NR). */
export class NoRouteError extends MeshError {
  constructor(readonly host: string, path?: string) {
    super("no_route", 404, [ResponseFlag.NoRoute], path === undefined ? `no route for host ${host}` : `no route for ${host}${path}`);
  }
}

/** The chosen destination has no healthy, non-ejected endpoint (503, UH). */
export class NoHealthyUpstreamError extends MeshError {
  constructor(readonly destination: string) {
    super("no_healthy_upstream", 503, [ResponseFlag.NoHealthyUpstream], `no healthy upstream for ${destination}`);
  }
}

/** The route or per-try timeout fired before the upstream answered (504, UT). */
export class UpstreamTimeoutError extends MeshError {
  constructor(readonly timeoutMs: number, extraFlags: readonly ResponseFlag[] = []) {
    super("upstream_timeout", 504, [ResponseFlag.UpstreamTimeout, ...extraFlags], `upstream request timeout after ${timeoutMs} ms`);
  }
}

/** Every attempt failed and no upstream response is left to return (503, URX). */
export class RetriesExhaustedError extends MeshError {
  constructor(readonly attempts: number, extraFlags: readonly ResponseFlag[] = []) {
    super("retries_exhausted", 503, [...extraFlags, ResponseFlag.RetriesExhausted], `upstream failed after ${attempts} attempts`);
  }
}

/** The upstream could not be reached at all (503, UF). */
export class UpstreamConnectFailureError extends MeshError {
  constructor(readonly destination: string, detail?: string) {
    super("upstream_connect_failure", 503, [ResponseFlag.UpstreamConnectFailure], `upstream connect failure to ${destination}${detail ? `: ${detail}` : ""}`);
  }
}

/** Fault injection aborted the request with the configured status (FI). */
export class FaultAbortError extends MeshError {
  constructor(status: number) {
    super("fault_abort", status, [ResponseFlag.FaultAbort], "fault filter abort");
  }
}

/** The destination's circuit breaker is open (503, UO). */
export class CircuitOpenError extends MeshError {
  constructor(readonly destination: string) {
    super("circuit_open", 503, [ResponseFlag.Overflow], `circuit open for ${destination}`);
  }
}

/** The destination's connection pool limits are exceeded (503, UO). */
export class OverflowError extends MeshError {
  constructor(readonly destination: string) {
    super("overflow", 503, [ResponseFlag.Overflow], `upstream overflow for ${destination}`);
  }
}

/** The request was rate limited (429, RL). */
export class RateLimitedError extends MeshError {
  constructor(message = "rate limited") {
    super("rate_limited", 429, [ResponseFlag.RateLimited], message);
  }
}

/** Why a path was refused by normalization. */
export type PathInvalidReason =
  | "null_byte"
  | "control_character"
  | "invalid_percent_encoding"
  | "double_encoding"
  | "overlong_utf8"
  | "escaped_slash"
  | "not_origin_form";

/** The request path cannot be normalized safely (400). */
export class PathInvalidError extends MeshError {
  constructor(readonly reason: PathInvalidReason, detail: string) {
    super("path_invalid", 400, [ResponseFlag.DownstreamProtocolError], `invalid request path (${reason}): ${detail}`);
  }
}

/** An authorization policy denied the request (403, UAEX). `reason` names the policy decision. */
export class AuthzDeniedError extends MeshError {
  constructor(readonly reason: string, message = "RBAC: access denied") {
    super("authz_denied", 403, [ResponseFlag.Unauthorized], message);
  }
}

/** The request carries no acceptable identity or token (401, UAEX). */
export class UnauthenticatedError extends MeshError {
  constructor(readonly reason: string, message = "unauthenticated") {
    super("unauthenticated", 401, [ResponseFlag.Unauthorized], message);
  }
}
