// Which bindings a workload's routes need, joined with the bindings data planes reported
// (contracts/snapshot/binding-report.ts): a route to a `worker://` or `dispatch://` endpoint its
// caller holds no binding for answers 503 at run time, so it is reported when the route is
// applied (`destination_unreachable`, a warning: Istio accepts such routes too).
import { bindingName, canonicalHost, hostMatches, parseEndpointAddress, type Finding, type Resource } from "../../resources/index.ts";
import type { BindingReport } from "../../contracts/snapshot/binding-report.ts";
import type { WorkloadIdentity } from "./registry-access.ts";

/**
 * The gateway Worker's identity (workers/gateway/gateway.ts GATEWAY_WORKLOAD): routes bound
 * to a Gateway send its traffic. Every other workload calls mesh hosts as a sidecar.
 */
export const GATEWAY_IDENTITY: WorkloadIdentity = { namespace: "istio-system", serviceAccount: "istio-ingressgateway-service-account" };

/** A workload and the binding names it holds (reported by its data plane, or read from its wrangler config). */
export interface WorkloadBindings extends WorkloadIdentity, BindingReport {}

/** An endpoint the registry holds (it joins its service's endpoints, as in the snapshot). */
export interface RegistryEndpointFacts {
  namespace: string;
  service: string;
  address: string;
  labels: Record<string, string>;
}

/** One binding a workload's routes need. */
export interface NeededBinding {
  binding: string;
  kind: "service" | "dispatchNamespace";
  /** The endpoint address that goes through it (`worker://reviews-v2`). */
  endpoint: string;
  /** The canonical host the endpoint serves. */
  host: string;
  /** The route (or, without one, the ServiceEntry) that sends traffic there, and where in it. */
  resource: { kind: string; namespace: string; name: string };
  path: string;
}

/** What `isthmus bindings` shows per workload. */
export interface BindingPlan extends WorkloadIdentity {
  gateway: boolean;
  /** The bindings it holds; null when it never reported them. */
  bindings: BindingReport | null;
  needs: NeededBinding[];
  /** Needed binding names it does not hold (all needed ones when it never reported). */
  missing: string[];
}

type Where = { resource: NeededBinding["resource"]; path: string };
type Endpoint = { address: string; labels: Record<string, string>; from: Where };
type Route = Where & { host: string; subset?: string };
/** The binding an endpoint is reached through. */
type Via = Pick<NeededBinding, "binding" | "kind">;

/** The mesh's services, subsets and routes, read once per analysis. */
class Routes {
  private readonly endpoints = new Map<string, Endpoint[]>();
  private readonly subsets = new Map<string, Map<string, Record<string, string>>>();
  /** Routes sending the gateway's traffic, and routes of mesh callers by host. */
  readonly gateway: Route[] = [];
  private readonly mesh = new Map<string, Route[]>();

  constructor(resources: readonly Resource[], registry: readonly RegistryEndpointFacts[]) {
    for (const resource of resources) {
      const namespace = resource.metadata.namespace ?? "default";
      const spec = resource.spec as Record<string, any>;
      if (resource.kind === "ServiceEntry") {
        for (const host of spec.hosts ?? []) {
          const list = this.endpointsOf(canonicalHost(host, namespace));
          (spec.endpoints ?? []).forEach((endpoint: { address: string; labels?: Record<string, string> }, index: number) =>
            list.push({ address: endpoint.address, labels: endpoint.labels ?? {}, from: { resource: identify(resource), path: `spec.endpoints[${index}]` } }),
          );
        }
      } else if (resource.kind === "DestinationRule") {
        const host = canonicalHost(spec.host, namespace);
        const subsets = this.subsets.get(host) ?? new Map<string, Record<string, string>>();
        for (const subset of spec.subsets ?? []) subsets.set(subset.name, subset.labels ?? {});
        this.subsets.set(host, subsets);
      }
    }
    for (const endpoint of registry) {
      // Registered over the API: the snapshot puts it in its service's ServiceEntry.
      const from = { resource: { kind: "ServiceEntry", namespace: endpoint.namespace, name: endpoint.service }, path: `registry:${endpoint.address}` };
      this.endpointsOf(canonicalHost(endpoint.service, endpoint.namespace)).push({ address: endpoint.address, labels: endpoint.labels, from });
    }
    for (const resource of resources) {
      if (resource.kind === "VirtualService") this.addVirtualService(resource);
      if (resource.kind === "HTTPRoute") this.addHttpRoute(resource);
    }
  }

  private endpointsOf(host: string): Endpoint[] {
    let list = this.endpoints.get(host);
    if (!list) this.endpoints.set(host, (list = []));
    return list;
  }

  private addVirtualService(source: Resource) {
    const resource = identify(source);
    const namespace = resource.namespace;
    const spec = source.spec as Record<string, any>;
    const gateways: string[] = spec.gateways ?? ["mesh"];
    const routes: Route[] = [];
    (spec.http ?? []).forEach((http: Record<string, any>, i: number) => {
      (http.route ?? []).forEach((route: { destination: { host: string; subset?: string } }, j: number) =>
        routes.push({ resource, path: `spec.http[${i}].route[${j}].destination`, host: canonicalHost(route.destination.host, namespace), subset: route.destination.subset }),
      );
      if (http.mirror) routes.push({ resource, path: `spec.http[${i}].mirror`, host: canonicalHost(http.mirror.host, namespace), subset: http.mirror.subset });
    });
    if (gateways.some((gateway) => gateway !== "mesh")) this.gateway.push(...routes);
    if (gateways.includes("mesh")) {
      for (const host of spec.hosts ?? []) {
        const list = this.mesh.get(canonicalHost(host, namespace)) ?? [];
        list.push(...routes);
        this.mesh.set(canonicalHost(host, namespace), list);
      }
    }
  }

  private addHttpRoute(source: Resource) {
    const resource = identify(source);
    const namespace = resource.namespace;
    const spec = source.spec as Record<string, any>;
    const parents: { kind?: string; name: string }[] = spec.parentRefs ?? [];
    const routes: Route[] = [];
    (spec.rules ?? []).forEach((rule: { backendRefs?: { name: string; namespace?: string }[] }, i: number) =>
      (rule.backendRefs ?? []).forEach((backend, j) =>
        routes.push({ resource, path: `spec.rules[${i}].backendRefs[${j}]`, host: canonicalHost(backend.name, backend.namespace ?? namespace) }),
      ),
    );
    if (parents.some((parent) => (parent.kind ?? "Gateway") === "Gateway")) this.gateway.push(...routes);
    for (const parent of parents.filter((p) => p.kind === "Service")) {
      const host = canonicalHost(parent.name, namespace);
      this.mesh.set(host, [...(this.mesh.get(host) ?? []), ...routes]);
    }
  }

  /** The endpoints a route can send to: the destination's, narrowed to its subset's labels. */
  private targets(route: Route): Endpoint[] {
    const all = this.endpoints.get(route.host) ?? [];
    if (route.subset === undefined) return all;
    const labels = this.subsets.get(route.host)?.get(route.subset);
    // An undefined subset is analyze's `subset_not_found`; it reaches nothing.
    if (!labels) return [];
    return all.filter((endpoint) => Object.entries(labels).every(([name, value]) => endpoint.labels[name] === value));
  }

  private hostsByBinding: Map<string, Set<string>> | undefined;
  /** The hosts a sidecar calls: those with an endpoint it holds the binding of (it was wired to call them). */
  private calledHosts(held: Iterable<string>): string[] {
    if (!this.hostsByBinding) {
      this.hostsByBinding = new Map();
      for (const [host, list] of this.endpoints) {
        for (const endpoint of list) {
          const via = this.bindingOf(endpoint.address);
          if (!via) continue;
          const hosts = this.hostsByBinding.get(via.binding) ?? new Set<string>();
          this.hostsByBinding.set(via.binding, hosts.add(host));
        }
      }
    }
    const called = new Set<string>();
    for (const binding of held) for (const host of this.hostsByBinding.get(binding) ?? []) called.add(host);
    return [...called];
  }

  /** What traffic to `host` from a sidecar needs: its mesh routes' endpoints, else all of the service's. */
  private hostNeeds(host: string): NeededBinding[] {
    let needs = this.byHost.get(host);
    if (needs) return needs;
    const mesh = [...(this.mesh.get(host) ?? []), ...this.wildcards().filter(([pattern]) => hostMatches(pattern, host)).flatMap(([, list]) => list)];
    // No route of its own: the service's every endpoint takes a share.
    needs = mesh.length === 0 ? this.needsOf(null, host, this.endpoints.get(host) ?? []) : mesh.flatMap((route) => this.needsOf(route, route.host, this.targets(route)));
    this.byHost.set(host, needs);
    return needs;
  }

  private readonly byHost = new Map<string, NeededBinding[]>();
  private wildcardRoutes: [string, Route[]][] | undefined;
  private wildcards(): [string, Route[]][] {
    return (this.wildcardRoutes ??= [...this.mesh].filter(([pattern]) => pattern.startsWith("*")));
  }

  private needsOf(route: Route | null, host: string, endpoints: Endpoint[], wanted?: (via: Via) => boolean): NeededBinding[] {
    return endpoints.flatMap((endpoint) => {
      const via = this.bindingOf(endpoint.address);
      if (!via || (wanted && !wanted(via))) return [];
      const from = route ?? endpoint.from;
      return [{ ...via, endpoint: endpoint.address, host, resource: from.resource, path: from.path }];
    });
  }

  /**
   * Every binding the workload's traffic needs, with the route that sends it there; with
   * `lackingOnly`, only those `bindings` does not hold (a large mesh's gateway routes make
   * thousands of needs, nearly all held: an apply's analysis builds none of those).
   */
  needs(workload: WorkloadIdentity, bindings: BindingReport | null, lackingOnly = false): NeededBinding[] {
    const wanted = lackingOnly && bindings ? (via: Via) => !holds(bindings, via) : undefined;
    let all: NeededBinding[] = [];
    if (isGateway(workload)) {
      all = this.gateway.flatMap((route) => this.needsOf(route, route.host, this.targets(route), wanted));
    } else if (bindings) {
      all = this.calledHosts([...bindings.services, ...bindings.dispatchNamespaces]).flatMap((host) => this.hostNeeds(host));
      if (wanted) all = all.filter(wanted);
    }
    const needs = new Map<string, NeededBinding>();
    for (const need of all) needs.set(`${need.binding}|${need.endpoint}|${key(need.resource)}|${need.path}`, need);
    return [...needs.values()].sort((a, b) => (a.binding < b.binding ? -1 : a.binding > b.binding ? 1 : 0));
  }

  private readonly addresses = new Map<string, Via | null>();
  /** The binding an endpoint address goes through (null for an origin), parsed once per address. */
  private bindingOf(address: string): Via | null {
    if (this.addresses.has(address)) return this.addresses.get(address)!;
    const target = parseEndpointAddress(address);
    const via =
      typeof target === "string" || target.kind === "origin"
        ? null
        : target.kind === "worker"
          ? { binding: bindingName(target.name), kind: "service" as const }
          : { binding: target.namespaceBinding, kind: "dispatchNamespace" as const };
    this.addresses.set(address, via);
    return via;
  }
}

function holds(bindings: BindingReport, need: Via): boolean {
  return (need.kind === "service" ? bindings.services : bindings.dispatchNamespaces).includes(need.binding);
}

const isGateway = (workload: WorkloadIdentity) =>
  workload.namespace === GATEWAY_IDENTITY.namespace && workload.serviceAccount === GATEWAY_IDENTITY.serviceAccount;
const identify = (resource: Resource) => ({ kind: resource.kind, namespace: resource.metadata.namespace ?? "default", name: resource.metadata.name });
const key = (resource: { kind: string; namespace: string; name: string }) => `${resource.kind}/${resource.namespace}/${resource.name}`;

/**
 * `destination_unreachable` warnings: per reporting workload, each endpoint its routes send
 * to through a binding it does not hold. Workloads that never reported are not judged.
 */
export function unreachableDestinations(
  resources: readonly Resource[],
  registry: readonly RegistryEndpointFacts[],
  reported: readonly WorkloadBindings[],
): Finding[] {
  if (reported.length === 0) return [];
  const routes = new Routes(resources, registry);
  const findings = new Map<string, Finding>();
  for (const workload of reported) {
    const who = `${workload.namespace}/${workload.serviceAccount}`;
    for (const need of routes.needs(workload, workload, true)) {
      const what = need.kind === "service" ? "service binding" : "dispatch namespace binding";
      findings.set(`${key(need.resource)}|${need.path}|${who}|${need.binding}`, {
        code: "destination_unreachable",
        severity: "warning",
        path: need.path,
        resource: need.resource,
        message:
          `workload ${who}${isGateway(workload) ? " (the gateway)" : ""} has no ${what} ${need.binding} for endpoint ${need.endpoint} of ${need.host}: ` +
          `its requests there would answer 503 (isthmus bindings --write adds it to the Worker's wrangler config)`,
      });
    }
  }
  // Sorted as analyze sorts its findings: by resource, then path.
  return [...findings.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, finding]) => finding);
}

/**
 * What each workload's routes need and what it lacks: the given workloads, else every one
 * that reported bindings and the gateway (which every Gateway-bound route sends through).
 */
export function bindingPlans(
  resources: readonly Resource[],
  registry: readonly RegistryEndpointFacts[],
  workloads: readonly (WorkloadIdentity & { bindings: BindingReport | null })[],
): BindingPlan[] {
  const routes = new Routes(resources, registry);
  return workloads.map((workload) => {
    const needs = routes.needs(workload, workload.bindings);
    const missing = new Set(needs.filter((need) => !workload.bindings || !holds(workload.bindings, need)).map((need) => need.binding));
    return {
      namespace: workload.namespace,
      serviceAccount: workload.serviceAccount,
      gateway: isGateway(workload),
      bindings: workload.bindings,
      needs,
      missing: [...missing].sort(),
    };
  });
}
