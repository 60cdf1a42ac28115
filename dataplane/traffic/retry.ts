import { parseDuration } from "../../resources/duration.ts";
import { RETRY_ON } from "../../resources/retry-on.ts";
import type { HTTPRoute } from "../../resources/virtual-service.ts";
import { defaultRandom, type RandomSource } from "./random.ts";

type HTTPRetry = NonNullable<HTTPRoute["retries"]>;

/** How one upstream attempt ended. */
export type AttemptOutcome =
  | { status: number; /** The response's `grpc-status` header, when it has one (a trailers-only gRPC answer). */ grpcStatus?: number }
  | { failure: "connect-failure" | "reset" | "timeout" | "refused-stream" };

/** A route's retry policy, resolved once per route. */
export interface RetryPolicy {
  /** Retries after the first attempt (Istio's `attempts`). */
  attempts: number;
  perTryTimeoutMs?: number;
  /** `retryOn` conditions (5xx, gateway-error, connect-failure, reset, retriable-4xx, ...). */
  retryOn: ReadonlySet<string>;
  /** Status codes for `retriable-status-codes`. */
  retriableStatusCodes: ReadonlySet<number>;
  /** Backoff base interval (Envoy: 25 ms); the cap is ten times it (250 ms). */
  backoffBaseMs: number;
  /** A retry prefers an endpoint no earlier attempt went to (Istio's default: true). */
  ignorePreviousHosts: boolean;
}

/** Envoy's `retry_grpc_on` conditions and the gRPC status code each stands for. */
export const GRPC_CONDITIONS: Readonly<Record<string, number>> = {
  cancelled: 1,
  "deadline-exceeded": 4,
  "resource-exhausted": 8,
  internal: 13,
  unavailable: 14,
};

const KNOWN_CONDITIONS = new Set(RETRY_ON);

/**
 * Istio's default when a route sets no `retries`: 2 retries on connect-failure,
 * refused-stream and 503 (plus gRPC unavailable/cancelled).
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  attempts: 2,
  retryOn: new Set(["connect-failure", "refused-stream", "unavailable", "cancelled", "retriable-status-codes"]),
  retriableStatusCodes: new Set([503]),
  backoffBaseMs: 25,
  ignorePreviousHosts: true,
};

/**
 * Resolves a VirtualService `retries` block. Numeric `retryOn` entries (`"5xx,409"`) become
 * retriable status codes, as in Istio. Without `retryOn`, Istio's default conditions apply.
 * `attempts: 0` disables retries.
 */
export function resolveRetryPolicy(retries: HTTPRetry | undefined): RetryPolicy {
  if (!retries) return DEFAULT_RETRY_POLICY;
  const retryOn = new Set<string>();
  const codes = new Set<number>();
  const tokens = retries.retryOn === undefined ? [...DEFAULT_RETRY_POLICY.retryOn] : retries.retryOn.split(",").map((t) => t.trim()).filter(Boolean);
  if (retries.retryOn === undefined) DEFAULT_RETRY_POLICY.retriableStatusCodes.forEach((c) => codes.add(c));
  for (const token of tokens) {
    if (/^\d{3}$/.test(token)) {
      codes.add(Number(token));
      retryOn.add("retriable-status-codes");
    } else if (KNOWN_CONDITIONS.has(token)) {
      retryOn.add(token);
    }
  }
  return {
    attempts: retries.attempts,
    ...(retries.perTryTimeout ? { perTryTimeoutMs: parseDuration(retries.perTryTimeout) } : {}),
    retryOn,
    retriableStatusCodes: codes,
    backoffBaseMs: retries.backoff ? parseDuration(retries.backoff) : 25,
    ignorePreviousHosts: retries.retryIgnorePreviousHosts ?? true,
  };
}

/**
 * Whether an attempt's outcome may be retried under the policy (Envoy's `retry_on`):
 * - `5xx`: any 5xx, or no answer at all (connect failure, reset, per-try timeout);
 * - `gateway-error`: 502, 503, 504, or a per-try timeout;
 * - `connect-failure`; `reset` (reset or per-try timeout); `refused-stream`;
 * - `retriable-4xx`: 409; `retriable-status-codes`: the policy's codes plus `extraCodes`
 *   (from `x-envoy-retriable-status-codes`, which the caller honours only from inside the mesh);
 * - gRPC: `cancelled`, `deadline-exceeded`, `internal`, `resource-exhausted`, `unavailable`
 *   match the response's `grpc-status` header, as Envoy reads it from the response headers
 *   (a trailers-only answer); a status in trailers after a streamed body cannot be retried.
 */
export function isRetriable(policy: RetryPolicy, outcome: AttemptOutcome, extraCodes: readonly number[] = []): boolean {
  const on = policy.retryOn;
  if ("failure" in outcome) {
    switch (outcome.failure) {
      case "connect-failure":
        return on.has("5xx") || on.has("connect-failure");
      case "reset":
        return on.has("5xx") || on.has("reset");
      case "timeout":
        return on.has("5xx") || on.has("gateway-error") || on.has("reset");
      case "refused-stream":
        return on.has("5xx") || on.has("refused-stream");
    }
  }
  const status = outcome.status;
  if (outcome.grpcStatus !== undefined) {
    for (const [condition, code] of Object.entries(GRPC_CONDITIONS)) if (code === outcome.grpcStatus && on.has(condition)) return true;
  }
  if (on.has("5xx") && status >= 500 && status <= 599) return true;
  if (on.has("gateway-error") && (status === 502 || status === 503 || status === 504)) return true;
  if (on.has("retriable-4xx") && status === 409) return true;
  if (on.has("retriable-status-codes") && (policy.retriableStatusCodes.has(status) || extraCodes.includes(status))) return true;
  return false;
}

/** Parses `x-envoy-retriable-status-codes: 500,409`; malformed entries are ignored. */
export function parseRetriableStatusCodes(header: string | null): number[] {
  if (!header) return [];
  return header
    .split(",")
    .map((t) => t.trim())
    .filter((t) => /^\d{3}$/.test(t))
    .map(Number);
}

/**
 * Delay before retry number `retry` (1 for the first retry): Envoy's fully jittered
 * exponential backoff, uniform in [0, min(base × (2^retry − 1), 10 × base)).
 */
export function retryBackoffMs(policy: RetryPolicy, retry: number, random: RandomSource = defaultRandom): number {
  const base = policy.backoffBaseMs;
  const ceiling = Math.min(base * (2 ** Math.max(1, retry) - 1), base * 10);
  return Math.floor(random() * ceiling);
}

/** Default limit for buffering a request body so that it can be replayed on retry. */
export const RETRY_BUFFER_LIMIT = 64 * 1024;

/**
 * How a request's body affects retries: `none` (no body, retry freely), `buffer` (keep up
 * to `limit` bytes to replay; when the length is unknown, stop buffering past the limit and
 * do not retry), or `too-large` (declared longer than the limit: send once, never retry).
 */
export function retryBodyPlan(request: Pick<Request, "method" | "headers" | "body">, limit = RETRY_BUFFER_LIMIT): "none" | "buffer" | "too-large" {
  if (request.body === null || request.method === "GET" || request.method === "HEAD") return "none";
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared)) {
    const length = Number(declared);
    if (length === 0) return "none";
    return length <= limit ? "buffer" : "too-large";
  }
  return "buffer";
}

/** The `grpc-status` header of a response as a number, or undefined when absent or malformed. */
export function grpcStatusOf(headers: Headers): number | undefined {
  const value = headers.get("grpc-status");
  return value !== null && /^\d+$/.test(value.trim()) ? Number(value) : undefined;
}
