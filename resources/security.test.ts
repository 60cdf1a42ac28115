import { describe, expect, it } from "vitest";
import { doc, problemLines } from "./fixtures/documents.ts";

const pa = (spec: unknown) => problemLines(doc("PeerAuthentication", spec));
const ap = (spec: unknown) => problemLines(doc("AuthorizationPolicy", spec));
const rule = (r: unknown) => ap({ action: "ALLOW", rules: [r] });
const ra = (jwtRule: Record<string, unknown>) => problemLines(doc("RequestAuthentication", { jwtRules: [{ issuer: "https://issuer.example", ...jwtRule }] }));

describe("PeerAuthentication", () => {
  it("accepts every mode, a selector and per-port modes", () => {
    for (const mode of ["STRICT", "PERMISSIVE", "DISABLE", "UNSET"]) expect(pa({ mtls: { mode } })).toEqual([]);
    expect(pa({ selector: { matchLabels: { app: "ratings" } }, mtls: { mode: "STRICT" }, portLevelMtls: { 9080: { mode: "PERMISSIVE" } } })).toEqual([]);
  });

  it("refuses unknown modes, bad port keys and unknown fields", () => {
    expect(pa({ mtls: { mode: "OPTIONAL" } })[0]).toMatch(/^spec.mtls.mode: Invalid option/);
    expect(pa({ portLevelMtls: { http: { mode: "STRICT" } } })[0]).toMatch(/^spec.portLevelMtls.http: port keys must be port numbers/);
    expect(pa({ selector: { app: "x" } })).toEqual(['spec.selector.app: unknown field "app"']);
  });
});

describe("AuthorizationPolicy", () => {
  it("accepts every source, operation and condition field", () => {
    const source = Object.fromEntries(
      ["principals", "notPrincipals", "requestPrincipals", "notRequestPrincipals", "namespaces", "notNamespaces", "serviceAccounts", "notServiceAccounts",
        "ipBlocks", "notIpBlocks", "remoteIpBlocks", "notRemoteIpBlocks", "trustDomains", "notTrustDomains"].map((k) => [k, k.endsWith("pBlocks") ? ["10.0.0.0/8", "2001:db8::1"] : ["x"]]),
    );
    const operation = { hosts: ["a"], notHosts: ["b"], ports: ["80"], notPorts: ["443"], methods: ["GET"], notMethods: ["DELETE"], paths: ["/api/*", "*.css", "*", "/exact", "/files/{**}"], notPaths: ["/admin"] };
    const when = [
      { key: "request.headers[x-user]", values: ["a"] },
      { key: "request.auth.claims[iss]", notValues: ["b"] },
      { key: "request.auth.claims[nested][key]", values: ["c"] },
      { key: "source.principal", values: ["d"] },
      { key: "source.ip", values: ["10.0.0.0/8"] },
      { key: "remote.ip", values: ["1.2.3.4"] },
      { key: "destination.port", values: ["9080"] },
    ];
    expect(rule({ from: [{ source }], to: [{ operation }], when })).toEqual([]);
    for (const action of ["ALLOW", "DENY", "AUDIT"]) expect(ap({ action })).toEqual([]);
    expect(ap({})).toEqual([]);
  });

  it("refuses CUSTOM, providers and target references", () => {
    expect(ap({ action: "CUSTOM" })).toEqual(["spec.action: action CUSTOM (external authorizers) is not supported"]);
    expect(ap({ action: "CUSTOM", provider: { name: "ext" } })).toContain(
      'spec.provider: unsupported field "provider": external authorizers (action CUSTOM) are not supported',
    );
    expect(ap({ targetRef: { kind: "Gateway", name: "g" } })[0]).toMatch(/^spec.targetRef: unsupported field "targetRef"/);
    expect(ap({ targetRefs: [] })[0]).toMatch(/^spec.targetRefs: unsupported field "targetRefs"/);
    expect(ap({ action: "PERMIT" })[0]).toMatch(/^spec.action: Invalid option/);
  });

  it("checks paths, ports and condition keys", () => {
    expect(rule({ to: [{ operation: { paths: ["/a*b"] } }] })).toEqual([
      "spec.rules[0].to[0].operation.paths[0]: a path may use * only as a whole, as a prefix (*suffix) or as a suffix (prefix*)",
    ]);
    expect(rule({ to: [{ operation: { ports: ["http"] } }] })).toEqual(["spec.rules[0].to[0].operation.ports[0]: must be a port number 1..65535"]);
    expect(rule({ to: [{ operation: { notPorts: ["70000"] } }] })).toEqual(["spec.rules[0].to[0].operation.notPorts[0]: must be a port number 1..65535"]);
    expect(rule({ when: [{ key: "request.body", values: ["x"] }] })[0]).toMatch(/^spec.rules\[0\].when\[0\].key: must be a condition key/);
    expect(rule({ when: [{ key: "source.ip" }] })).toEqual(["spec.rules[0].when[0]: must set values or notValues"]);
    for (const key of ["destination.ip", "connection.sni", "experimental.envoy.filters.network.mysql_proxy[db.table]"]) {
      expect(rule({ when: [{ key, values: ["x"] }] })[0]).toMatch(/^spec.rules\[0\].when\[0\].key: unsupported condition key/);
    }
    expect(rule({ from: [{ source: { users: ["x"] } }] })).toEqual(['spec.rules[0].from[0].source.users: unknown field "users"']);
    expect(rule({ to: [{ operation: { methods: "GET" } }] })[0]).toMatch(/^spec.rules\[0\].to\[0\].operation.methods: Invalid input: expected array/);
  });
});

describe("RequestAuthentication", () => {
  it("accepts every JWT rule field", () => {
    expect(
      ra({
        audiences: ["bookinfo"],
        jwksUri: "https://issuer.example/jwks.json",
        fromHeaders: [{ name: "x-jwt", prefix: "Bearer " }],
        fromParams: ["token"],
        outputPayloadToHeader: "x-jwt-payload",
        forwardOriginalToken: true,
        outputClaimToHeaders: [{ header: "x-sub", claim: "sub" }],
      }),
    ).toEqual([]);
    expect(ra({ jwks: JSON.stringify({ keys: [{ kty: "EC", crv: "P-256", x: "A".repeat(43), y: "B".repeat(43) }] }) })).toEqual([]);
    expect(problemLines(doc("RequestAuthentication", { selector: { matchLabels: { istio: "ingressgateway" } } }))).toEqual([]);
  });

  it("checks issuers, JWKS and header mappings", () => {
    expect(problemLines(doc("RequestAuthentication", { jwtRules: [{ audiences: ["a"] }] }))).toEqual(["spec.jwtRules[0].issuer: is required"]);
    expect(ra({ jwksUri: "ftp://issuer.example/jwks" })).toEqual(["spec.jwtRules[0].jwksUri: must be an http(s) URL"]);
    expect(ra({ jwksUri: "not a url" })).toEqual(["spec.jwtRules[0].jwksUri: must be an http(s) URL"]);
    expect(ra({ jwks: "{" })).toEqual(["spec.jwtRules[0].jwks: must be a JSON Web Key Set: a JSON object with a keys array"]);
    expect(ra({ fromHeaders: [{ prefix: "Bearer " }] })).toEqual(["spec.jwtRules[0].fromHeaders[0].name: is required"]);
    expect(ra({ outputClaimToHeaders: [{ header: "x-sub" }] })).toEqual(["spec.jwtRules[0].outputClaimToHeaders[0].claim: is required"]);
    expect(ra({ timeout: "5s", fromCookies: ["session"] })).toEqual([]);
    expect(ra({ timeout: "5" })[0]).toMatch(/^spec.jwtRules\[0\].timeout: must be a duration/);
    expect(ra({ fromCookies: [""] })[0]).toMatch(/^spec.jwtRules\[0\].fromCookies\[0\]: /);
    expect(problemLines(doc("RequestAuthentication", { targetRef: { kind: "Gateway", name: "g" } }))[0]).toMatch(/unsupported field "targetRef"/);
    expect(ra({ spaceDelimitedClaims: ["scope"] })[0]).toMatch(/^spec.jwtRules\[0\].spaceDelimitedClaims: unsupported field/);
  });
});
