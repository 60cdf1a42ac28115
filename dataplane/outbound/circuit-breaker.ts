import type { TrafficPolicy } from "../../resources/destination-rule.ts";
import { OverflowError } from "../traffic/mesh-error.ts";
import type { SubsetView } from "../config/compiled.ts";
import type { OutboundCall, OutboundHandler, OutboundLayer } from "./call.ts";

/** Requests in flight and waiting for one destination subset, kept per isolate (IsolateState.connectionSlots). */
export interface Slots {
  active: number;
  /** Requests waiting for an active slot, oldest first. */
  waiting: (() => void)[];
}

/** The limits a DestinationRule's connectionPool sets, as a Worker can apply them. */
export function connectionLimits(pool: TrafficPolicy["connectionPool"]): { active: number; pending: number; queue: boolean } {
  const maxConnections = pool?.tcp?.maxConnections;
  const maxRequests = pool?.http?.http2MaxRequests;
  const limit = (n: number | undefined) => (n === undefined || n <= 0 ? Infinity : n);
  const pending = pool?.http?.http1MaxPendingRequests;
  return {
    active: Math.min(limit(maxConnections), limit(maxRequests)),
    pending: pending === undefined || pending <= 0 ? Infinity : pending,
    // Only a connection limit queues (Envoy's pending requests wait for a connection);
    // http2MaxRequests alone refuses at once.
    queue: limit(maxConnections) <= limit(maxRequests),
  };
}

/**
 * Circuit breaking by the DestinationRule's `connectionPool`, per destination subset and
 * isolate (as each Envoy counts its own). A Worker opens one upstream connection per request,
 * so `tcp.maxConnections` and `http.http2MaxRequests` both bound the requests in flight.
 * Past `maxConnections`, up to `http.http1MaxPendingRequests` requests wait for a slot;
 * past `http2MaxRequests`, or with the queue full, one more is refused at once with 503 UO
 * and never retried. Istio's defaults are unlimited.
 */
export const circuitBreaker: OutboundLayer = (request, call, next) => {
  const destination = call.destination!;
  const view = call.mesh.subset(destination.service, destination.subset, call.source.namespace);
  if (!view) return next(request, call);
  let limits = limitsOf.get(view);
  if (!limits) limitsOf.set(view, (limits = connectionLimits(view.policy.connectionPool)));
  return limits.active === Infinity ? next(request, call) : limited(request, call, next, view.key, limits);
};

// The limits per subset view (views live as long as their snapshot).
const limitsOf = new WeakMap<SubsetView, ReturnType<typeof connectionLimits>>();

async function limited(request: Request, call: OutboundCall, next: OutboundHandler, key: string, limits: ReturnType<typeof connectionLimits>): Promise<Response> {
  const destination = call.destination!;
  const slots = call.isolate.connectionSlots;
  let state = slots.get(key);
  if (!state) slots.set(key, (state = { active: 0, waiting: [] }));
  if (state.active >= limits.active) {
    if (!limits.queue || state.waiting.length >= limits.pending) {
      throw new OverflowError(`${destination.service.host}${destination.subset ? `|${destination.subset}` : ""}`);
    }
    // The slot is handed over by the request that frees it.
    await new Promise<void>((resolve) => state!.waiting.push(resolve));
  } else {
    state.active++;
  }
  try {
    return await next(request, call);
  } finally {
    const waiter = state.waiting.shift();
    if (waiter) waiter();
    else if (--state.active <= 0) slots.delete(key);
  }
}
