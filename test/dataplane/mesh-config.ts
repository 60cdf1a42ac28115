// The registry and gateway config every data-plane test starts from, in Istio's YAML.
import type { EchoWorker } from "../harness/data-plane.ts";

/**
 * front (v1), back (v1, v2, v3), shadow (v1), pool (a healthy and a broken endpoint), storm
 * (always broken), side (behind the standalone sidecar).
 */
export const ECHOES: EchoWorker[] = [
  { name: "front-v1", service: "front", version: "v1" },
  { name: "back-v1", service: "back", version: "v1" },
  { name: "back-v2", service: "back", version: "v2" },
  { name: "back-v3", service: "back", version: "v3" },
  { name: "shadow-v1", service: "shadow", version: "v1" },
  { name: "pool-a", service: "pool", version: "a" },
  { name: "pool-b", service: "pool", version: "b", broken: true },
  { name: "storm-v1", service: "storm", version: "v1", broken: true },
  { name: "side-v1", service: "side", version: "v1", behindSidecar: true },
];

function serviceEntry(service: string, endpoints: { name: string; version: string }[]): string {
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: ${service}
spec:
  hosts: [${service}]
  location: MESH_INTERNAL
  ports: [{ number: 9080, name: http, protocol: HTTP }]
  resolution: STATIC
  endpoints:
${endpoints.map((e) => `  - address: worker://${e.name}\n    labels: { app: ${service}, version: ${e.version} }`).join("\n")}
`;
}

/**
 * ServiceEntries for every echo service, the subsets of back, and the test gateway. Mesh-wide
 * PERMISSIVE, because these tests also ask services directly (from outside the mesh) what
 * reached them; mutual authentication has its own tests.
 */
export const BASE_CONFIG = [
  `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: default
  namespace: istio-system
spec:
  mtls:
    mode: PERMISSIVE
`,
  ...["front", "back", "shadow", "pool", "storm", "side"].map((service) => serviceEntry(service, ECHOES.filter((e) => e.service === service))),
  `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: back
spec:
  host: back
  subsets:
  - { name: v1, labels: { version: v1 } }
  - { name: v2, labels: { version: v2 } }
  - { name: v3, labels: { version: v3 } }
`,
  `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: test-gateway
spec:
  selector:
    istio: ingressgateway
  servers:
  - port: { number: 8080, name: http, protocol: HTTP }
    hosts: ["*"]
`,
].join("---\n");
