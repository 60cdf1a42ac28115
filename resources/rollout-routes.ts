// Which http routes of a VirtualService a Rollout drives, and whether two Rollouts would
// drive the same one. Shared by apply (conflicts), analyze (findings) and the controller.
import { canonicalHost } from "./hosts.ts";
import type { Resource } from "./kinds.ts";
import type { Rollout } from "./rollout.ts";
import type { HTTPRoute, VirtualService } from "./virtual-service.ts";

/** Name prefix of the header/cookie route a Rollout inserts for its pre-stage; never a driven route itself. */
export const PRESTAGE_ROUTE_PREFIX = "rollout-prestage:";

/** The driven routes (indexes into `spec.http`), or why there are none. */
export type DrivenRoutes = { ok: true; indexes: number[] } | { ok: false; path: string; message: string };

/**
 * The http routes a Rollout owns the weights of: those it names in `spec.routes`, or by
 * default every route whose destinations are all the stable or canary subset of its service
 * (a route still sending everything to stable counts: the rollout adds the canary).
 */
export function drivenRoutes(rollout: Rollout, vs: VirtualService): DrivenRoutes {
  const http = vs.spec.http ?? [];
  const names = rollout.spec.routes;
  if (names) {
    const indexes: number[] = [];
    for (const [i, name] of names.entries()) {
      const at = http.findIndex((route) => route.name === name);
      if (at < 0) return { ok: false, path: `spec.routes[${i}]`, message: `VirtualService ${vs.metadata.namespace}/${vs.metadata.name} has no http route named "${name}"` };
      if (!splitsStableCanary(rollout, http[at]!)) {
        return { ok: false, path: `spec.routes[${i}]`, message: `route "${name}" does not route to subsets ${rollout.spec.stableSubset} or ${rollout.spec.canarySubset} of ${rollout.spec.service} only` };
      }
      indexes.push(at);
    }
    return { ok: true, indexes };
  }
  const indexes = http.flatMap((route, i) => (splitsStableCanary(rollout, route) ? [i] : []));
  if (indexes.length === 0) {
    return {
      ok: false,
      path: "spec.virtualService",
      message: `no http route of ${vs.metadata.namespace}/${vs.metadata.name} routes only to subsets ${rollout.spec.stableSubset} and ${rollout.spec.canarySubset} of ${rollout.spec.service}`,
    };
  }
  return { ok: true, indexes };
}

/** Whether a route's destinations are all the rollout's stable or canary subset (and it is not a pre-stage route). */
function splitsStableCanary(rollout: Rollout, route: HTTPRoute): boolean {
  if (route.name?.startsWith(PRESTAGE_ROUTE_PREFIX) || !route.route || route.route.length === 0) return false;
  const ns = rollout.metadata.namespace;
  const host = canonicalHost(rollout.spec.service, ns);
  const subsets = new Set([rollout.spec.stableSubset, rollout.spec.canarySubset]);
  return route.route.every((d) => canonicalHost(d.destination.host, ns) === host && d.destination.subset !== undefined && subsets.has(d.destination.subset));
}

/** One Rollout that would drive a route another Rollout already drives. */
export interface RolloutConflict {
  rollout: { namespace: string; name: string };
  other: { namespace: string; name: string };
  message: string;
}

/**
 * Pairs of Rollouts driving one route of one VirtualService, reported for each of `changed`
 * (the Rollouts being applied). Without the VirtualService, two Rollouts on it conflict when
 * they name a route in common or either drives the default set.
 */
export function rolloutConflicts(resources: readonly Resource[], changed: readonly Rollout[]): RolloutConflict[] {
  const rollouts = resources.filter((r): r is Rollout => r.kind === "Rollout");
  const conflicts: RolloutConflict[] = [];
  for (const rollout of changed) {
    const ns = rollout.metadata.namespace;
    const vs = resources.find((r): r is VirtualService => r.kind === "VirtualService" && r.metadata.namespace === ns && r.metadata.name === rollout.spec.virtualService);
    const mine = routeKeys(rollout, vs);
    for (const other of rollouts) {
      if (other.metadata.namespace !== ns || other.metadata.name === rollout.metadata.name || other.spec.virtualService !== rollout.spec.virtualService) continue;
      const theirs = routeKeys(other, vs);
      const shared = mine === "all" || theirs === "all" ? "all" : [...mine].filter((k) => theirs.has(k));
      if (shared === "all" || shared.length > 0) {
        const what = shared === "all" ? "its routes" : `route${shared.length > 1 ? "s" : ""} ${shared.join(", ")}`;
        conflicts.push({
          rollout: { namespace: ns, name: rollout.metadata.name },
          other: { namespace: ns, name: other.metadata.name },
          message: `Rollout ${ns}/${other.metadata.name} already drives ${what} of VirtualService ${ns}/${rollout.spec.virtualService}`,
        });
      }
    }
  }
  return conflicts;
}

/** Two Rollouts a VirtualService's new routes would let drive one route. */
export interface VirtualServiceConflict {
  virtualService: { namespace: string; name: string };
  rollouts: [string, string];
  message: string;
}

/**
 * Pairs of Rollouts that a changed VirtualService (in `after`) would let drive one route,
 * where they did not with its stored version (in `before`): an edit that makes a default
 * route set overlap another Rollout's is refused, a conflict already stored is not made
 * worse by the rollouts' own weight writes.
 */
export function virtualServiceConflicts(before: readonly Resource[], after: readonly Resource[], changed: readonly VirtualService[]): VirtualServiceConflict[] {
  const out: VirtualServiceConflict[] = [];
  for (const vs of changed) {
    const ns = vs.metadata.namespace;
    const on = (resources: readonly Resource[]) => resources.filter((r): r is Rollout => r.kind === "Rollout" && r.metadata.namespace === ns && r.spec.virtualService === vs.metadata.name);
    const pairs = (resources: readonly Resource[]) => new Map(rolloutConflicts(resources, on(resources)).map((c) => [[c.rollout.name, c.other.name].sort().join("\n"), c.message]));
    const old = pairs(before);
    for (const [pair, detail] of pairs(after)) {
      if (old.has(pair)) continue;
      const [a, b] = pair.split("\n") as [string, string];
      out.push({ virtualService: { namespace: ns, name: vs.metadata.name }, rollouts: [a, b], message: `VirtualService ${ns}/${vs.metadata.name} would let Rollouts ${ns}/${a} and ${ns}/${b} drive the same route (${detail})` });
    }
  }
  return out;
}

// Routes named by index or name; "all" when it cannot be known (no VirtualService, default set).
function routeKeys(rollout: Rollout, vs: VirtualService | undefined): Set<string> | "all" {
  if (vs) {
    const driven = drivenRoutes(rollout, vs);
    if (driven.ok) return new Set(driven.indexes.map((i) => vs.spec.http![i]!.name ?? `http[${i}]`));
  }
  return rollout.spec.routes ? new Set(rollout.spec.routes) : "all";
}
