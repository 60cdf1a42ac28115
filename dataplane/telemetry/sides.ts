// The series side of a request (reporter and both workloads' labels), cached per snapshot
// under objects the request already holds, so that no request builds labels or a key:
// outbound by the endpoint (or service) reached and subset, inbound by the caller's claim
// header and verified principal. Hosts a client names that are not in the snapshot are
// `unknown`, never a label value (issue #14, class 6).
import type { CompiledMesh, MeshService } from "../config/compiled.ts";
import type { InboundCall } from "../inbound/call.ts";
import type { OutboundCall } from "../outbound/call.ts";
import type { MetricsRecorder } from "./metrics.ts";
import type { SeriesSide } from "./series.ts";
import { parseSourceClaim, selfFacts } from "./workload-facts.ts";

/** Distinct claim headers cached per snapshot; past it a side is looked up by its labels. */
const MAX_CACHED_CLAIMS = 1024;

export type SnapshotSides = {
  /** By endpoint, else service, else the snapshot itself (no destination); then subset. */
  outbound: WeakMap<object, Map<string, SeriesSide>>;
  /** By claim header value, then principal ("" for none). */
  inbound: Map<string, Map<string, SeriesSide>>;
};

// Held by the recorder whose table interned the sides: a side's ids mean nothing to another.
function sidesOf(recorder: MetricsRecorder, mesh: CompiledMesh): SnapshotSides {
  let sides = recorder.snapshotSides.get(mesh);
  if (!sides) recorder.snapshotSides.set(mesh, (sides = { outbound: new WeakMap(), inbound: new Map() }));
  return sides;
}

/** The service the request goes to: the route's destination, else the service its host names. */
export function targetService(call: OutboundCall): MeshService | undefined {
  return call.destination?.service ?? call.service;
}

/** This workload as the source reporter of an outbound request. */
export function outboundSide(recorder: MetricsRecorder, call: OutboundCall): SeriesSide {
  const sides = sidesOf(recorder, call.mesh).outbound;
  const owner: object = call.endpoint ?? targetService(call) ?? call.mesh;
  const subset = call.destination?.subset ?? "";
  let bySubset = sides.get(owner);
  let side = bySubset?.get(subset);
  if (side) return side;
  const target = targetService(call);
  const endpoint = call.endpoint;
  side = recorder.side({
    reporter: "source",
    source: selfFacts(call.source, call.mesh.snapshot.trustDomain),
    destination: {
      workload: endpoint?.address.startsWith("worker://") ? endpoint.address.slice("worker://".length) : undefined,
      namespace: target?.namespace,
      app: target?.name,
      version: endpoint?.labels.version ?? call.destination?.subset,
      service: target?.host,
      serviceName: target?.name,
      serviceNamespace: target?.namespace,
    },
    protocol: "http",
  });
  if (!bySubset) sides.set(owner, (bySubset = new Map()));
  bySubset.set(subset, side);
  return side;
}

/** This workload as the destination reporter of an inbound request. */
export function inboundSide(recorder: MetricsRecorder, call: InboundCall, claim: string | null): SeriesSide {
  const sides = sidesOf(recorder, call.mesh).inbound;
  const principal = call.peer.principal ?? "";
  let byPrincipal = sides.get(claim ?? "");
  let side = byPrincipal?.get(principal);
  if (side) return side;
  const self = call.workload;
  let source = parseSourceClaim(claim);
  // A claim of another namespace than the verified caller's is false: none of it is kept.
  if (call.peer.namespace && source.namespace && source.namespace !== call.peer.namespace) source = {};
  side = recorder.side({
    reporter: "destination",
    source: { ...source, principal: call.peer.principal, namespace: call.peer.namespace ?? source.namespace },
    destination: {
      ...selfFacts(self, call.mesh.snapshot.trustDomain),
      service: `${self.service}.${self.namespace}.svc.cluster.local`,
      serviceName: self.service,
      serviceNamespace: self.namespace,
    },
    protocol: "http",
  });
  if (!byPrincipal) {
    // Claims are the caller's to choose: past the bound, the recorder's interning (and its
    // series limit) is what bounds them.
    if (sides.size >= MAX_CACHED_CLAIMS) return side;
    sides.set(claim ?? "", (byPrincipal = new Map()));
  }
  byPrincipal.set(principal, side);
  return side;
}
