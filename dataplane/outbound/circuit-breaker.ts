import { OverflowError } from "../traffic/mesh-error.ts";
import type { OutboundLayer } from "./call.ts";

// Module scope: requests in flight per destination subset, in this isolate.
const inFlight = new Map<string, number>();

/**
 * Circuit breaking by the DestinationRule's `connectionPool.http.http2MaxRequests`: at most
 * that many requests in flight to the destination subset from this isolate (as each Envoy
 * counts its own); one more is refused at once with 503 UO and never retried. Istio's
 * default is unlimited.
 */
export const circuitBreaker: OutboundLayer = async (request, call, next) => {
  const destination = call.destination!;
  const view = call.mesh.subset(destination.service, destination.subset);
  const limit = view?.policy.connectionPool?.http?.http2MaxRequests;
  if (!view || limit === undefined || limit <= 0) return next(request, call);
  const active = inFlight.get(view.key) ?? 0;
  if (active >= limit) throw new OverflowError(`${destination.service.host}${destination.subset ? `|${destination.subset}` : ""}`);
  inFlight.set(view.key, active + 1);
  try {
    return await next(request, call);
  } finally {
    const left = (inFlight.get(view.key) ?? 1) - 1;
    if (left <= 0) inFlight.delete(view.key);
    else inFlight.set(view.key, left);
  }
};
