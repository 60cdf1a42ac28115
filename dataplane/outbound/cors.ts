import { mutableResponse } from "../mutable-response.ts";
import { Cors, isPreflight } from "../traffic/cors.ts";
import type { OutboundLayer } from "./call.ts";

// One compiled policy per route object (routes live as long as their snapshot).
const compiled = new WeakMap<object, Cors>();

/**
 * The route's `corsPolicy`, answered at the gateway: a preflight from an allowed origin is
 * answered here; others go on (Istio's FORWARD) unless `unmatchedPreflights: IGNORE`.
 * Responses to allowed origins get the CORS response headers.
 */
export const cors: OutboundLayer = (request, call, next) => {
  const route = call.route?.route;
  if (!route?.corsPolicy || !request.headers.has("origin")) return next(request, call);
  let policy = compiled.get(route);
  if (!policy) compiled.set(route, (policy = new Cors(route.corsPolicy)));
  if (isPreflight(request)) {
    const answer = policy.preflight(request);
    if (answer.kind === "respond") return Promise.resolve(answer.response);
    return next(request, call);
  }
  if (!policy.allows(request.headers.get("origin"))) return next(request, call);
  const allowed = policy;
  return next(request, call).then((response) => {
    const out = mutableResponse(response);
    allowed.applyToResponse(request.headers, out.headers);
    return out;
  });
};
