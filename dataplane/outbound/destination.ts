import type { StickyHash } from "../../resources/virtual-service.ts";
import { NoHealthyUpstreamError } from "../traffic/mesh-error.ts";
import { effectiveWeights, pickSticky } from "../traffic/weighted-split.ts";
import type { OutboundCall, OutboundLayer } from "./call.ts";
import { callHashKey, withGeneratedCookies } from "./hash-cookie.ts";

/**
 * Destination choice: picks one of the route's weighted destinations (smooth weighted
 * round-robin, accurate to about one request), or — when the route has `stickyHash`, or
 * the first destination's DestinationRule hashes consistently, and the request carries the
 * key — the destination by weighted rendezvous hash of the key, so a user stays put while
 * weights hold across users. A service without routes goes to itself. Hash cookies the mesh
 * generated on the way (a `ttl` cookie the request lacked) are set on the response.
 */
export const chooseDestination: OutboundLayer = (request, call, next) => {
  const route = call.route?.route;
  if (!route?.route) {
    call.destination = { service: call.service! };
    return withCookiesIfAny(next(request, call), call);
  }
  const destinations = route.route;
  const namespace = call.route!.virtualService.namespace;
  let index = 0;
  if (destinations.length > 1) {
    const plan = splitPlan(call, route, destinations, namespace);
    const key = plan.hash && callHashKey(request, call, plan.hash);
    index = key === undefined ? call.isolate.splitters.pick(plan.splitter, plan.weights) : pickSticky(key, plan.sticky);
  }
  const chosen = destinations[index];
  if (!chosen) throw new NoHealthyUpstreamError(call.host ?? "unknown");
  const service = call.mesh.service(chosen.destination.host, namespace);
  if (!service) throw new NoHealthyUpstreamError(chosen.destination.host);
  call.destination = {
    service,
    subset: chosen.destination.subset,
    port: chosen.destination.port?.number,
    headers: chosen.headers,
  };
  return withCookiesIfAny(next(request, call), call);
};

/**
 * The response, with the hash cookies generated for this request when there may be any: a
 * route without a `ttl` hash cookie (here or at endpoint choice) waits on nothing.
 */
function withCookiesIfAny(response: Promise<Response>, call: OutboundCall): Promise<Response> {
  if (!call.generatedCookies?.size && !mayGenerateAtEndpoint(call)) return response;
  return response.then((answer) => withGeneratedCookies(answer, call));
}

/**
 * Whether endpoint choice may generate a hash cookie: the destination's DestinationRule hashes
 * by a cookie with a `ttl` somewhere (its policy, a subset's, a port's). Decided once per rule.
 */
function mayGenerateAtEndpoint(call: OutboundCall): boolean {
  const rule = call.mesh.destinationRule(call.destination!.service.host, call.source.namespace);
  if (!rule) return false;
  let found = cookieRules.get(rule);
  if (found === undefined) cookieRules.set(rule, (found = hasTtlCookie(rule.spec)));
  return found;
}

/** What a split route decides by, worked out once per route object (routes live as long as their snapshot) and caller namespace. */
type SplitPlan = { weights: number[]; splitter: string; sticky: { id: string; weight: number }[]; hash: StickyHash | undefined };
const splitPlans = new WeakMap<object, Map<string, SplitPlan>>();

function splitPlan(call: OutboundCall, route: object & { stickyHash?: StickyHash }, destinations: NonNullable<NonNullable<OutboundCall["route"]>["route"]["route"]>, namespace: string): SplitPlan {
  let byCaller = splitPlans.get(route);
  if (!byCaller) splitPlans.set(route, (byCaller = new Map()));
  let plan = byCaller.get(call.source.namespace);
  if (!plan) {
    const weights = effectiveWeights(destinations.map((d) => d.weight));
    plan = {
      weights,
      splitter: `${namespace}/${call.route!.virtualService.name}#${call.route!.index}`,
      sticky: destinations.map((d, i) => ({ id: `${d.destination.host}|${d.destination.subset ?? ""}`, weight: weights[i]! })),
      hash: route.stickyHash ?? consistentHashOf(call, destinations[0]!.destination.host, namespace),
    };
    byCaller.set(call.source.namespace, plan);
  }
  return plan;
}

// Per DestinationRule object (rules live as long as their snapshot).
const cookieRules = new WeakMap<object, boolean>();

function hasTtlCookie(value: unknown): boolean {
  if (value === null || typeof value !== "object") return false;
  const cookie = (value as { httpCookie?: { ttl?: unknown } }).httpCookie;
  if (cookie?.ttl !== undefined) return true;
  return Object.values(value).some(hasTtlCookie);
}

function consistentHashOf(call: Parameters<OutboundLayer>[1], host: string, namespace: string): StickyHash | undefined {
  const service = call.mesh.service(host, namespace);
  if (!service) return undefined;
  return call.mesh.destinationRule(service.host, call.source.namespace)?.spec.trafficPolicy?.loadBalancer?.consistentHash as StickyHash | undefined;
}
