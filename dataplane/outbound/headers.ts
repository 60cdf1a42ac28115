import { applyRequestHeaders, withResponseHeaders } from "../traffic/headers.ts";
import type { OutboundLayer } from "./call.ts";

/**
 * Istio's header operations of the route and of the chosen destination: request headers
 * before the call, response headers on the answer.
 */
export const applyHeaders: OutboundLayer = async (request, call, next) => {
  const route = call.route?.route;
  if (!route) return next(request, call);
  const destination = { headers: call.destination?.headers };
  let upstream = request;
  if (route.headers?.request || destination.headers?.request) {
    const headers = new Headers(request.headers);
    applyRequestHeaders(headers, route, destination);
    upstream = new Request(request, { headers });
  }
  return withResponseHeaders(await next(upstream, call), route, destination);
};
