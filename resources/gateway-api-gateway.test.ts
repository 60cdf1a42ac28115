import { describe, expect, it } from "vitest";
import { problemLines } from "./fixtures/documents.ts";
import { validateResource } from "./validate.ts";

const gateway = (spec: Record<string, unknown>, apiVersion = "gateway.networking.k8s.io/v1") => ({
  apiVersion,
  kind: "Gateway",
  metadata: { name: "bookinfo-gateway" },
  spec: { gatewayClassName: "istio", ...spec },
});
const listener = (extra: Record<string, unknown> = {}) => ({ name: "http", port: 80, protocol: "HTTP", ...extra });
const lines = (listeners: unknown[], spec: Record<string, unknown> = {}) => problemLines(gateway({ listeners, ...spec }));

describe("Gateway (Gateway API)", () => {
  it("accepts Istio's bookinfo gateway in v1 and v1beta1", () => {
    const bookinfo = { listeners: [listener({ allowedRoutes: { namespaces: { from: "Same" } } })] };
    for (const version of ["v1", "v1beta1"]) {
      expect(validateResource(gateway(bookinfo, `gateway.networking.k8s.io/${version}`))).toMatchObject({ kind: "Gateway", metadata: { namespace: "default" } });
    }
    expect(problemLines(gateway(bookinfo, "gateway.networking.k8s.io/v1alpha2"))[0]).toMatch(/^apiVersion: unsupported apiVersion "gateway.networking.k8s.io\/v1alpha2" for Gateway: expected one of networking.istio.io\/v1, .*gateway.networking.k8s.io\/v1beta1$/);
  });

  it("accepts listeners by port, hostname and allowed namespaces", () => {
    expect(
      lines([
        listener({ hostname: "bookinfo.example.com", allowedRoutes: { namespaces: { from: "All" }, kinds: [{ kind: "HTTPRoute" }] } }),
        listener({ name: "alt", port: 8080, hostname: "*.example.com" }),
        listener({ name: "https", port: 443, protocol: "HTTPS", tls: { mode: "Terminate" } }),
        listener({ name: "sel", port: 8443, protocol: "HTTPS", allowedRoutes: { namespaces: { from: "Selector", selector: { matchLabels: { "kubernetes.io/metadata.name": "shop" } } } } }),
      ]),
    ).toEqual([]);
  });

  it("refuses a port the gateway Worker does not listen on, and a protocol on the other listener's port", () => {
    expect(lines([listener({ port: 9080 })])).toEqual(["spec.listeners[0].port: the gateway Worker listens for HTTP on 80/8080 and HTTPS on 443/8443"]);
    expect(lines([listener({ port: 443 })])).toEqual(["spec.listeners[0].port: HTTP on port 443: the gateway Worker listens for HTTP on 80/8080 and HTTPS on 443/8443"]);
    expect(lines([listener({ protocol: "HTTPS" })])).toEqual(["spec.listeners[0].port: HTTPS on port 80: the gateway Worker listens for HTTP on 80/8080 and HTTPS on 443/8443"]);
    expect(lines([listener({ protocol: "TCP" })])).toEqual(["spec.listeners[0].protocol: must be HTTP or HTTPS: the gateway Worker serves HTTP"]);
    expect(lines([{ name: "http", port: 80 }])).toEqual(["spec.listeners[0].protocol: is required"]);
  });

  it("terminates TLS with one Secret by name", () => {
    const https = (tls: unknown) => lines([listener({ name: "https", port: 443, protocol: "HTTPS", tls })]);
    expect(https({ mode: "Terminate", certificateRefs: [{ name: "bookinfo-cert" }] })).toEqual([]);
    expect(https({ mode: "Terminate", certificateRefs: [{ group: "", kind: "Secret", name: "bookinfo-cert" }] })).toEqual([]);
    expect(https({ certificateRefs: [{ name: "a" }, { name: "b" }] })).toEqual(["spec.listeners[0].tls.certificateRefs: the gateway serves one certificate per listener"]);
    expect(https({ certificateRefs: [{ kind: "ConfigMap", name: "a" }] })).toEqual(["spec.listeners[0].tls.certificateRefs[0].kind: must be Secret"]);
    expect(https({ certificateRefs: [{ name: "Bad_Name" }] })[0]).toMatch(/^spec.listeners\[0\].tls.certificateRefs\[0\].name: must be a lower-case DNS name/);
    expect(https({ certificateRefs: [{ name: "a", namespace: "istio-system" }] })[0]).toMatch(/^spec.listeners\[0\].tls.certificateRefs\[0\].namespace: unsupported field "namespace"/);
  });

  it("refuses what it cannot honour, by name", () => {
    expect(lines([listener({ name: "tls", port: 443, protocol: "HTTPS", tls: { mode: "Passthrough" } })])[0]).toMatch(/^spec.listeners\[0\].tls.mode: must be Terminate: the gateway terminates TLS/);
    expect(lines([listener({ name: "m", port: 443, protocol: "HTTPS", tls: { frontendValidation: {} } })])[0]).toMatch(/tls.frontendValidation: unsupported field "frontendValidation": require client certificates with an Istio Gateway server's tls.mode MUTUAL/);
    expect(lines([listener({ tls: { mode: "Terminate" } })])).toEqual(["spec.listeners[0].tls: is only allowed on HTTPS listeners"]);
    expect(lines([listener()], { addresses: [{ value: "10.0.0.1" }] })[0]).toMatch(/^spec.addresses: unsupported field "addresses"/);
    expect(lines([listener()], { infrastructure: { labels: { a: "b" } } })[0]).toMatch(/^spec.infrastructure: unsupported field "infrastructure"/);
    expect(problemLines(gateway({ gatewayClassName: "nginx", listeners: [listener()] }))).toEqual(['spec.gatewayClassName: must be "istio": the gateway Worker implements Istio\'s GatewayClass']);
    expect(lines([listener({ allowedRoutes: { kinds: [{ kind: "GRPCRoute" }] } })])).toEqual(["spec.listeners[0].allowedRoutes.kinds[0].kind: the gateway Worker serves HTTPRoutes only"]);
  });

  it("reads namespace selectors by kubernetes.io/metadata.name only", () => {
    const selecting = (selector: unknown) => lines([listener({ allowedRoutes: { namespaces: { from: "Selector", selector } } })]);
    expect(selecting({ matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["a", "b"] }] })).toEqual([]);
    expect(selecting({ matchLabels: { team: "shop" } })[0]).toMatch(/^spec.listeners\[0\].allowedRoutes.namespaces.selector.matchLabels: namespaces carry no labels in the mesh/);
    expect(selecting({ matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["a"] }] })[0]).toMatch(/operator: namespaces carry no labels/);
    expect(selecting({ matchLabels: { "kubernetes.io/metadata.name": "a" }, matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["b"] }] })).toEqual([
      "spec.listeners[0].allowedRoutes.namespaces.selector: selects no namespace: its terms name none in common",
    ]);
    expect(lines([listener({ allowedRoutes: { namespaces: { from: "Selector" } } })])).toEqual(["spec.listeners[0].allowedRoutes.namespaces.selector: is required with from: Selector"]);
    expect(lines([listener({ allowedRoutes: { namespaces: { from: "None" } } })])).toEqual(["spec.listeners[0].allowedRoutes.namespaces.from: must be All, Same or Selector"]);
  });

  it("needs listeners with distinct names and DNS hostnames", () => {
    expect(lines([])).toEqual(["spec.listeners: must have at least one listener"]);
    expect(lines([listener(), listener({ port: 8080 })])).toEqual(['spec.listeners[1].name: listener name "http" is used twice']);
    expect(lines([listener({ hostname: "Bookinfo.example" })])[0]).toMatch(/^spec.listeners\[0\].hostname: must be a lower-case DNS name/);
    expect(lines([listener({ hostname: "10.0.0.1" })])).toEqual(["spec.listeners[0].hostname: must be a DNS name, not an IP address"]);
    expect(lines([listener({ hostname: "*" })])[0]).toMatch(/^spec.listeners\[0\].hostname: /);
  });
});
