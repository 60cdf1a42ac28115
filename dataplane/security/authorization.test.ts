// Cases derived from Istio's authorization semantics (pilot/pkg/security/authz builder
// testdata and the AuthorizationPolicy reference): empty vs nil rules, DENY before ALLOW,
// the value forms, conditions, scope, dry run.
import { describe, expect, it } from "vitest";
import { authorize, compilePolicy, type AuthorizationRequest } from "./authorization.ts";
import { meshOf } from "./test-snapshot.ts";

const HTTPBIN = { namespace: "foo", labels: { app: "httpbin", version: "v1" } };
const SLEEP = "spiffe://cluster.local/ns/foo/sa/sleep";

function request(over: Partial<AuthorizationRequest> = {}): AuthorizationRequest {
  return { method: "GET", path: "/", host: "httpbin.foo", port: 8000, headers: new Headers(), principal: SLEEP, ...over };
}

function policy(name: string, spec: string, meta = ""): string {
  return `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: ${name}\n  namespace: foo\n${meta}spec:\n${spec}\n---\n`;
}

const selector = "  selector:\n    matchLabels: { app: httpbin, version: v1 }\n";

describe("authorization: empty and missing rules (Istio's allow-empty-rule, allow-nil-rule, deny-empty-rule)", () => {
  it("ALLOW with rules [{}] allows everything, even without identity", () => {
    const mesh = meshOf(policy("allow-all", `${selector}  rules:\n  - {}`));
    expect(authorize(mesh, HTTPBIN, request({ principal: undefined })).allowed).toBe(true);
  });
  it("ALLOW without rules denies everything", () => {
    const mesh = meshOf(policy("allow-none", selector));
    const d = authorize(mesh, HTTPBIN, request());
    expect(d).toMatchObject({ allowed: false, reason: "no_allow_policy_matched" });
  });
  it("DENY with rules [{}] denies everything, naming the policy", () => {
    const mesh = meshOf(policy("deny-all", `${selector}  action: DENY\n  rules:\n  - {}`));
    expect(authorize(mesh, HTTPBIN, request())).toMatchObject({ allowed: false, reason: "denied_by_policy", policy: "foo/deny-all" });
  });
  it("DENY without rules denies nothing", () => {
    const mesh = meshOf(policy("deny-none", `${selector}  action: DENY`));
    expect(authorize(mesh, HTTPBIN, request()).allowed).toBe(true);
  });
  it("no policy at all allows", () => {
    expect(authorize(meshOf(""), HTTPBIN, request()).allowed).toBe(true);
  });
});

describe("authorization: evaluation order (deny-and-allow)", () => {
  const mesh = meshOf(
    policy("deny-admin", `${selector}  action: DENY\n  rules:\n  - to: [{ operation: { paths: ["/admin*"] } }]`) +
      policy("allow-sleep", `${selector}  rules:\n  - from: [{ source: { principals: ["cluster.local/ns/foo/sa/sleep"] } }]`),
  );
  it("DENY wins over a matching ALLOW", () => {
    expect(authorize(mesh, HTTPBIN, request({ path: "/admin/x" }))).toMatchObject({ allowed: false, policy: "foo/deny-admin" });
  });
  it("a request matching an ALLOW is allowed", () => {
    expect(authorize(mesh, HTTPBIN, request({ path: "/ip" })).allowed).toBe(true);
  });
  it("with an ALLOW policy present, a request matching none is denied", () => {
    expect(authorize(mesh, HTTPBIN, request({ principal: "spiffe://cluster.local/ns/foo/sa/other" }))).toMatchObject({ allowed: false, reason: "no_allow_policy_matched" });
  });
  it("AUDIT only records", () => {
    const audited = meshOf(policy("audit-all", `${selector}  action: AUDIT\n  rules:\n  - {}`));
    expect(authorize(audited, HTTPBIN, request())).toMatchObject({ allowed: true, audited: ["foo/audit-all"] });
  });
});

describe("authorization: source fields", () => {
  const allow = (source: string) => meshOf(policy("p", `${selector}  rules:\n  - from: [{ source: ${source} }]`));
  it("principals: exact (without spiffe://), prefix*, *suffix, * (any authenticated)", () => {
    expect(authorize(allow(`{ principals: ["cluster.local/ns/foo/sa/sleep"] }`), HTTPBIN, request()).allowed).toBe(true);
    expect(authorize(allow(`{ principals: ["cluster.local/ns/foo/*"] }`), HTTPBIN, request()).allowed).toBe(true);
    expect(authorize(allow(`{ principals: ["*/sa/sleep"] }`), HTTPBIN, request()).allowed).toBe(true);
    expect(authorize(allow(`{ principals: ["*/sa/other"] }`), HTTPBIN, request()).allowed).toBe(false);
    expect(authorize(allow(`{ principals: ["*"] }`), HTTPBIN, request()).allowed).toBe(true);
    expect(authorize(allow(`{ principals: ["*"] }`), HTTPBIN, request({ principal: undefined })).allowed).toBe(false);
  });
  it("notPrincipals excludes, and matches a request without identity", () => {
    expect(authorize(allow(`{ notPrincipals: ["cluster.local/ns/foo/sa/sleep"] }`), HTTPBIN, request()).allowed).toBe(false);
    expect(authorize(allow(`{ notPrincipals: ["cluster.local/ns/foo/sa/sleep"] }`), HTTPBIN, request({ principal: undefined })).allowed).toBe(true);
  });
  it("namespaces and notNamespaces come from the verified principal, with * globs", () => {
    expect(authorize(allow(`{ namespaces: ["foo"] }`), HTTPBIN, request()).allowed).toBe(true);
    expect(authorize(allow(`{ namespaces: ["f*"] }`), HTTPBIN, request()).allowed).toBe(true);
    expect(authorize(allow(`{ namespaces: ["bar"] }`), HTTPBIN, request()).allowed).toBe(false);
    expect(authorize(allow(`{ namespaces: ["foo"] }`), HTTPBIN, request({ principal: undefined })).allowed).toBe(false);
    expect(authorize(allow(`{ notNamespaces: ["foo"] }`), HTTPBIN, request()).allowed).toBe(false);
  });
  it("serviceAccounts: ns/sa and sa (in the policy's namespace)", () => {
    expect(authorize(allow(`{ serviceAccounts: ["foo/sleep"] }`), HTTPBIN, request()).allowed).toBe(true);
    expect(authorize(allow(`{ serviceAccounts: ["sleep"] }`), HTTPBIN, request()).allowed).toBe(true);
    expect(authorize(allow(`{ serviceAccounts: ["bar/sleep"] }`), HTTPBIN, request()).allowed).toBe(false);
  });
  it("requestPrincipals: iss/sub with the issuer a URL, and Istio's * forms", () => {
    const user = request({ requestPrincipal: "https://idp.example.com/alice" });
    expect(authorize(allow(`{ requestPrincipals: ["https://idp.example.com/alice"] }`), HTTPBIN, user).allowed).toBe(true);
    expect(authorize(allow(`{ requestPrincipals: ["https://idp.example.com/*"] }`), HTTPBIN, user).allowed).toBe(true);
    expect(authorize(allow(`{ requestPrincipals: ["*/alice"] }`), HTTPBIN, user).allowed).toBe(true);
    expect(authorize(allow(`{ requestPrincipals: ["*"] }`), HTTPBIN, user).allowed).toBe(true);
    expect(authorize(allow(`{ requestPrincipals: ["*"] }`), HTTPBIN, request()).allowed).toBe(false);
    expect(authorize(allow(`{ requestPrincipals: ["https://other.example.com/*"] }`), HTTPBIN, user).allowed).toBe(false);
  });
  it("fields of one source are ANDed, sources are ORed", () => {
    const and = allow(`{ principals: ["*"], namespaces: ["bar"] }`);
    expect(authorize(and, HTTPBIN, request()).allowed).toBe(false);
    const or = meshOf(policy("p", `${selector}  rules:\n  - from: [{ source: { namespaces: ["bar"] } }, { source: { namespaces: ["foo"] } }]`));
    expect(authorize(or, HTTPBIN, request()).allowed).toBe(true);
  });
  it("remoteIpBlocks: CIDR for IPv4 and IPv6", () => {
    const m = allow(`{ remoteIpBlocks: ["10.1.0.0/16", "2001:db8::/32"] }`);
    expect(authorize(m, HTTPBIN, request({ remoteIp: "10.1.2.3" })).allowed).toBe(true);
    expect(authorize(m, HTTPBIN, request({ remoteIp: "10.2.0.1" })).allowed).toBe(false);
    expect(authorize(m, HTTPBIN, request({ remoteIp: "2001:db8:1::5" })).allowed).toBe(true);
    expect(authorize(m, HTTPBIN, request({ remoteIp: undefined })).allowed).toBe(false);
  });
});

describe("authorization: operation fields", () => {
  const allow = (operation: string) => meshOf(policy("p", `${selector}  rules:\n  - to: [{ operation: ${operation} }]`));
  it("paths: exact, prefix*, *suffix, *, and templates {*} / {**}", () => {
    const m = allow(`{ paths: ["/exact", "/prefix/*", "*/suffix", "/item/{*}/detail", "/{**}/tail"] }`);
    for (const path of ["/exact", "/prefix/a/b", "/a/suffix", "/item/7/detail", "/a/b/c/tail"]) expect(authorize(m, HTTPBIN, request({ path })).allowed, path).toBe(true);
    for (const path of ["/exact/", "/prefix", "/suffix/x", "/item/7/8/detail", "/tail"]) expect(authorize(m, HTTPBIN, request({ path })).allowed, path).toBe(false);
    expect(authorize(allow(`{ paths: ["*"] }`), HTTPBIN, request({ path: "/anything" })).allowed).toBe(true);
  });
  it("methods and notMethods", () => {
    expect(authorize(allow(`{ methods: ["GET", "HEAD"] }`), HTTPBIN, request()).allowed).toBe(true);
    expect(authorize(allow(`{ methods: ["POST"] }`), HTTPBIN, request()).allowed).toBe(false);
    expect(authorize(allow(`{ notMethods: ["GET"] }`), HTTPBIN, request()).allowed).toBe(false);
  });
  it("hosts are case-insensitive, with or without the port", () => {
    expect(authorize(allow(`{ hosts: ["HTTPBIN.foo"] }`), HTTPBIN, request()).allowed).toBe(true);
    expect(authorize(allow(`{ hosts: ["httpbin.foo:8000"] }`), HTTPBIN, request()).allowed).toBe(true);
    expect(authorize(allow(`{ hosts: ["*.bar"] }`), HTTPBIN, request()).allowed).toBe(false);
  });
  it("ports", () => {
    expect(authorize(allow(`{ ports: ["8000"] }`), HTTPBIN, request()).allowed).toBe(true);
    expect(authorize(allow(`{ notPorts: ["8000"] }`), HTTPBIN, request()).allowed).toBe(false);
  });
});

describe("authorization: conditions", () => {
  const allow = (when: string) => meshOf(policy("p", `${selector}  rules:\n  - when: [${when}]`));
  it("request.headers[...] with values and notValues", () => {
    const m = allow(`{ key: "request.headers[x-user]", values: ["admin-*"], notValues: ["admin-bob"] }`);
    expect(authorize(m, HTTPBIN, request({ headers: new Headers({ "x-user": "admin-alice" }) })).allowed).toBe(true);
    expect(authorize(m, HTTPBIN, request({ headers: new Headers({ "x-user": "admin-bob" }) })).allowed).toBe(false);
    expect(authorize(m, HTTPBIN, request()).allowed).toBe(false);
  });
  it("request.auth.claims[...], nested, and list claims (any element)", () => {
    const claims = { iss: "https://idp", groups: ["dev", "ops"], nested: { level: "gold" } };
    expect(authorize(allow(`{ key: "request.auth.claims[groups]", values: ["ops"] }`), HTTPBIN, request({ claims })).allowed).toBe(true);
    expect(authorize(allow(`{ key: "request.auth.claims[nested][level]", values: ["gold"] }`), HTTPBIN, request({ claims })).allowed).toBe(true);
    expect(authorize(allow(`{ key: "request.auth.claims[groups]", values: ["admin"] }`), HTTPBIN, request({ claims })).allowed).toBe(false);
  });
  it("source.principal, source.namespace, request.auth.principal, request.auth.audiences, destination.port", () => {
    const r = request({ requestPrincipal: "https://idp/alice", claims: { aud: ["books"] } });
    expect(authorize(allow(`{ key: source.principal, values: ["cluster.local/ns/foo/sa/sleep"] }`), HTTPBIN, r).allowed).toBe(true);
    expect(authorize(allow(`{ key: source.namespace, values: ["foo"] }`), HTTPBIN, r).allowed).toBe(true);
    expect(authorize(allow(`{ key: request.auth.principal, values: ["https://idp/alice"] }`), HTTPBIN, r).allowed).toBe(true);
    expect(authorize(allow(`{ key: request.auth.audiences, values: ["books"] }`), HTTPBIN, r).allowed).toBe(true);
    expect(authorize(allow(`{ key: destination.port, values: ["9000"] }`), HTTPBIN, r).allowed).toBe(false);
  });
  it("conditions of one rule are ANDed", () => {
    const m = allow(`{ key: source.namespace, values: ["foo"] }, { key: "request.headers[x-user]", values: ["a"] }`);
    expect(authorize(m, HTTPBIN, request()).allowed).toBe(false);
    expect(authorize(m, HTTPBIN, request({ headers: new Headers({ "x-user": "a" }) })).allowed).toBe(true);
  });
});

describe("authorization: scope", () => {
  it("a root-namespace policy without selector applies mesh-wide; a namespace policy only in its namespace", () => {
    const mesh = meshOf(`apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: deny-admin, namespace: istio-system }
spec:
  action: DENY
  rules: [{ to: [{ operation: { paths: ["/admin"] } }] }]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: deny-all, namespace: bar }
spec:
  action: DENY
  rules: [{}]
`);
    expect(authorize(mesh, HTTPBIN, request({ path: "/admin" }))).toMatchObject({ allowed: false, policy: "istio-system/deny-admin" });
    expect(authorize(mesh, HTTPBIN, request({ path: "/ok" })).allowed).toBe(true);
    expect(authorize(mesh, { namespace: "bar", labels: {} }, request({ path: "/ok" })).allowed).toBe(false);
  });
  it("a selector that does not match the workload leaves it alone", () => {
    const mesh = meshOf(policy("deny-other", `  selector:\n    matchLabels: { app: other }\n  action: DENY\n  rules: [{}]`));
    expect(authorize(mesh, HTTPBIN, request()).allowed).toBe(true);
  });
});

describe("authorization: dry run (istio.io/dry-run)", () => {
  it("a dry-run DENY records that it would deny and does not enforce", () => {
    const mesh = meshOf(policy("deny-all", `${selector}  action: DENY\n  rules: [{}]`, `  annotations: { "istio.io/dry-run": "true" }\n`));
    const d = authorize(mesh, HTTPBIN, request());
    expect(d.allowed).toBe(true);
    expect(d.dryRun).toEqual([{ policy: "foo/deny-all", decision: "deny", wouldDeny: true }]);
  });
  it("a dry-run ALLOW that the request does not match would deny", () => {
    const mesh = meshOf(policy("allow-bar", `${selector}  rules: [{ from: [{ source: { namespaces: ["bar"] } }] }]`, `  annotations: { "istio.io/dry-run": "true" }\n`));
    const d = authorize(mesh, HTTPBIN, request());
    expect(d.allowed).toBe(true);
    expect(d.dryRun).toEqual([{ policy: "foo/allow-bar", decision: "deny", wouldDeny: true }]);
  });
});

describe("authorization: IP blocks fail closed", () => {
  const deny = (source: string) => meshOf(policy("deny-ip", `${selector}  action: DENY\n  rules:\n  - from: [{ source: ${source} }]`));
  const allow = (source: string) => meshOf(policy("allow-ip", `${selector}  rules:\n  - from: [{ source: ${source} }]`));
  const decide = (m: ReturnType<typeof meshOf>, remoteIp: string | undefined) => authorize(m, HTTPBIN, request({ remoteIp }));

  it("a DENY on an IPv6 block holds for every written form of an address in it", () => {
    const m = deny(`{ ipBlocks: ["2001:db8:bad::/48"] }`);
    for (const ip of ["2001:db8:bad::1", "2001:0db8:0bad:0000:0000:0000:0000:0001", "2001:DB8:BAD:ffff::"]) {
      expect(decide(m, ip), ip).toMatchObject({ allowed: false, reason: "denied_by_policy" });
    }
    expect(decide(m, "2001:db8:beef::1").allowed).toBe(true);
    expect(decide(m, "203.0.113.9").allowed).toBe(true);
  });

  it("an IPv4-mapped IPv6 client matches IPv4 blocks, and a mapped block matches IPv4 clients", () => {
    expect(decide(deny(`{ remoteIpBlocks: ["10.1.0.0/16"] }`), "::ffff:10.1.2.3")).toMatchObject({ allowed: false, reason: "denied_by_policy" });
    expect(decide(deny(`{ remoteIpBlocks: ["10.1.0.0/16"] }`), "::ffff:a01:203")).toMatchObject({ allowed: false });
    expect(decide(deny(`{ ipBlocks: ["::ffff:10.1.0.0/112"] }`), "10.1.2.3")).toMatchObject({ allowed: false });
    expect(decide(deny(`{ ipBlocks: ["::ffff:10.1.0.0/112"] }`), "10.2.0.1").allowed).toBe(true);
    expect(decide(allow(`{ ipBlocks: ["192.0.2.0/24"] }`), "::ffff:192.0.2.7").allowed).toBe(true);
  });

  it("a DENY on ipBlocks denies a request whose client address is missing or does not parse", () => {
    for (const source of [`{ ipBlocks: ["198.51.100.0/24"] }`, `{ notIpBlocks: ["198.51.100.0/24"] }`, `{ remoteIpBlocks: ["2001:db8::/32"] }`]) {
      const m = deny(source);
      for (const ip of [undefined, "", "not-an-ip", "0x7f.1", "2130706433", "010.0.0.1", "fe80::1%eth0", "1.2.3.4, 5.6.7.8", "300.1.1.1"]) {
        expect(decide(m, ip), `${source} ${String(ip)}`).toMatchObject({ allowed: false, reason: "denied_by_policy" });
      }
    }
  });

  it("an ALLOW on ipBlocks or notIpBlocks does not allow a request whose client address cannot be read", () => {
    for (const source of [`{ ipBlocks: ["0.0.0.0/0"] }`, `{ notIpBlocks: ["198.51.100.0/24"] }`]) {
      expect(decide(allow(source), undefined), source).toMatchObject({ allowed: false, reason: "no_allow_policy_matched" });
      expect(decide(allow(source), "bogus"), source).toMatchObject({ allowed: false, reason: "no_allow_policy_matched" });
      expect(decide(allow(source), "203.0.113.1").allowed, source).toBe(true);
    }
  });

  it("source.ip and remote.ip conditions fail closed the same way", () => {
    const denyWhen = meshOf(policy("deny-when", `${selector}  action: DENY\n  rules:\n  - when: [{ key: remote.ip, notValues: ["192.0.2.0/24"] }]`));
    expect(decide(denyWhen, "192.0.2.1").allowed).toBe(true);
    expect(decide(denyWhen, "198.51.100.1").allowed).toBe(false);
    expect(decide(denyWhen, undefined).allowed).toBe(false);
    const allowWhen = meshOf(policy("allow-when", `${selector}  rules:\n  - when: [{ key: source.ip, notValues: ["192.0.2.0/24"] }]`));
    expect(decide(allowWhen, undefined).allowed).toBe(false);
  });

  it("a malformed block in a snapshot stored before blocks were checked cannot open a DENY", () => {
    const stored = (action: string, source: Record<string, string[]>) =>
      compilePolicy({
        apiVersion: "security.istio.io/v1",
        kind: "AuthorizationPolicy",
        metadata: { name: "old", namespace: "foo" },
        spec: { action, rules: [{ from: [{ source }] }] },
      } as unknown as Parameters<typeof compilePolicy>[0]);
    const r = request({ remoteIp: "203.0.113.5" });
    expect(stored("DENY", { ipBlocks: ["10.0.0.0/33"] }).matches(r)).toBe(true);
    expect(stored("DENY", { notIpBlocks: ["bogus"] }).matches(r)).toBe(true);
    expect(stored("DENY", { ipBlocks: ["bogus", "203.0.113.0/24"] }).matches(r)).toBe(true);
    expect(stored("ALLOW", { ipBlocks: ["bogus"] }).matches(r)).toBe(false);
    expect(stored("ALLOW", { notIpBlocks: ["bogus"] }).matches(r)).toBe(false);
    expect(stored("ALLOW", { ipBlocks: ["bogus", "203.0.113.0/24"] }).matches(r)).toBe(true);
  });
});
