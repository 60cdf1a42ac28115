import { parseDuration } from "../../resources/duration.ts";
import { UpstreamTimeoutError } from "../traffic/mesh-error.ts";
import type { OutboundLayer } from "./call.ts";

/**
 * Runs `attempt` with a deadline: past `ms` the attempt's request is aborted (its signal
 * fires, so the upstream fetch is cancelled) and UpstreamTimeoutError (504 UT) is thrown.
 */
export async function withDeadline<T>(ms: number, attempt: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | null = null;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new UpstreamTimeoutError(ms));
    }, ms);
  });
  try {
    return await Promise.race([attempt(controller.signal), deadline]);
  } finally {
    if (timer !== null) clearTimeout(timer);
  }
}

/** The request bound to `signal`, so aborting it cancels the upstream call. */
export function withSignal(request: Request, signal: AbortSignal): Request {
  return new Request(request, { signal });
}

/** Route timeout (Istio's `timeout`, covering all retries): none by default, as in Istio. */
export const routeTimeout: OutboundLayer = (request, call, next) => {
  const timeout = call.route?.route.timeout;
  const ms = timeout === undefined ? 0 : parseDuration(timeout);
  if (ms <= 0) return next(request, call);
  return withDeadline(ms, (signal) => next(withSignal(request, signal), call));
};
