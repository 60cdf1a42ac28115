// The mesh configurations measured side by side. Each variant is its own namespace and
// host (`<id>.bench`) with its own Workers, so all run in one workerd process at once and
// alternate A B / B A; they differ only in what the column names.
import { allowPolicy, destinationRule, peerAuthentication, serviceEntry, virtualService } from "./resources.mjs";

/**
 * kind: `meshed` (echo wrapped with withMesh) or `sidecar` (plain echo behind the
 * standalone sidecar Worker); identity: STRICT (bearer JWT-SVID + answer), POP, or
 * DISABLE; telemetry: `default` (metrics, traces sampled at the default 1 % and exported
 * to the local sink), `full` (metrics + 100 % of traces exported), `off`. Each telemetry
 * mode has its own gateway Worker (`gw`, `gw-full`, `gw-off`): the knobs are vars.
 * `fdBudget`: share of the descriptor limit at which a wrk run is stopped early (100 %
 * trace export piles up sockets in workerd, see docs/BENCHMARKS.md).
 */
export const VARIANTS = [
  { id: "mesh", label: "gateway -> withMesh service, full mesh", kind: "meshed", identity: "STRICT", telemetry: "default" },
  { id: "sidecar", label: "gateway -> standalone sidecar -> service, full mesh", kind: "sidecar", identity: "STRICT", telemetry: "default" },
  { id: "idoff", label: "full mesh, identity off (DISABLE)", kind: "meshed", identity: "DISABLE", telemetry: "default" },
  { id: "pop", label: "full mesh, identity proof-of-possession", kind: "meshed", identity: "POP", telemetry: "default" },
  { id: "teloff", label: "full mesh, telemetry off", kind: "meshed", identity: "STRICT", telemetry: "off" },
  { id: "telfull", label: "full mesh, telemetry: metrics + 100 % traces", kind: "meshed", identity: "STRICT", telemetry: "full", fdBudget: 0.25 },
  { id: "decide", label: "decisions only: routes, split, authorization; identity and telemetry off", kind: "meshed", identity: "DISABLE", telemetry: "off" },
];

/**
 * The throughput row with the same hops and no mesh, which a variant's ratio and CPU cost
 * are quoted against: the bare binding for withMesh, two bare bindings for the sidecar.
 */
export const floorOf = (variant) => (variant.kind === "sidecar" ? "binding2" : "binding");

/** The gateway Worker serving a telemetry mode. */
export const gatewayOf = (variant) => (variant.telemetry === "default" ? "gw" : `gw-${variant.telemetry}`);

/** The namespace of the scaling curves (routes, services, policies grow there). */
export const SCALE = { id: "scale", label: "scaling namespace", kind: "meshed", identity: "STRICT", telemetry: "default" };

export const namespaceOf = (variant) => `bench-${variant.id}`;
export const hostOf = (variant) => `${variant.id}.bench`;
export const versions = ["v1", "v2"];
/** Worker name of one version's endpoint (`mesh-v1`); the sidecar's app is `<name>-app`. */
export const endpointWorker = (variant, version) => `${variant.id}-${version}`;

/** Every resource of one variant. */
export function variantResources(variant, routeCount = 50) {
  const ns = namespaceOf(variant);
  const identityOn = variant.identity !== "DISABLE";
  return [
    serviceEntry(ns, versions.map((version) => ({ worker: endpointWorker(variant, version), version }))),
    destinationRule(ns),
    virtualService(ns, hostOf(variant), routeCount),
    allowPolicy(ns, { principals: identityOn }),
    ...(variant.identity === "STRICT" ? [] : [peerAuthentication(ns, identityOn ? "STRICT" : "DISABLE", variant.identity === "POP")]),
  ];
}
