import { mutableResponse } from "../mutable-response.ts";
import type { HTTPRoute, HTTPRouteDestination } from "../../resources/virtual-service.ts";

type HeaderOperations = NonNullable<NonNullable<HTTPRoute["headers"]>["request"]>;

/**
 * Applies one set of Istio header operations in Envoy's order: `remove` first, then `set`
 * (replace), then `add` (append a value).
 */
export function applyHeaderOperations(headers: Headers, operations: HeaderOperations | undefined): void {
  if (!operations) return;
  for (const name of operations.remove ?? []) headers.delete(name);
  for (const [name, value] of Object.entries(operations.set ?? {})) headers.set(name, value);
  for (const [name, value] of Object.entries(operations.add ?? {})) headers.append(name, value);
}

/**
 * Request header manipulation for a chosen destination: the destination's `headers`
 * first, then the route's, so on conflict the route level wins (Envoy's default, the
 * less specific mutation last).
 */
export function applyRequestHeaders(headers: Headers, route: Pick<HTTPRoute, "headers">, destination?: Pick<HTTPRouteDestination, "headers">): void {
  applyHeaderOperations(headers, destination?.headers?.request);
  applyHeaderOperations(headers, route.headers?.request);
}

/** Response header manipulation, in the same order as {@link applyRequestHeaders}. */
export function applyResponseHeaders(headers: Headers, route: Pick<HTTPRoute, "headers">, destination?: Pick<HTTPRouteDestination, "headers">): void {
  applyHeaderOperations(headers, destination?.headers?.response);
  applyHeaderOperations(headers, route.headers?.response);
}

/** A response with the route's response headers applied: in place when this hop may write them, else in its one copy. */
export function withResponseHeaders(response: Response, route: Pick<HTTPRoute, "headers">, destination?: Pick<HTTPRouteDestination, "headers">): Response {
  if (!route.headers?.response && !destination?.headers?.response) return response;
  const out = mutableResponse(response);
  applyResponseHeaders(out.headers, route, destination);
  return out;
}
