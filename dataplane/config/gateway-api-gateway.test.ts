import { describe, expect, it } from "vitest";
import { meshOf } from "../security/test-snapshot.ts";

const GATEWAY_API = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: edge, namespace: istio-system }
spec:
  gatewayClassName: istio
  listeners:
  - name: http
    port: 80
    protocol: HTTP
  - name: shop
    port: 8080
    protocol: HTTP
    hostname: "*.shop.example"
    allowedRoutes: { namespaces: { from: All } }
  - name: teams
    port: 443
    protocol: HTTPS
    hostname: teams.example
    allowedRoutes:
      namespaces:
        from: Selector
        selector:
          matchLabels: { kubernetes.io/metadata.name: a }
          matchExpressions: [{ key: kubernetes.io/metadata.name, operator: In, values: [a, b] }]
`;
const EVERYONE = `  - name: everyone
    port: 8443
    protocol: HTTPS
    allowedRoutes: { namespaces: { from: Selector, selector: {} } }
`;

describe("a Gateway API Gateway in the compiled mesh", () => {
  it("becomes servers by listener, their hosts the admitted namespaces and hostname, served by the gateway Worker", () => {
    const gateways = meshOf(GATEWAY_API + EVERYONE).gatewaysSelecting({ istio: "ingressgateway" });
    expect(gateways).toEqual([
      {
        key: "istio-system/edge",
        spec: {
          servers: [
            { name: "http", port: { number: 80, protocol: "HTTP", name: "http" }, hosts: ["./*"] },
            { name: "shop", port: { number: 8080, protocol: "HTTP", name: "shop" }, hosts: ["*/*.shop.example"] },
            { name: "teams", port: { number: 443, protocol: "HTTPS", name: "teams" }, hosts: ["a/teams.example"] },
            { name: "everyone", port: { number: 8443, protocol: "HTTPS", name: "everyone" }, hosts: ["*/*"] },
          ],
        },
      },
    ]);
  });

  // A route binds to the Gateway as a whole (as a VirtualService to an Istio Gateway): here no listener admits every namespace.
  it("binds HTTPRoutes by parentRef as its allowedRoutes admit them", () => {
    const route = (namespace: string, hostnames: string[]) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: r, namespace: ${namespace} }
spec:
  parentRefs: [{ name: edge, namespace: istio-system }]
  hostnames: ${JSON.stringify(hostnames)}
  rules: [{ backendRefs: [{ name: productpage, namespace: ${namespace} }] }]
`;
    const matched = (yaml: string, host: string) => meshOf(GATEWAY_API + yaml).routeTable(["istio-system/edge"]).lookup(host, "istio-system") !== undefined;
    // Same (the default): only routes of the Gateway's namespace bind to listener "http".
    expect(matched(route("istio-system", ["any.example"]), "any.example")).toBe(true);
    expect(matched(route("default", ["any.example"]), "any.example")).toBe(false);
    // All, within the listener's hostname.
    expect(matched(route("default", ["www.shop.example"]), "www.shop.example")).toBe(true);
    expect(matched(route("default", ["www.other.example"]), "www.other.example")).toBe(false);
    // Selector: namespace a, not b (matchLabels and matchExpressions both hold).
    expect(matched(route("a", ["teams.example"]), "teams.example")).toBe(true);
    expect(matched(route("b", ["teams.example"]), "teams.example")).toBe(false);
  });

  it("terminates TLS as Istio's SIMPLE, with the certificateRef as credentialName", () => {
    const tls = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: tls, namespace: istio-system }
spec:
  gatewayClassName: istio
  listeners:
  - { name: named, port: 443, protocol: HTTPS, hostname: httpbin.example.com, tls: { mode: Terminate, certificateRefs: [{ kind: Secret, name: httpbin-credential }] } }
  - { name: mesh-ca, port: 8443, protocol: HTTPS, tls: { mode: Terminate } }
`;
    const [gateway] = meshOf(tls).gatewaysSelecting({ istio: "ingressgateway" });
    expect(gateway!.spec.servers.map((s) => s.tls)).toEqual([{ mode: "SIMPLE", credentialName: "httpbin-credential" }, { mode: "SIMPLE" }]);
  });
});
