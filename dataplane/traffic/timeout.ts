import { parseDuration } from "../../resources/duration.ts";
import type { HTTPRoute } from "../../resources/virtual-service.ts";

/** Headers with which a caller inside the mesh may tighten timeouts, as with Envoy. */
export const TIMEOUT_HEADERS = ["x-envoy-upstream-rq-timeout-ms", "x-envoy-upstream-rq-per-try-timeout-ms"] as const;

/** A route's timeouts in milliseconds; undefined means none (disabled). */
export interface Timeouts {
  routeTimeoutMs?: number;
  perTryTimeoutMs?: number;
}

/**
 * Resolves a route's timeouts. As in Istio, a route without `timeout` (or with `0s`) has no
 * timeout; `retries.perTryTimeout` bounds each attempt. The Envoy headers
 * `x-envoy-upstream-rq-timeout-ms` / `-per-try-timeout-ms` (0 disables) override them only when
 * `fromMesh` is true: a request from a workload inside the mesh (the sidecar's outbound
 * side). At the gateway, requests from outside pass `false`, and the gateway strips these
 * headers, so clients on the Internet cannot stretch or shrink the mesh's timeouts.
 */
export function resolveTimeouts(route: Pick<HTTPRoute, "timeout" | "retries">, headers: Headers, fromMesh: boolean): Timeouts {
  let routeTimeoutMs = route.timeout ? parseDuration(route.timeout) : 0;
  let perTryTimeoutMs = route.retries?.perTryTimeout ? parseDuration(route.retries.perTryTimeout) : 0;
  if (fromMesh) {
    routeTimeoutMs = headerMs(headers.get(TIMEOUT_HEADERS[0])) ?? routeTimeoutMs;
    perTryTimeoutMs = headerMs(headers.get(TIMEOUT_HEADERS[1])) ?? perTryTimeoutMs;
  }
  return {
    ...(routeTimeoutMs > 0 ? { routeTimeoutMs } : {}),
    ...(perTryTimeoutMs > 0 ? { perTryTimeoutMs } : {}),
  };
}

function headerMs(value: string | null): number | undefined {
  return value !== null && /^\d+$/.test(value.trim()) ? Number(value.trim()) : undefined;
}

/**
 * The timeout for the next attempt: the per-try timeout, cut to what is left of the route
 * timeout (which spans all attempts and backoffs). Undefined means no timeout; 0 means the
 * route deadline has already passed.
 */
export function attemptTimeoutMs(timeouts: Timeouts, startedAt: number, now: number): number | undefined {
  const left = timeouts.routeTimeoutMs === undefined ? undefined : Math.max(0, timeouts.routeTimeoutMs - (now - startedAt));
  if (left === undefined) return timeouts.perTryTimeoutMs;
  return timeouts.perTryTimeoutMs === undefined ? left : Math.min(left, timeouts.perTryTimeoutMs);
}

/** The outcome of {@link raceTimeout}. */
export type Timed<T> = { timedOut: false; value: T } | { timedOut: true; afterMs: number };

/** Thrown into the work's AbortSignal when the timer fires. */
export class AttemptTimeoutError extends Error {
  readonly code = "attempt_timeout";
  constructor(readonly afterMs: number) {
    super(`timed out after ${afterMs} ms`);
    this.name = "AttemptTimeoutError";
  }
}

/**
 * Runs `work` (e.g. a fetch given the signal) against a timer. When the timer wins, the
 * signal is aborted (so the upstream call is cancelled) and `{ timedOut: true }` is
 * returned; a failure of `work` before that is rethrown. No timer when `ms` is undefined.
 */
export async function raceTimeout<T>(work: (signal: AbortSignal) => Promise<T>, ms: number | undefined): Promise<Timed<T>> {
  const controller = new AbortController();
  if (ms === undefined) return { timedOut: false, value: await work(controller.signal) };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<Timed<T>>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new AttemptTimeoutError(ms));
      resolve({ timedOut: true, afterMs: ms });
    }, ms);
  });
  const running = work(controller.signal).then((value): Timed<T> => ({ timedOut: false, value }));
  try {
    return await Promise.race([running, timeout]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    running.catch(() => {}); // a rejection after the timeout has nobody left to tell
  }
}
