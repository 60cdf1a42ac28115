// The mesh configurations measured side by side. Each variant is its own namespace and
// host (`<id>.bench`) with its own Workers, so all run in one workerd process at once and
// alternate A B / B A; they differ only in what the column names.
import { allowPolicy, destinationRule, peerAuthentication, serviceEntry, virtualService } from "./resources.mjs";

/**
 * kind: `meshed` (echo wrapped with withMesh) or `sidecar` (plain echo behind the
 * standalone sidecar Worker); gateway: which gateway Worker serves it (`gw`: telemetry
 * on, `gw-notel`: off); identity: STRICT (bearer JWT-SVID + answer), POP, or DISABLE.
 */
export const VARIANTS = [
  { id: "mesh", label: "gateway -> withMesh service, full mesh", kind: "meshed", gateway: "gw", identity: "STRICT", telemetry: true },
  { id: "sidecar", label: "gateway -> standalone sidecar -> service, full mesh", kind: "sidecar", gateway: "gw", identity: "STRICT", telemetry: true },
  { id: "idoff", label: "full mesh, identity off (DISABLE)", kind: "meshed", gateway: "gw", identity: "DISABLE", telemetry: true },
  { id: "pop", label: "full mesh, identity proof-of-possession", kind: "meshed", gateway: "gw", identity: "POP", telemetry: true },
  { id: "notel", label: "full mesh, telemetry off", kind: "meshed", gateway: "gw-notel", identity: "STRICT", telemetry: false },
];

/** The namespace of the scaling curves (routes, services, policies grow there). */
export const SCALE = { id: "scale", label: "scaling namespace", kind: "meshed", gateway: "gw", identity: "STRICT", telemetry: true };

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
