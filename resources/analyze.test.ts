import { describe, expect, it } from "vitest";
import { analyze, type Finding } from "./analyze.ts";
import { doc } from "./fixtures/documents.ts";
import type { Resource } from "./kinds.ts";
import { validateResource } from "./validate.ts";

const make = (kind: string, name: string, spec: unknown, namespace = "default") => validateResource(doc(kind, spec, { name, namespace }));
const registry = (host: string, namespace = "default") => make("ServiceEntry", host.split(".")[0], { hosts: [host], endpoints: [{ address: "worker://x" }] }, namespace);
const rule = (host: string, subsets: string[], namespace = "default") => make("DestinationRule", host.split(".")[0], { host, subsets: subsets.map((name) => ({ name })) }, namespace);
const routeTo = (name: string, http: unknown[], extra: Record<string, unknown> = {}, namespace = "default") =>
  make("VirtualService", name, { hosts: [name], http, ...extra }, namespace);
const summary = (findings: Finding[]) => findings.map((f) => `${f.code} ${f.severity} ${f.resource.kind}/${f.resource.namespace}/${f.resource.name} ${f.path}`);

const base = [registry("reviews"), rule("reviews", ["v1", "v2", "v3"])];

describe("analyze", () => {
  it("finds nothing in a consistent configuration", () => {
    const vs = routeTo("reviews", [{ route: [{ destination: { host: "reviews", subset: "v1" }, weight: 33.34 }, { destination: { host: "reviews.default.svc.cluster.local", subset: "v2" }, weight: 33.33 }, { destination: { host: "reviews.default", subset: "v3" }, weight: 33.33 }] }]);
    expect(analyze([...base, vs])).toEqual([]);
  });

  it("weights_not_100: weights present but not adding up to 100 (within 0.01)", () => {
    const findings = analyze([
      ...base,
      routeTo("reviews", [
        { route: [{ destination: { host: "reviews", subset: "v1" }, weight: 90 }, { destination: { host: "reviews", subset: "v2" }, weight: 5 }] },
        { route: [{ destination: { host: "reviews", subset: "v1" }, weight: 33.33 }, { destination: { host: "reviews", subset: "v2" }, weight: 33.33 }, { destination: { host: "reviews", subset: "v3" }, weight: 33.33 }] },
        { route: [{ destination: { host: "reviews", subset: "v1" } }, { destination: { host: "reviews", subset: "v2" } }] },
        { route: [{ destination: { host: "reviews", subset: "v1" } }] },
        { route: [{ destination: { host: "reviews", subset: "v1" }, weight: 50 }] },
      ]),
    ]);
    expect(summary(findings)).toEqual([
      "weights_not_100 warning VirtualService/default/reviews spec.http[0].route",
      "weights_not_100 warning VirtualService/default/reviews spec.http[2].route",
      "weights_not_100 warning VirtualService/default/reviews spec.http[4].route",
    ]);
    expect(findings[0].message).toBe("route weights add up to 95, not 100");
  });

  it("subset_not_found: a subset no DestinationRule for the host defines, also for mirrors", () => {
    const findings = analyze([
      ...base,
      registry("ratings"),
      routeTo("reviews", [
        {
          route: [{ destination: { host: "reviews", subset: "v1" }, weight: 50 }, { destination: { host: "reviews", subset: "v9" }, weight: 50 }],
          mirror: { host: "reviews", subset: "shadow" },
        },
        { route: [{ destination: { host: "ratings", subset: "v1" } }], mirrors: [{ destination: { host: "reviews", subset: "v4" } }] },
      ]),
    ]);
    expect(summary(findings)).toEqual([
      "subset_not_found error VirtualService/default/reviews spec.http[0].mirror.subset",
      "subset_not_found error VirtualService/default/reviews spec.http[0].route[1].destination.subset",
      "subset_not_found error VirtualService/default/reviews spec.http[1].mirrors[0].destination.subset",
      "subset_not_found error VirtualService/default/reviews spec.http[1].route[0].destination.subset",
    ]);
    expect(findings[1].message).toBe('no DestinationRule for host "reviews" defines subset "v9"');
  });

  it("subset_not_found: a DestinationRule in another namespace is for another host", () => {
    const findings = analyze([registry("reviews"), rule("reviews", ["v1"], "shop"), routeTo("reviews", [{ route: [{ destination: { host: "reviews", subset: "v1" } }] }])]);
    expect(summary(findings)).toEqual(["subset_not_found error VirtualService/default/reviews spec.http[0].route[0].destination.subset"]);
    const qualified = analyze([registry("reviews"), rule("reviews.default", ["v1"], "shop"), routeTo("reviews", [{ route: [{ destination: { host: "reviews", subset: "v1" } }] }])]);
    expect(qualified).toEqual([]);
  });

  it("host_not_found: a destination host with no ServiceEntry; wildcard entries cover hosts", () => {
    const findings = analyze([
      ...base,
      make("ServiceEntry", "example", { hosts: ["*.example.com"] }),
      routeTo("reviews", [
        { route: [{ destination: { host: "reviewz" } }] },
        { route: [{ destination: { host: "api.example.com" } }], mirror: { host: "ghost.shop" } },
      ]),
    ]);
    expect(summary(findings)).toEqual([
      "host_not_found error VirtualService/default/reviews spec.http[0].route[0].destination.host",
      "host_not_found error VirtualService/default/reviews spec.http[1].mirror.host",
    ]);
    expect(findings[0].message).toBe('no ServiceEntry defines host "reviewz" (reviewz.default.svc.cluster.local)');
  });

  it("host_conflict: two VirtualServices claim one host on the same gateway", () => {
    const gateway = make("Gateway", "edge", { servers: [{ port: { number: 80, protocol: "HTTP" }, hosts: ["*"] }] });
    const to = [{ route: [{ destination: { host: "reviews" } }] }];
    const findings = analyze([
      ...base,
      gateway,
      make("VirtualService", "a-reviews", { hosts: ["reviews"], http: to }),
      make("VirtualService", "b-reviews", { hosts: ["reviews.default.svc.cluster.local"], http: to }),
      make("VirtualService", "c-edge", { hosts: ["reviews"], gateways: ["edge"], http: to }),
      make("VirtualService", "d-edge", { hosts: ["bookinfo.example", "reviews"], gateways: ["default/edge", "mesh"], http: to }),
      make("VirtualService", "e-other-namespace", { hosts: ["reviews"], http: [{ route: [{ destination: { host: "reviews.default" } }] }] }, "shop"),
    ]);
    expect(summary(findings)).toEqual([
      "host_conflict error VirtualService/default/b-reviews spec.hosts[0]",
      "host_conflict error VirtualService/default/d-edge spec.hosts[1]",
    ]);
    expect(findings[0].message).toBe('host "reviews.default.svc.cluster.local" on gateway mesh is already claimed by VirtualService default/a-reviews');
  });

  it("gateway_not_found: gateways named by a VirtualService, its matches, or an HTTPRoute; mesh is implicit", () => {
    const findings = analyze([
      ...base,
      make("Gateway", "edge", { servers: [{ port: { number: 80, protocol: "HTTP" }, hosts: ["*"] }] }, "istio-system"),
      make("VirtualService", "edge-routes", {
        hosts: ["*"],
        gateways: ["mesh", "istio-system/edge", "edge", "missing"],
        http: [{ match: [{ gateways: ["istio-system/edge", "istio-system/gone"] }], route: [{ destination: { host: "reviews" } }] }],
      }),
      make("HTTPRoute", "edge-route", { parentRefs: [{ name: "edge", namespace: "istio-system" }, { name: "edge" }, { kind: "Service", name: "reviews" }] }),
    ]);
    expect(summary(findings)).toEqual([
      "gateway_not_found error HTTPRoute/default/edge-route spec.parentRefs[1].name",
      "gateway_not_found error VirtualService/default/edge-routes spec.gateways[2]",
      "gateway_not_found error VirtualService/default/edge-routes spec.gateways[3]",
      "gateway_not_found error VirtualService/default/edge-routes spec.http[0].match[0].gateways[1]",
    ]);
    expect(findings[1].message).toBe('gateway "edge" does not exist (looked for default/edge)');
  });

  it("gateway_port_unserved: Gateway ports stored before validation refused them, in either API", () => {
    const istio = make("Gateway", "edge", { servers: [{ port: { number: 8080, protocol: "HTTP" }, hosts: ["*"] }, { port: { number: 443, protocol: "HTTPS" }, hosts: ["*"] }] });
    const api = validateResource({ apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", metadata: { name: "api" }, spec: { gatewayClassName: "istio", listeners: [{ name: "http", port: 80, protocol: "HTTP" }] } });
    expect(analyze([istio, api])).toEqual([]);
    const stored = (resource: Resource, port: number) => JSON.parse(JSON.stringify(resource).replace(/"(number|port)":(80|8080)\b/, `"$1":${port}`)) as Resource;
    const findings = analyze([stored(istio, 9080), stored(api, 31400)]);
    expect(summary(findings)).toEqual([
      "gateway_port_unserved error Gateway/default/api spec.listeners[0].port",
      "gateway_port_unserved error Gateway/default/edge spec.servers[0].port.number",
    ]);
    expect(findings[1].message).toBe("port 9080 is never served: the gateway Worker listens for HTTP on 80/8080 and HTTPS on 443/8443");
  });

  it("gateway_credential and gateway_mutual_tls: where a TLS credential must live, what MUTUAL needs at the edge", () => {
    const istio = make("Gateway", "mygateway", {
      servers: [
        { port: { number: 443, protocol: "HTTPS" }, hosts: ["httpbin.example.com"], tls: { mode: "MUTUAL", credentialName: "httpbin-credential" } },
        { port: { number: 8443, protocol: "HTTPS" }, hosts: ["bookinfo.example.com"], tls: { mode: "SIMPLE" } },
      ],
    });
    const api = validateResource({
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      metadata: { name: "api" },
      spec: { gatewayClassName: "istio", listeners: [{ name: "https", port: 443, protocol: "HTTPS", tls: { mode: "Terminate", certificateRefs: [{ name: "api-cert" }] } }] },
    });
    const findings = analyze([istio, api]);
    expect(summary(findings)).toEqual([
      "gateway_credential warning Gateway/default/api spec.listeners[0].tls.certificateRefs[0].name",
      "gateway_credential warning Gateway/default/mygateway spec.servers[0].tls.credentialName",
      "gateway_mutual_tls warning Gateway/default/mygateway spec.servers[0].tls.mode",
    ]);
    expect(findings[1].message).toMatch(/^credential "httpbin-credential" is not in the configuration: on Cloudflare upload it as a custom certificate .*"isthmus credential set httpbin-credential --cert FILE --key FILE/);
    expect(findings[2].message).toMatch(/^MUTUAL needs API Shield mTLS on Cloudflare: .*the credential's ca.crt/);
  });

  it("reports nothing for patterns that would backtrack in JavaScript: RE2 matches them in linear time", () => {
    const findings = analyze([
      ...base,
      routeTo("reviews", [
        {
          match: [{ uri: { regex: "/(a+)+" }, headers: { "x-id": { regex: "([0-9]|[0-5])*" } } }],
          route: [{ destination: { host: "reviews" } }],
          corsPolicy: { allowOrigins: [{ regex: "https://(\\w+\\.?)*example\\.com" }] },
          rewrite: { uriRegexRewrite: { match: "^/(.*a)*", rewrite: "/\\1" } },
        },
      ]),
    ]);
    expect(summary(findings)).toEqual([]);
  });

  it("regex_invalid in every regex a stored resource holds (validation refuses them; one stored earlier may hold them)", () => {
    const route = structuredClone(make("HTTPRoute", "r", { rules: [{ matches: [{ path: { type: "PathPrefix", value: "/" } }] }] })) as Resource;
    if (route.kind === "HTTPRoute") {
      route.spec.rules![0].matches![0] = {
        path: { type: "RegularExpression", value: "/(x" },
        headers: [{ type: "RegularExpression", name: "h", value: "(a)\\1" }],
        queryParams: [{ type: "RegularExpression", name: "q", value: "[[:nope:]]" }],
      };
    }
    const stored = structuredClone(routeTo("reviews", [{ match: [{ uri: { regex: "/x" } }], route: [{ destination: { host: "reviews" } }] }])) as Resource;
    if (stored.kind === "VirtualService") {
      const http = stored.spec.http![0];
      http.match![0] = { uri: { regex: "(?<=x)y" }, authority: { regex: "\\pX" }, queryParams: { q: { regex: "a(?=b)" } } };
      http.corsPolicy = { allowOrigins: [{ regex: "https://[a-" }] };
      http.rewrite = { uriRegexRewrite: { match: "^/(a)", rewrite: "/\\2" } };
    }
    const findings = analyze([...base, route, stored]);
    expect(summary(findings)).toEqual([
      "regex_invalid error HTTPRoute/default/r spec.rules[0].matches[0].headers[0].value",
      "regex_invalid error HTTPRoute/default/r spec.rules[0].matches[0].path.value",
      "regex_invalid error HTTPRoute/default/r spec.rules[0].matches[0].queryParams[0].value",
      "regex_invalid error VirtualService/default/reviews spec.http[0].corsPolicy.allowOrigins[0].regex",
      "regex_invalid error VirtualService/default/reviews spec.http[0].match[0].authority.regex",
      "regex_invalid error VirtualService/default/reviews spec.http[0].match[0].queryParams.q.regex",
      "regex_invalid error VirtualService/default/reviews spec.http[0].match[0].uri.regex",
      "regex_invalid error VirtualService/default/reviews spec.http[0].rewrite.uriRegexRewrite.rewrite",
    ]);
    const message = (path: string) => findings.find((f) => f.path === path)?.message;
    expect(message("spec.http[0].match[0].uri.regex")).toMatch(/lookbehind is not supported/);
    expect(message("spec.rules[0].matches[0].headers[0].value")).toMatch(/backreferences are not supported/);
    expect(message("spec.http[0].rewrite.uriRegexRewrite.rewrite")).toMatch(/\\2 refers to group 2, but the regex has 1 group/);
  });

  it("gives the same findings with a memo carried across calls, which remembers each pattern's verdict", () => {
    const stored = structuredClone(routeTo("reviews", [{ match: [{ uri: { regex: "/x" } }, { uri: { regex: "/ok/[0-9]+" } }], route: [{ destination: { host: "reviews" } }] }])) as Resource;
    if (stored.kind === "VirtualService") stored.spec.http![0].match![0] = { uri: { regex: "(?<=x)y" } };
    const memo = { regexErrors: new Map<string, string | null>() };
    const first = analyze([...base, stored], memo);
    expect(memo.regexErrors.get("/ok/[0-9]+")).toBeNull();
    expect(memo.regexErrors.get("(?<=x)y")).toMatch(/lookbehind is not supported/);
    expect(analyze([...base, stored], memo)).toEqual(first);
    expect(first).toEqual(analyze([...base, stored]));
    expect(summary(first)).toContain("regex_invalid error VirtualService/default/reviews spec.http[0].match[0].uri.regex");
  });

  it("host_not_found for HTTPRoute backends, read as Kubernetes services", () => {
    const route = make("HTTPRoute", "r", { rules: [{ backendRefs: [{ name: "reviews" }, { name: "reviews", namespace: "shop" } ] }] });
    expect(summary(analyze([...base, route]))).toEqual(["host_not_found error HTTPRoute/default/r spec.rules[0].backendRefs[1].name"]);
  });
});
