import { applyRequestHeaders, withResponseHeaders } from "../traffic/headers.ts";
import type { OutboundLayer } from "./call.ts";
import { editRoute, routedRequest } from "./upstream-request.ts";

/**
 * Istio's header operations of the route and of the chosen destination: request headers
 * before the call, response headers on the answer. The last layer that changes the request
 * for the route: it builds the one copy with the rewrite's URL and these headers.
 */
export const applyHeaders: OutboundLayer = (request, call, next) => {
  const route = call.route?.route;
  if (!route) return next(request, call);
  const destination = { headers: call.destination?.headers };
  if (route.headers?.request || destination.headers?.request) editRoute(call).operations.push((headers) => applyRequestHeaders(headers, route, destination));
  const upstream = routedRequest(request, call);
  if (!route.headers?.response && !destination.headers?.response) return next(upstream, call);
  return next(upstream, call).then((response) => withResponseHeaders(response, route, destination));
};
