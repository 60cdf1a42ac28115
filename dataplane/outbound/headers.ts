import type { OutboundLayer } from "./call.ts";

interface HeaderOperations {
  set?: Record<string, string>;
  add?: Record<string, string>;
  remove?: string[];
}

function apply(headers: Headers, operations: HeaderOperations | undefined): void {
  if (!operations) return;
  for (const [name, value] of Object.entries(operations.set ?? {})) headers.set(name, value);
  for (const [name, value] of Object.entries(operations.add ?? {})) headers.append(name, value);
  for (const name of operations.remove ?? []) headers.delete(name);
}

/**
 * Istio's header manipulation: the route's `headers` and the chosen destination's, request
 * operations before the call (set, then add, then remove) and response operations on the
 * answer.
 */
export const applyHeaders: OutboundLayer = async (request, call, next) => {
  const route = call.route?.route.headers;
  const destination = call.destination?.headers;
  if (!route && !destination) return next(request, call);
  let upstream = request;
  if (route?.request || destination?.request) {
    const headers = new Headers(request.headers);
    apply(headers, route?.request);
    apply(headers, destination?.request);
    upstream = new Request(request, { headers });
  }
  const response = await next(upstream, call);
  if (!route?.response && !destination?.response) return response;
  const answer = new Response(response.body, response);
  apply(answer.headers, destination?.response);
  apply(answer.headers, route?.response);
  return answer;
};
