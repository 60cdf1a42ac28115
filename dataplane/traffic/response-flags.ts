/**
 * Envoy-style response flags recorded for every request the mesh handles, so telemetry and
 * access logs read like Envoy's (`%RESPONSE_FLAGS%`).
 */
export const ResponseFlag = {
  /** No route matched the request. */
  NoRoute: "NR",
  /** No healthy upstream endpoint in the chosen subset. */
  NoHealthyUpstream: "UH",
  /** The upstream did not answer within the route or per-try timeout. */
  UpstreamTimeout: "UT",
  /** Retries were exhausted and the last upstream failure was returned. */
  RetriesExhausted: "URX",
  /** The connection to the upstream failed. */
  UpstreamConnectFailure: "UF",
  /** The request was aborted by fault injection. */
  FaultAbort: "FI",
  /** The request was delayed by fault injection. */
  FaultDelay: "DI",
  /** Circuit breaker open or connection pool overflow. */
  Overflow: "UO",
  /** The request was rate limited. */
  RateLimited: "RL",
  /** Denied by authentication or authorization. */
  Unauthorized: "UAEX",
  /** The upstream's answer failed mutual authentication (Envoy's upstream protocol error). */
  UpstreamProtocolError: "UPE",
  /** The request path could not be normalized safely (Envoy's downstream protocol error). */
  DownstreamProtocolError: "DPE",
} as const;

export type ResponseFlag = (typeof ResponseFlag)[keyof typeof ResponseFlag];

/** The value recorded when no flag applies. */
export const NO_FLAGS = "-";

/** Joins flags the way Envoy prints them (`UT,URX`), or `-` when there are none. */
export function formatFlags(flags: Iterable<ResponseFlag>): string {
  const unique = [...new Set(flags)];
  return unique.length === 0 ? NO_FLAGS : unique.join(",");
}
