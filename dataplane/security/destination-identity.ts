import type { CompiledMesh, MeshEndpoint, MeshService } from "../config/compiled.ts";
import { canonicalHost, meshServiceOf } from "../../resources/hosts.ts";
import { workloadSpiffeId } from "./mesh-peer.ts";

/** Who a caller expects to answer at one endpoint. */
export interface DestinationIdentity {
  spiffeId: string;
  namespace: string;
  serviceAccount: string;
  /** The endpoint's workload labels (selectors of the callee's policies). */
  labels: Record<string, string>;
  /** Inside the mesh: identity is sent and the answer must prove the callee. */
  internal: boolean;
}

interface EndpointFacts {
  serviceAccount?: string;
  location?: string;
}

/**
 * The identity an endpoint must prove: its ServiceEntry endpoint's `serviceAccount`, else
 * the service name (Bookinfo's convention), in the service's namespace and the snapshot's
 * trust domain. A ServiceEntry `location: MESH_EXTERNAL` is outside the mesh (no identity is
 * sent to it); without a location, `worker://` and `dispatch://` endpoints are inside (they
 * are Workers of the mesh) and origin URLs are outside, as Istio defaults to MESH_EXTERNAL.
 */
export function destinationIdentity(mesh: CompiledMesh, service: MeshService, endpoint: MeshEndpoint): DestinationIdentity {
  // Once per endpoint of the snapshot: one object, so policy memos find it by identity too.
  const known = mesh.derive("security:destination-identities", newIdentityMemo);
  let identity = known.get(endpoint);
  if (!identity) known.set(endpoint, (identity = identityOf(mesh, service, endpoint)));
  return identity;
}

function newIdentityMemo(): WeakMap<MeshEndpoint, DestinationIdentity> {
  return new WeakMap();
}

function identityOf(mesh: CompiledMesh, service: MeshService, endpoint: MeshEndpoint): DestinationIdentity {
  const facts = mesh.derive("security:endpoint-facts", indexEndpoints).get(endpoint.key) ?? {};
  const serviceAccount = facts.serviceAccount ?? service.name;
  const internal =
    facts.location === "MESH_INTERNAL" || (facts.location === undefined && /^(worker|dispatch):\/\//.test(endpoint.address));
  return {
    spiffeId: workloadSpiffeId(mesh.snapshot.trustDomain, service.namespace, serviceAccount),
    namespace: service.namespace,
    serviceAccount,
    labels: endpoint.labels,
    internal,
  };
}

// Keyed as compiled.ts keys endpoints: `namespace/service/address`.
function indexEndpoints(snapshot: CompiledMesh["snapshot"]): Map<string, EndpointFacts> {
  const index = new Map<string, EndpointFacts>();
  for (const entry of snapshot.resources) {
    if (entry.kind !== "ServiceEntry") continue;
    const spec = entry.spec as { hosts?: string[]; location?: string; endpoints?: { address?: string; serviceAccount?: string }[] };
    for (const written of spec.hosts ?? []) {
      const host = canonicalHost(written, entry.metadata.namespace);
      const named = meshServiceOf(host) ?? { service: host, namespace: entry.metadata.namespace };
      for (const endpoint of spec.endpoints ?? []) {
        index.set(`${named.namespace}/${named.service}/${endpoint.address}`, { serviceAccount: endpoint.serviceAccount, location: spec.location });
      }
    }
  }
  return index;
}
