import { canonicalHost } from "../../resources/hosts.ts";
import { snapshotContentHash } from "./content-hash.ts";
import type { Snapshot, SnapshotContent, SnapshotResource } from "./schema.ts";

/** An endpoint the registry knows (registered over the API and kept alive by heartbeats). */
export interface RegisteredEndpoint {
  namespace: string;
  service: string;
  address: string;
  labels: Record<string, string>;
  healthy: boolean;
  /** ISO time of the last heartbeat (or of registration). */
  lastHeartbeat: string;
  /** The service account it runs as: the identity callers demand of it. */
  serviceAccount?: string;
}

export interface CompileInput {
  version: number;
  /** The control plane's epoch (see `Snapshot.epoch`). */
  epoch?: string;
  generatedAt: string;
  trustDomain: string;
  /** Stored resources; metadata beyond name/namespace/labels/annotations is dropped. */
  resources: readonly SnapshotResource[];
  endpoints: readonly RegisteredEndpoint[];
  revokedIdentities: readonly string[];
}

/** Label on the ServiceEntries the compiler writes for services known only to the registry. */
export const REGISTRY_LABEL = "isthmus.dev/registry";

/**
 * Compiles stored resources and the registry into one snapshot. Registered endpoints join
 * the ServiceEntry of their namespace whose hosts name their service (or one written for
 * them), so the data plane finds every endpoint in one place; their health is keyed
 * `namespace/service/address`. The snapshot shares spec objects with `input.resources`
 * (copying 1,000 specs cost a quarter of the compile): treat both as immutable.
 */
export async function compileSnapshot(input: CompileInput): Promise<Snapshot> {
  const resources = input.resources.map(contentOf);
  mergeRegistry(resources, input.endpoints);
  resources.sort(byKindNamespaceName);
  const endpointHealth: SnapshotContent["endpointHealth"] = {};
  for (const endpoint of input.endpoints) {
    endpointHealth[`${endpoint.namespace}/${endpoint.service}/${endpoint.address}`] = {
      healthy: endpoint.healthy,
      lastHeartbeat: endpoint.lastHeartbeat,
    };
  }
  const content: SnapshotContent = {
    trustDomain: input.trustDomain,
    resources,
    endpointHealth,
    revokedIdentities: [...new Set(input.revokedIdentities)].sort(),
  };
  return {
    version: input.version,
    ...(input.epoch ? { epoch: input.epoch } : {}),
    hash: await snapshotContentHash(content),
    generatedAt: input.generatedAt,
    ...content,
  };
}

function byKindNamespaceName(a: SnapshotResource, b: SnapshotResource): number {
  return (
    compare(a.kind, b.kind) || compare(a.metadata.namespace, b.metadata.namespace) || compare(a.metadata.name, b.metadata.name)
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A resource's content, the part users write (server metadata dropped, empty label and
 * annotation maps left out), sharing its spec: compile replaces, never edits, what it changes.
 */
function contentOf(resource: SnapshotResource): SnapshotResource {
  const { name, namespace, labels, annotations } = resource.metadata;
  // Members in canonical (sorted) order, as stored specs are: the data plane hashes an
  // object already in order with the engine's JSON.stringify (see canonicalJson).
  const metadata: SnapshotResource["metadata"] = {
    ...(annotations && Object.keys(annotations).length > 0 ? { annotations: { ...annotations } } : {}),
    ...(labels && Object.keys(labels).length > 0 ? { labels: { ...labels } } : {}),
    name,
    namespace,
  };
  return { apiVersion: resource.apiVersion, kind: resource.kind, metadata, spec: resource.spec };
}

function mergeRegistry(resources: SnapshotResource[], endpoints: readonly RegisteredEndpoint[]): void {
  if (endpoints.length === 0) return;
  const groups = new Map<string, RegisteredEndpoint[]>();
  for (const endpoint of endpoints) {
    const key = `${endpoint.namespace}/${endpoint.service}`;
    groups.set(key, [...(groups.get(key) ?? []), endpoint]);
  }
  for (const group of groups.values()) {
    const { namespace, service } = group[0]!;
    const found = resources.findIndex(
      (resource) =>
        resource.kind === "ServiceEntry" &&
        resource.metadata.namespace === namespace &&
        Array.isArray(resource.spec.hosts) &&
        resource.spec.hosts.some((host) => typeof host === "string" && canonicalHost(host, namespace) === canonicalHost(service, namespace)),
    );
    const index = found >= 0 ? found : resources.push(registryServiceEntry(resources, namespace, service)) - 1;
    // A copy of the entry with its own spec: the input's spec object stays as it was.
    const entry = { ...resources[index]!, spec: { ...resources[index]!.spec } };
    resources[index] = entry;
    const listed = Array.isArray(entry.spec.endpoints) ? (entry.spec.endpoints as Array<{ address?: unknown }>) : [];
    const known = new Set(listed.map((endpoint) => endpoint.address));
    const added = [...group]
      .sort((a, b) => compare(a.address, b.address))
      .filter((endpoint) => !known.has(endpoint.address))
      .map((endpoint) => ({
        address: endpoint.address,
        labels: { ...endpoint.labels },
        ...(endpoint.serviceAccount === undefined ? {} : { serviceAccount: endpoint.serviceAccount }),
      }));
    entry.spec.endpoints = [...listed, ...added];
  }
}

function registryServiceEntry(resources: SnapshotResource[], namespace: string, service: string): SnapshotResource {
  const taken = (name: string) =>
    resources.some((r) => r.kind === "ServiceEntry" && r.metadata.namespace === namespace && r.metadata.name === name);
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "ServiceEntry",
    metadata: { labels: { [REGISTRY_LABEL]: "true" }, name: taken(service) ? `${service}-registry` : service, namespace },
    spec: {
      endpoints: [],
      hosts: [service],
      location: "MESH_INTERNAL",
      ports: [{ name: "http", number: 80, protocol: "HTTP" }],
      resolution: "STATIC",
    },
  };
}
