// The registry, gateway and routes the security tests start from, in Istio's YAML.
function serviceEntry(name: string, address: string, serviceAccount?: string): string {
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: ${name} }
spec:
  hosts: [${name}]
  location: MESH_INTERNAL
  ports: [{ number: 9080, name: http, protocol: HTTP }]
  resolution: STATIC
  endpoints:
  - address: ${address}
    labels: { app: ${name}, version: v1 }
${serviceAccount ? `    serviceAccount: ${serviceAccount}\n` : ""}`;
}

/**
 * front, target, other (meshed); victim: a service whose endpoint binding actually reaches
 * the impostor Worker. The gateway routes /front/* to front, /victim/* to victim, the rest
 * to target, paths unchanged but for the prefix.
 */
export const BASE_CONFIG = [
  serviceEntry("front", "worker://front-v1"),
  serviceEntry("target", "worker://target-v1"),
  serviceEntry("other", "worker://other-v1"),
  serviceEntry("victim", "worker://impostor", "victim"),
  `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: test-gateway }
spec:
  selector: { istio: ingressgateway }
  servers:
  - port: { number: 8080, name: http, protocol: HTTP }
    hosts: ["*"]
`,
  `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: edge }
spec:
  hosts: ["*"]
  gateways: [test-gateway]
  http:
  - match: [{ uri: { prefix: /front/ } }]
    rewrite: { uri: / }
    route: [{ destination: { host: front } }]
  - match: [{ uri: { prefix: /victim/ } }]
    rewrite: { uri: / }
    route: [{ destination: { host: victim } }]
  - route: [{ destination: { host: target } }]
`,
].join("---\n");
