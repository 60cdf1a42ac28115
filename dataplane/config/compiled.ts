import type { Snapshot, SnapshotResource } from "../../contracts/snapshot/schema.ts";
import { canonicalHost, hostMatches, meshServiceOf } from "../../resources/hosts.ts";
import type { DestinationRule, TrafficPolicy } from "../../resources/destination-rule.ts";
import type { Gateway } from "../../resources/gateway.ts";
import type { VirtualService } from "../../resources/virtual-service.ts";
import { subsetEndpoints } from "../traffic/load-balancer.ts";
import { compileRouteTable, type RouteTable } from "../traffic/route-table.ts";
import type { HTTPRoute as GatewayRoute } from "../../resources/http-route.ts";
import { virtualServiceOfHttpRoute } from "./http-route.ts";
import { isGatewayApiGateway } from "../../resources/gateway-api.ts";
import type { GatewayApiGateway } from "../../resources/gateway-api-gateway.ts";
import { gatewaySpecOfGatewayApi } from "./gateway-api-gateway.ts";

/** One registered endpoint of a mesh service (a ServiceEntry endpoint). */
export interface MeshEndpoint {
  /** `worker://NAME`, `http(s)://origin`, or `dispatch://NS/SCRIPT`. */
  address: string;
  labels: Record<string, string>;
  weight: number;
  /** `namespace/service/address`: the key of its health record and outlier state. */
  key: string;
  healthy: boolean;
}

/** A service in the registry, named by its qualified host. */
export interface MeshService {
  host: string;
  name: string;
  namespace: string;
  ports: { number: number; name?: string }[];
  endpoints: MeshEndpoint[];
  /** `exportTo` of the ServiceEntries naming it, with their namespaces (visibility). */
  exportedTo: Visibility[];
}

interface Visibility {
  namespace: string;
  exportTo?: readonly string[];
}

/** Istio's `exportTo`: absent or `*` everywhere, `.` the resource's own namespace, else the names. */
function exportedTo(resource: Visibility, client: string | undefined): boolean {
  if (!resource.exportTo || resource.exportTo.length === 0 || client === undefined) return true;
  return resource.exportTo.some((to) => to === "*" || to === client || (to === "." && resource.namespace === client));
}

/** Endpoints and policy of one destination subset. */
export interface SubsetView {
  /** `host|subset`, the key of its load balancer and outlier state. */
  key: string;
  endpoints: MeshEndpoint[];
  policy: TrafficPolicy;
}

/** A DestinationRule's view of one host. */
export interface DestinationPolicy {
  rule: { name: string; namespace: string };
  spec: DestinationRule["spec"];
}

/**
 * The indexes a request needs, derived once per snapshot version: registry by host, route
 * tables per scope and host, destination rules per host, gateways. Other layers (policies,
 * identity) derive their own indexes through `derive`, also once per version.
 */
export interface CompiledMesh {
  readonly snapshot: Snapshot;
  readonly version: number;
  /** The service a URL host names, seen from a workload in `namespace`. */
  service(host: string, namespace: string): MeshService | undefined;
  /**
   * The route table for a gateway context: `["mesh"]` for sidecars, the `ns/name` keys of
   * the Gateway resources a gateway Worker serves. Built once per version and context.
   */
  routeTable(gateways: readonly string[]): RouteTable;
  /**
   * The DestinationRule for a qualified host, if any, as a client in namespace `from` sees
   * it (`exportTo`): a rule in the client's namespace first, then the service's, then others.
   */
  destinationRule(host: string, from?: string): DestinationPolicy | undefined;
  /**
   * A destination subset: its endpoints (healthy, matching the subset's labels) and its
   * traffic policy (the subset's fields override the rule's, as in Istio). No subset name:
   * the whole service. Undefined when the subset is not defined by a DestinationRule.
   */
  subset(service: MeshService, subset?: string, from?: string): SubsetView | undefined;
  /** Gateway resources (`ns/name` keys) whose selector matches the labels. */
  gatewaysSelecting(labels: Record<string, string>): readonly { key: string; spec: Gateway["spec"] }[];
  /** Resources of one kind, as in the snapshot. */
  ofKind(kind: string): readonly SnapshotResource[];
  /** A value derived from this snapshot by `build`, computed once per version and key. */
  derive<T>(key: string, build: (snapshot: Snapshot) => T): T;
}

/** Hosts remembered per namespace by `service()` and `destinationRule()`; more are looked up each time. */
const MAX_SERVICE_LOOKUPS = 1024;

/** Builds the indexes of a snapshot. Pure: the same snapshot gives the same indexes. */
export function compileMesh(snapshot: Snapshot): CompiledMesh {
  const byKind = new Map<string, SnapshotResource[]>();
  for (const resource of snapshot.resources) {
    const list = byKind.get(resource.kind) ?? [];
    list.push(resource);
    byKind.set(resource.kind, list);
  }
  const ofKind = (kind: string) => byKind.get(kind) ?? [];

  const services = indexServices(ofKind("ServiceEntry"), snapshot);
  const virtualServices = [
    ...(ofKind("VirtualService") as unknown as VirtualService[]),
    ...(ofKind("HTTPRoute") as unknown as GatewayRoute[]).map(virtualServiceOfHttpRoute),
  ];
  const rules = indexDestinationRules(ofKind("DestinationRule"));
  const gatewayList = ofKind("Gateway").map((gateway) => ({
    key: `${gateway.metadata.namespace}/${gateway.metadata.name}`,
    spec: isGatewayApiGateway(gateway) ? gatewaySpecOfGatewayApi(gateway as unknown as GatewayApiGateway) : (gateway.spec as Gateway["spec"]),
  }));
  const derived = new Map<string, unknown>();
  const serviceLookups = new Map<string, Map<string, MeshService | null>>();
  const ruleLookups = new Map<string, Map<string, DestinationPolicy | null>>();
  const subsets = new Map<string, SubsetView | undefined>();

  return {
    snapshot,
    version: snapshot.version,
    service(host, namespace) {
      // Asked several times per request with the same host: answered from a memo per namespace,
      // bounded since hosts come from clients.
      let seen = serviceLookups.get(namespace);
      if (!seen) serviceLookups.set(namespace, (seen = new Map()));
      const known = seen.get(host);
      if (known !== undefined) return known ?? undefined;
      const service = services.get(canonicalHost(host, namespace));
      const visible = service && service.exportedTo.some((to) => exportedTo(to, namespace)) ? service : undefined;
      if (seen.size < MAX_SERVICE_LOOKUPS) seen.set(host, visible ?? null);
      return visible;
    },
    routeTable(gateways) {
      const key = `routes:${[...gateways].sort().join(",")}`;
      let table = derived.get(key) as RouteTable | undefined;
      if (!table) derived.set(key, (table = compileRouteTable(virtualServices, { gateways, admits: gatewayAdmits(gatewayList) })));
      return table;
    },
    destinationRule(host, from) {
      // Asked by several layers per request: answered once per host and client namespace.
      const key = from ?? "";
      let byHost = ruleLookups.get(key);
      if (!byHost) ruleLookups.set(key, (byHost = new Map()));
      let rule = byHost.get(host);
      if (rule === undefined) {
        rule = ruleFor(rules.get(host), host, from) ?? null;
        if (byHost.size < MAX_SERVICE_LOOKUPS) byHost.set(host, rule);
      }
      return rule ?? undefined;
    },
    subset(service, name, from) {
      const key = `${service.host}|${name ?? ""}|${from ?? ""}`;
      if (!subsets.has(key)) subsets.set(key, subsetView(service, name, ruleFor(rules.get(service.host), service.host, from)));
      return subsets.get(key);
    },
    gatewaysSelecting: (labels) =>
      gatewayList.filter(({ spec }) => {
        const selector = spec.selector ?? {};
        return Object.entries(selector).every(([k, v]) => labels[k] === v);
      }),
    ofKind,
    derive<T>(key: string, build: (s: Snapshot) => T): T {
      let value = derived.get(key);
      if (value === undefined) derived.set(key, (value = build(snapshot)));
      return value as T;
    },
  };
}

/**
 * Istio's binding of VirtualServices to Gateway servers: a VirtualService host binds through a
 * gateway when one of its servers' `hosts` intersects it and, written `ns/host`, names the
 * VirtualService's namespace (`.` the Gateway's own, `*` any).
 */
export function gatewayAdmits(gateways: readonly { key: string; spec: Gateway["spec"] }[]): (gateway: string, namespace: string, host: string) => boolean {
  const byKey = new Map(gateways.map((gateway) => [gateway.key, gateway]));
  return (key, namespace, host) => {
    const gateway = byKey.get(key);
    if (!gateway) return false;
    const own = key.slice(0, key.indexOf("/"));
    return gateway.spec.servers.some((server) =>
      server.hosts.some((written) => {
        const slash = written.indexOf("/");
        const allowed = slash === -1 ? "*" : written.slice(0, slash);
        const pattern = slash === -1 ? written : written.slice(slash + 1);
        if (allowed !== "*" && (allowed === "." ? own : allowed) !== namespace) return false;
        return hostMatches(pattern, host) || hostMatches(host, pattern);
      }),
    );
  };
}

function indexServices(entries: readonly SnapshotResource[], snapshot: Snapshot): Map<string, MeshService> {
  const services = new Map<string, MeshService>();
  for (const entry of entries) {
    const spec = entry.spec as Record<string, any>;
    const namespace = entry.metadata.namespace;
    for (const written of (spec.hosts ?? []) as string[]) {
      const host = canonicalHost(written, namespace);
      const mesh = meshServiceOf(host);
      const named = mesh ? { name: mesh.service, namespace: mesh.namespace } : { name: host, namespace };
      const endpoints: MeshEndpoint[] = ((spec.endpoints ?? []) as Record<string, any>[]).map((endpoint) => {
        const key = `${named.namespace}/${named.name}/${endpoint.address}`;
        return {
          address: String(endpoint.address),
          labels: (endpoint.labels ?? {}) as Record<string, string>,
          weight: typeof endpoint.weight === "number" && endpoint.weight > 0 ? endpoint.weight : 1,
          key,
          healthy: snapshot.endpointHealth[key]?.healthy ?? true,
        };
      });
      const visibility = { namespace, exportTo: spec.exportTo as string[] | undefined };
      const existing = services.get(host);
      if (existing) {
        existing.endpoints.push(...endpoints);
        existing.exportedTo.push(visibility);
      } else services.set(host, { host, ...named, ports: (spec.ports ?? []) as MeshService["ports"], endpoints, exportedTo: [visibility] });
    }
  }
  return services;
}

function subsetView(service: MeshService, name: string | undefined, rule: DestinationPolicy | undefined): SubsetView | undefined {
  const base = (rule?.spec.trafficPolicy ?? {}) as TrafficPolicy;
  const healthy = service.endpoints.filter((endpoint) => endpoint.healthy);
  const key = `${service.host}|${name ?? ""}`;
  if (name === undefined) return { key, endpoints: healthy, policy: base };
  const subset = rule?.spec.subsets?.find((s) => s.name === name);
  if (!subset) return undefined;
  return {
    key,
    endpoints: subsetEndpoints(healthy, subset.labels),
    policy: { ...base, ...subset.trafficPolicy },
  };
}

function indexDestinationRules(rules: readonly SnapshotResource[]): Map<string, DestinationPolicy[]> {
  const index = new Map<string, DestinationPolicy[]>();
  for (const rule of rules) {
    const spec = rule.spec as DestinationRule["spec"];
    const host = canonicalHost(spec.host, rule.metadata.namespace);
    const list = index.get(host) ?? [];
    list.push({ rule: { name: rule.metadata.name, namespace: rule.metadata.namespace }, spec });
    index.set(host, list);
  }
  return index;
}

/** Istio's lookup order among the rules a client may see: its own namespace, the service's, then any. */
function ruleFor(candidates: readonly DestinationPolicy[] | undefined, host: string, from: string | undefined): DestinationPolicy | undefined {
  const visible = (candidates ?? []).filter((c) => exportedTo({ namespace: c.rule.namespace, exportTo: c.spec.exportTo }, from));
  const serviceNamespace = meshServiceOf(host)?.namespace;
  return (
    visible.find((c) => from !== undefined && c.rule.namespace === from) ??
    visible.find((c) => c.rule.namespace === serviceNamespace) ??
    visible[0]
  );
}
