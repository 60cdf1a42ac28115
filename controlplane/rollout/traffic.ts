// The VirtualService a rollout wants: its driven routes split stable/canary at the current
// weight, a tester-only route to the canary ahead of them while the pre-stage lasts, and a
// mirror to the canary while mirroring. Every other field stays the user's.
import { canonicalHost } from "../../resources/hosts.ts";
import type { Rollout } from "../../resources/rollout.ts";
import { drivenRoutes, PRESTAGE_ROUTE_PREFIX, type DrivenRoutes } from "../../resources/rollout-routes.ts";
import type { HTTPMatchRequest, HTTPRoute, HTTPRouteDestination, VirtualService } from "../../resources/virtual-service.ts";
import type { RolloutState } from "./decide.ts";
import { roundWeight } from "./steps.ts";

/** What the rollout writes into its routes. */
export interface TrafficPlan {
  weight: number;
  preStage: boolean;
  mirrorPercent: number | null;
}

/** The traffic a state calls for; null where the rollout leaves routes as they are (pending, failed). */
export function trafficOf(state: RolloutState, rollout: Rollout): TrafficPlan | null {
  if (state.phase === "Pending" || state.phase === "Failed") return null;
  const live = state.stage !== "done";
  return {
    weight: state.weight,
    preStage: live && rollout.spec.preStage !== undefined,
    mirrorPercent: live && state.stage === "mirror" ? (rollout.spec.mirror?.percent ?? 100) : null,
  };
}

/** The VirtualService with `plan` written into the routes the rollout drives, or why it cannot be. */
export function withTraffic(vs: VirtualService, rollout: Rollout, plan: TrafficPlan): { ok: true; vs: VirtualService } | Extract<DrivenRoutes, { ok: false }> {
  const prefix = `${PRESTAGE_ROUTE_PREFIX}${rollout.metadata.name}`;
  // Start from the user's routes: our own pre-stage route and mirrors removed.
  const http = (vs.spec.http ?? []).filter((route) => route.name !== prefix).map((route) => withoutCanaryMirror(route, rollout));
  const base: VirtualService = { ...vs, spec: { ...vs.spec, http } };
  const driven = drivenRoutes(rollout, base);
  if (!driven.ok) return driven;
  for (const i of driven.indexes) http[i] = split(http[i]!, rollout, plan);
  if (plan.preStage && rollout.spec.preStage) {
    const first = http[driven.indexes[0]!]!;
    const { route: _weights, mirror: _mirror, mirrors: _mirrors, mirrorPercentage: _share, ...rest } = first;
    http.splice(driven.indexes[0]!, 0, { ...rest, name: prefix, match: testerMatches(first.match, rollout.spec.preStage), route: [destinationOf(first, rollout, "canary", 100)] });
  }
  return { ok: true, vs: base };
}

function split(route: HTTPRoute, rollout: Rollout, plan: TrafficPlan): HTTPRoute {
  const weight = roundWeight(plan.weight);
  const next: HTTPRoute = { ...route, route: [destinationOf(route, rollout, "stable", roundWeight(100 - weight)), destinationOf(route, rollout, "canary", weight)] };
  if (plan.mirrorPercent !== null) {
    const destination = { host: rollout.spec.service, subset: rollout.spec.canarySubset };
    if (next.mirrors) next.mirrors = [...next.mirrors, { destination, percentage: { value: plan.mirrorPercent } }];
    else Object.assign(next, { mirror: destination, mirrorPercentage: { value: plan.mirrorPercent } });
  }
  return next;
}

/** The route's own destination entry for a side (its headers and port kept), at `weight`. */
function destinationOf(route: HTTPRoute, rollout: Rollout, side: "stable" | "canary", weight: number): HTTPRouteDestination {
  const subset = side === "stable" ? rollout.spec.stableSubset : rollout.spec.canarySubset;
  const existing = route.route?.find((d) => d.destination.subset === subset);
  const other = route.route?.[0];
  const destination = existing?.destination ?? { ...(other?.destination ?? { host: rollout.spec.service }), subset };
  return { ...(existing ?? {}), destination, weight };
}

function withoutCanaryMirror(route: HTTPRoute, rollout: Rollout): HTTPRoute {
  const ns = rollout.metadata.namespace;
  const isCanary = (d: { host: string; subset?: string }) => canonicalHost(d.host, ns) === canonicalHost(rollout.spec.service, ns) && d.subset === rollout.spec.canarySubset;
  const next = { ...route };
  if (next.mirror && isCanary(next.mirror)) {
    delete next.mirror;
    delete next.mirrorPercentage;
  }
  if (next.mirrors) {
    const kept = next.mirrors.filter((m) => !isCanary(m.destination));
    if (kept.length > 0) next.mirrors = kept;
    else delete next.mirrors;
  }
  return next;
}

// Each of the route's matches (OR) gains the tester conditions (AND); a cookie is matched in the Cookie header.
function testerMatches(matches: HTTPMatchRequest[] | undefined, preStage: NonNullable<Rollout["spec"]["preStage"]>): HTTPMatchRequest[] {
  const headers: NonNullable<HTTPMatchRequest["headers"]> = {};
  for (const h of preStage.headers ?? []) headers[h.name.toLowerCase()] = { exact: h.exact };
  if (preStage.cookie) headers.cookie = { regex: `(^|.*;\\s*)${escapeRegex(preStage.cookie.name)}=${escapeRegex(preStage.cookie.value)}(;.*)?` };
  return (matches?.length ? matches : [{}]).map((match) => ({ ...match, headers: { ...(match.headers ?? {}), ...headers } }));
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
