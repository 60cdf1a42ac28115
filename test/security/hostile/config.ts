// Class 1b of issue #14: configuration that used to be accepted but breaks or weakens the
// data plane (regexes are class 1a, regex.ts). Header names that make `Headers` throw on every
// request, header values that inject lines, resources that write the mesh's own identity and
// proof headers, malformed IP blocks that silently match nothing, inline JWKS that are private,
// symmetric or unusable, and URLs the mesh would fetch that point at loopback, private,
// link-local or metadata addresses: each is a 422 invalid_resource naming the field, through
// POST /v1/apply and PUT, and nothing is stored. The last cases show an IP DENY at the gateway
// failing closed for mapped, IPv6 and unreadable client addresses. Every name starts with `config-`.
import { generateKeyPairSync } from "node:crypto";
import { exportJWK, generateKeyPair, generateSecret } from "jose";
import { expect } from "vitest";
import { formatPath } from "../../../resources/validate.ts";
import type { SecurityMesh } from "../mesh.ts";
import type { HostileCase, HostileClass } from "./case.ts";

const HOST = "config.mesh.test";
const CLASS = "config";
const refused = { status: 422, reason: "invalid_resource" } as const;

// ---- documents -----------------------------------------------------------------------------

const meta = (name: string, extra: object = {}) => ({ name, namespace: "default", ...extra });

const virtualService = (route: object, destination: object = {}) => ({
  apiVersion: "networking.istio.io/v1",
  kind: "VirtualService",
  metadata: meta("config-bad"),
  spec: { hosts: [HOST], gateways: ["test-gateway"], http: [{ ...route, route: [{ destination: { host: "target" }, ...destination }] }] },
});

const httpRoute = (rule: object) => ({
  apiVersion: "gateway.networking.k8s.io/v1",
  kind: "HTTPRoute",
  metadata: meta("config-bad-route"),
  spec: { parentRefs: [{ name: "test-gateway" }], hostnames: [HOST], rules: [{ ...rule, backendRefs: [{ name: "target", port: 9080 }] }] },
});

const destinationRule = (consistentHash: object) => ({
  apiVersion: "networking.istio.io/v1",
  kind: "DestinationRule",
  metadata: meta("config-bad-dr"),
  spec: { host: "config-nowhere", trafficPolicy: { loadBalancer: { consistentHash } } },
});

const requestAuthentication = (rule: object, annotations?: Record<string, string>) => ({
  apiVersion: "security.istio.io/v1",
  kind: "RequestAuthentication",
  metadata: meta("config-bad-jwt", annotations ? { annotations } : {}),
  spec: { selector: { matchLabels: { app: "config-nobody" } }, jwtRules: [{ issuer: "https://config-idp.example", ...rule }] },
});

const authorizationPolicy = (rule: object) => ({
  apiVersion: "security.istio.io/v1",
  kind: "AuthorizationPolicy",
  metadata: meta("config-bad-policy"),
  spec: { selector: { matchLabels: { app: "config-nobody" } }, action: "DENY", rules: [rule] },
});

const serviceEntry = (address: string, annotations?: Record<string, string>) => ({
  apiVersion: "networking.istio.io/v1",
  kind: "ServiceEntry",
  metadata: meta("config-bad-origin", annotations ? { annotations } : {}),
  spec: { hosts: ["config-origin.example"], location: "MESH_EXTERNAL", resolution: "STATIC", endpoints: [{ address }] },
});

// ---- sending and checking ------------------------------------------------------------------

function apply(mesh: SecurityMesh, document: object): Promise<Response> {
  // JSON is YAML: control characters travel escaped, exactly as written.
  return mesh.control("/v1/apply", { method: "POST", headers: { "content-type": "application/yaml" }, body: JSON.stringify(document) });
}

/** The 422 must name the field (under its document) and say why. */
function namesField(path: string, reason: RegExp) {
  return (_mesh: SecurityMesh, _response: Response, body: string) => {
    const details = (JSON.parse(body) as { error: { details: { path: string; message: string }[] } }).error.details;
    const detail = details.find((d) => d.path.endsWith(path));
    expect(detail, `no detail for ${path} in ${JSON.stringify(details)}`).toBeDefined();
    expect(detail!.message).toMatch(reason);
  };
}

/** Where a value sits in a resource: the document with it there, and the field path. */
interface Field {
  label: string;
  path(value: string): string;
  document(value: string): object;
}

/** A record field: the record's path, then the key as the control API writes it (`["bad name"]`). */
const key = (record: string) => (value: string) => `${record}${formatPath([value])}`;
const at = (path: string) => () => path;

/** Each field takes `rounds` of the hostile forms in turn, so every form and every field appear. */
function matrix(group: string, fields: Field[], forms: { label: string; value: string }[], reason: RegExp, rounds: number): HostileCase[] {
  const cases: HostileCase[] = [];
  for (let round = 0; round < rounds; round++) {
    fields.forEach((field, i) => {
      const form = forms[(i + round * fields.length) % forms.length]!;
      cases.push({
        class: CLASS,
        name: `${group}: ${field.label}: ${form.label}`,
        send: (mesh) => apply(mesh, field.document(form.value)),
        expect: refused,
        after: namesField(field.path(form.value), reason),
      });
    });
  }
  return cases;
}

// ---- header names --------------------------------------------------------------------------

const BAD_NAMES = [
  { label: "space", value: "bad name" },
  { label: "pseudo-header :authority", value: ":authority" },
  { label: "CRLF", value: "x-a\r\nx-admin" },
  { label: "NUL", value: "x-a\u0000" },
  { label: "non-ASCII", value: "x-caf\u00e9" },
  { label: "colon", value: "x-a:b" },
  { label: "slash", value: "x/y" },
  { label: "tab", value: "x-a\tb" },
];

const NAME_FIELDS: Field[] = [
  { label: "VS headers.request.set", path: key("spec.http[0].headers.request.set"), document: (v) => virtualService({ headers: { request: { set: { [v]: "1" } } } }) },
  { label: "VS headers.request.add", path: key("spec.http[0].headers.request.add"), document: (v) => virtualService({ headers: { request: { add: { [v]: "1" } } } }) },
  { label: "VS headers.response.set", path: key("spec.http[0].headers.response.set"), document: (v) => virtualService({ headers: { response: { set: { [v]: "1" } } } }) },
  { label: "VS headers.request.remove", path: at("spec.http[0].headers.request.remove[0]"), document: (v) => virtualService({ headers: { request: { remove: [v] } } }) },
  { label: "VS route[].headers.request.set", path: key("spec.http[0].route[0].headers.request.set"), document: (v) => virtualService({}, { headers: { request: { set: { [v]: "1" } } } }) },
  { label: "VS match headers", path: key("spec.http[0].match[0].headers"), document: (v) => virtualService({ match: [{ headers: { [v]: { exact: "1" } } }] }) },
  { label: "VS match withoutHeaders", path: key("spec.http[0].match[0].withoutHeaders"), document: (v) => virtualService({ match: [{ withoutHeaders: { [v]: {} } }] }) },
  { label: "VS corsPolicy.allowHeaders", path: at("spec.http[0].corsPolicy.allowHeaders[0]"), document: (v) => virtualService({ corsPolicy: { allowOrigins: [{ exact: "https://a.example" }], allowHeaders: [v] } }) },
  { label: "VS stickyHash.httpHeaderName", path: at("spec.http[0].stickyHash.httpHeaderName"), document: (v) => virtualService({ stickyHash: { httpHeaderName: v } }) },
  { label: "DR consistentHash.httpHeaderName", path: at("spec.trafficPolicy.loadBalancer.consistentHash.httpHeaderName"), document: (v) => destinationRule({ httpHeaderName: v }) },
  { label: "DR consistentHash.httpCookie.name", path: at("spec.trafficPolicy.loadBalancer.consistentHash.httpCookie.name"), document: (v) => destinationRule({ httpCookie: { name: v, ttl: "1h" } }) },
  { label: "HTTPRoute requestHeaderModifier.set", path: at("spec.rules[0].filters[0].requestHeaderModifier.set[0].name"), document: (v) => httpRoute({ filters: [{ type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: v, value: "1" }] } }] }) },
  { label: "HTTPRoute responseHeaderModifier.add", path: at("spec.rules[0].filters[0].responseHeaderModifier.add[0].name"), document: (v) => httpRoute({ filters: [{ type: "ResponseHeaderModifier", responseHeaderModifier: { add: [{ name: v, value: "1" }] } }] }) },
  { label: "HTTPRoute matches headers", path: at("spec.rules[0].matches[0].headers[0].name"), document: (v) => httpRoute({ matches: [{ headers: [{ name: v, value: "1" }] }] }) },
  { label: "RA fromHeaders[].name", path: at("spec.jwtRules[0].fromHeaders[0].name"), document: (v) => requestAuthentication({ jwksUri: "https://config-idp.example/jwks", fromHeaders: [{ name: v }] }) },
  { label: "RA outputPayloadToHeader", path: at("spec.jwtRules[0].outputPayloadToHeader"), document: (v) => requestAuthentication({ jwksUri: "https://config-idp.example/jwks", outputPayloadToHeader: v }) },
  { label: "RA outputClaimToHeaders[].header", path: at("spec.jwtRules[0].outputClaimToHeaders[0].header"), document: (v) => requestAuthentication({ jwksUri: "https://config-idp.example/jwks", outputClaimToHeaders: [{ header: v, claim: "sub" }] }) },
  { label: "AP when request.headers[...]", path: at("spec.rules[0].when[0].key"), document: (v) => authorizationPolicy({ when: [{ key: `request.headers[${v}]`, values: ["1"] }] }) },
];

// ---- mesh-owned headers --------------------------------------------------------------------

const MESH_OWNED = [
  { label: "caller identity x-isthmus-peer", value: "x-isthmus-peer" },
  { label: "caller credential x-isthmus-svid", value: "x-isthmus-svid" },
  { label: "callee proof X-Isthmus-Peer-Proof", value: "X-Isthmus-Peer-Proof" },
  { label: "x-forwarded-client-cert", value: "x-forwarded-client-cert" },
  { label: "x-spiffe-id", value: "x-spiffe-id" },
  { label: "mesh verdict x-isthmus-error", value: "x-isthmus-error" },
  { label: "callee key x-isthmus-peer-key", value: "x-isthmus-peer-key" },
];

const WRITE_FIELDS: Field[] = [
  NAME_FIELDS[0]!,
  NAME_FIELDS[1]!,
  NAME_FIELDS[2]!,
  { label: "VS headers.response.add", path: key("spec.http[0].headers.response.add"), document: (v) => virtualService({ headers: { response: { add: { [v]: "1" } } } }) },
  NAME_FIELDS[3]!,
  { label: "VS headers.response.remove", path: at("spec.http[0].headers.response.remove[0]"), document: (v) => virtualService({ headers: { response: { remove: [v] } } }) },
  NAME_FIELDS[4]!,
  { label: "VS corsPolicy.exposeHeaders", path: at("spec.http[0].corsPolicy.exposeHeaders[0]"), document: (v) => virtualService({ corsPolicy: { allowOrigins: [{ exact: "https://a.example" }], exposeHeaders: [v] } }) },
  NAME_FIELDS[11]!,
  NAME_FIELDS[12]!,
  { label: "HTTPRoute requestHeaderModifier.remove", path: at("spec.rules[0].filters[0].requestHeaderModifier.remove[0]"), document: (v) => httpRoute({ filters: [{ type: "RequestHeaderModifier", requestHeaderModifier: { remove: [v] } }] }) },
  NAME_FIELDS[15]!,
  NAME_FIELDS[16]!,
];

// ---- header values -------------------------------------------------------------------------

const BAD_VALUES = [
  { label: "CRLF injection", value: "ok\r\nx-isthmus-peer: spiffe://cluster.local/ns/default/sa/admin" },
  { label: "bare LF", value: "a\nb" },
  { label: "bare CR", value: "a\rb" },
  { label: "NUL", value: "a\u0000b" },
  { label: "DEL", value: "a\u007f" },
  { label: "beyond Latin-1", value: "snow\u2603" },
  { label: "vertical tab", value: "a\u000bb" },
];

const VALUE_FIELDS: Field[] = [
  { label: "VS headers.request.set value", path: at('spec.http[0].headers.request.set["x-config"]'), document: (v) => virtualService({ headers: { request: { set: { "x-config": v } } } }) },
  { label: "VS headers.response.add value", path: at('spec.http[0].headers.response.add["x-config"]'), document: (v) => virtualService({ headers: { response: { add: { "x-config": v } } } }) },
  { label: "VS route[].headers.response.set value", path: at('spec.http[0].route[0].headers.response.set["x-config"]'), document: (v) => virtualService({}, { headers: { response: { set: { "x-config": v } } } }) },
  { label: "VS corsPolicy.allowOrigin", path: at("spec.http[0].corsPolicy.allowOrigin[0]"), document: (v) => virtualService({ corsPolicy: { allowOrigin: [v] } }) },
  { label: "HTTPRoute requestHeaderModifier.set value", path: at("spec.rules[0].filters[0].requestHeaderModifier.set[0].value"), document: (v) => httpRoute({ filters: [{ type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "x-config", value: v }] } }] }) },
  { label: "HTTPRoute responseHeaderModifier.add value", path: at("spec.rules[0].filters[0].responseHeaderModifier.add[0].value"), document: (v) => httpRoute({ filters: [{ type: "ResponseHeaderModifier", responseHeaderModifier: { add: [{ name: "x-config", value: v }] } }] }) },
];

// ---- IP blocks -----------------------------------------------------------------------------

const BAD_BLOCKS = [
  { label: "IPv4 prefix over 32", value: "10.0.0.0/33" },
  { label: "IPv6 prefix over 128", value: "2001:db8::/129" },
  { label: "hex octet", value: "0x0a.0.0.0/8" },
  { label: "octal-looking octet", value: "010.0.0.1" },
  { label: "short form", value: "10.1" },
  { label: "decimal integer", value: "167772161" },
  { label: "IPv6 zone", value: "fe80::1%eth0" },
  { label: "two prefixes", value: "10.0.0.0/8/8" },
  { label: "a word", value: "office" },
  { label: "octet over 255", value: "256.1.1.1" },
  { label: "empty", value: "" },
  { label: "trailing space", value: "10.0.0.0/8 " },
];

const sourceField = (field: string): Field => ({
  label: `AP source.${field}`,
  path: at(`spec.rules[0].from[0].source.${field}[0]`),
  document: (v) => authorizationPolicy({ from: [{ source: { [field]: [v] } }] }),
});

const BLOCK_FIELDS: Field[] = [
  sourceField("ipBlocks"),
  sourceField("notIpBlocks"),
  sourceField("remoteIpBlocks"),
  sourceField("notRemoteIpBlocks"),
  { label: "AP when source.ip values", path: at("spec.rules[0].when[0].values[0]"), document: (v) => authorizationPolicy({ when: [{ key: "source.ip", values: [v] }] }) },
  { label: "AP when remote.ip notValues", path: at("spec.rules[0].when[0].notValues[0]"), document: (v) => authorizationPolicy({ when: [{ key: "remote.ip", notValues: [v] }] }) },
];

// ---- inline JWKS ---------------------------------------------------------------------------

const rsa = await generateKeyPair("RS256", { extractable: true });
const ec = await generateKeyPair("ES256", { extractable: true });
const ed = await generateKeyPair("EdDSA", { extractable: true });
const rsaPublic = await exportJWK(rsa.publicKey);
const ecPublic = await exportJWK(ec.publicKey);
const weakRsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ format: "jwk" });

const BAD_JWKS: { label: string; jwks: string; reason: RegExp }[] = [
  { label: "RSA private key (d, p, q, ...)", jwks: JSON.stringify({ keys: [rsaPublic, await exportJWK(rsa.privateKey)] }), reason: /keys\[1\] carries the private or symmetric member "d"/ },
  { label: "EC private key", jwks: JSON.stringify({ keys: [await exportJWK(ec.privateKey)] }), reason: /private or symmetric member "d"/ },
  { label: "Ed25519 private key", jwks: JSON.stringify({ keys: [await exportJWK(ed.privateKey)] }), reason: /private or symmetric member "d"/ },
  { label: "symmetric oct key", jwks: JSON.stringify({ keys: [await exportJWK(await generateSecret("HS256", { extractable: true }))] }), reason: /member "k"/ },
  { label: "RSA modulus of 1024 bits", jwks: JSON.stringify({ keys: [weakRsa] }), reason: /RSA modulus under 2048 bits/ },
  { label: "alg none", jwks: JSON.stringify({ keys: [{ ...ecPublic, alg: "none" }] }), reason: /unsupported alg "none"/ },
  { label: "alg HS256 on a public key", jwks: JSON.stringify({ keys: [{ ...rsaPublic, alg: "HS256" }] }), reason: /unsupported alg "HS256"/ },
  { label: "alg mismatched to the curve", jwks: JSON.stringify({ keys: [{ ...ecPublic, alg: "ES512" }] }), reason: /P-256 key with alg ES512/ },
  { label: "encryption key (use enc)", jwks: JSON.stringify({ keys: [{ ...rsaPublic, use: "enc" }] }), reason: /use "enc"/ },
  { label: "unsupported curve secp256k1", jwks: JSON.stringify({ keys: [{ ...ecPublic, crv: "secp256k1" }] }), reason: /unsupported crv/ },
  { label: "truncated EC point", jwks: JSON.stringify({ keys: [{ ...ecPublic, x: "AAAA" }] }), reason: /x and y of 32 bytes/ },
  { label: "unknown kty", jwks: JSON.stringify({ keys: [{ kty: "DSA", y: "AAAA" }] }), reason: /unsupported kty "DSA"/ },
  { label: "empty key set", jwks: JSON.stringify({ keys: [] }), reason: /at least one key/ },
  { label: "keys not a list", jwks: JSON.stringify({ keys: { a: rsaPublic } }), reason: /keys array/ },
  { label: "not JSON", jwks: "{keys: [", reason: /JSON Web Key Set/ },
  { label: "a bare JWK, not a set", jwks: JSON.stringify(rsaPublic), reason: /keys array/ },
];

const jwksCases: HostileCase[] = BAD_JWKS.map((bad) => ({
  class: CLASS,
  name: `inline jwks: ${bad.label}`,
  send: (mesh) => apply(mesh, requestAuthentication({ jwks: bad.jwks })),
  expect: refused,
  after: namesField("spec.jwtRules[0].jwks", bad.reason),
}));

// ---- private addresses ---------------------------------------------------------------------

const PRIVATE_URLS = [
  { label: "loopback", url: "http://127.0.0.1:8080/jwks", reason: /loopback/ },
  { label: "localhost", url: "http://localhost/jwks", reason: /loopback \(localhost\)/ },
  { label: "localhost with a trailing dot, upper case", url: "https://LOCALHOST./jwks", reason: /loopback/ },
  { label: "AWS metadata", url: "http://169.254.169.254/latest/meta-data/iam/", reason: /linkLocal address \(169\.254\.169\.254\)/ },
  { label: "GCP metadata by name", url: "http://metadata.google.internal/computeMetadata/v1/", reason: /cloud metadata/ },
  { label: "IPv6 loopback", url: "http://[::1]/jwks", reason: /loopback/ },
  { label: "IPv4-mapped IPv6 loopback", url: "http://[::ffff:127.0.0.1]/jwks", reason: /loopback address \(127\.0\.0\.1\)/ },
  { label: "hex IPv4", url: "http://0x7f.0.0.1/jwks", reason: /loopback/ },
  { label: "decimal IPv4", url: "http://2130706433/jwks", reason: /loopback/ },
  { label: "octal IPv4", url: "http://0177.0.0.1/jwks", reason: /loopback/ },
  { label: "short IPv4 127.1", url: "https://127.1/jwks", reason: /loopback/ },
  { label: "10/8", url: "https://10.1.2.3/jwks", reason: /private/ },
  { label: "172.16/12", url: "https://172.31.0.9/jwks", reason: /private/ },
  { label: "192.168/16", url: "https://192.168.0.1:8443/jwks", reason: /private/ },
  { label: "IPv6 link-local", url: "http://[fe80::1]/jwks", reason: /linkLocal/ },
  { label: "IPv6 unique-local (EC2 metadata over IPv6)", url: "http://[fd00:ec2::254]/latest/", reason: /uniqueLocal/ },
  { label: "unspecified 0.0.0.0", url: "http://0.0.0.0:9000/jwks", reason: /unspecified/ },
  { label: "IPv6 unspecified", url: "http://[::]/jwks", reason: /unspecified/ },
  { label: "carrier-grade NAT (Alibaba metadata)", url: "http://100.100.100.200/latest/", reason: /carrierGradeNat/ },
  { label: "NAT64 of the metadata address", url: "http://[64:ff9b::a9fe:a9fe]/", reason: /rfc6052/ },
];

const jwksUriCases: HostileCase[] = PRIVATE_URLS.map((p) => ({
  class: CLASS,
  name: `jwksUri: ${p.label}`,
  send: (mesh) => apply(mesh, requestAuthentication({ jwksUri: p.url })),
  expect: refused,
  after: namesField("spec.jwtRules[0].jwksUri", p.reason),
}));

const originCases: HostileCase[] = PRIVATE_URLS.filter((_, i) => i % 2 === 0).map((p) => ({
  class: CLASS,
  name: `ServiceEntry origin endpoint: ${p.label}`,
  send: (mesh) => apply(mesh, serviceEntry(p.url)),
  expect: refused,
  after: namesField("spec.endpoints[0].address", p.reason),
}));

const annotationCases: HostileCase[] = [
  ["false", "false"],
  ["yes (only \"true\" opts in)", "yes"],
].map(([label, value]) => ({
  class: CLASS,
  name: `private address with isthmus.io/allow-private-addresses: ${label}`,
  send: (mesh) => apply(mesh, serviceEntry("https://169.254.169.254", { "isthmus.io/allow-private-addresses": value! })),
  expect: refused,
  after: namesField("spec.endpoints[0].address", /linkLocal/),
}));

// ---- PUT -----------------------------------------------------------------------------------

function put(mesh: SecurityMesh, plural: string, document: { metadata: { name: string } }): Promise<Response> {
  return mesh.control(`/v1/namespaces/default/${plural}/${document.metadata.name}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(document),
  });
}

const putCases: HostileCase[] = [
  { label: "VirtualService writing x-isthmus-peer", plural: "virtualservices", document: NAME_FIELDS[0]!.document("x-isthmus-peer"), path: 'spec.http[0].headers.request.set["x-isthmus-peer"]', reason: /owned by the mesh/ },
  { label: "VirtualService CRLF value", plural: "virtualservices", document: VALUE_FIELDS[0]!.document("a\r\nb: c"), path: 'spec.http[0].headers.request.set["x-config"]', reason: /no CR, LF/ },
  { label: "AuthorizationPolicy malformed ipBlocks", plural: "authorizationpolicies", document: sourceField("ipBlocks").document("10.0.0.0/33"), path: "spec.rules[0].from[0].source.ipBlocks[0]", reason: /prefix length above 32/ },
  { label: "RequestAuthentication metadata jwksUri", plural: "requestauthentications", document: requestAuthentication({ jwksUri: "http://169.254.169.254/jwks" }), path: "spec.jwtRules[0].jwksUri", reason: /linkLocal/ },
  { label: "RequestAuthentication private inline jwks", plural: "requestauthentications", document: requestAuthentication({ jwks: BAD_JWKS[0]!.jwks }), path: "spec.jwtRules[0].jwks", reason: /private or symmetric member/ },
  { label: "ServiceEntry loopback origin", plural: "serviceentries", document: serviceEntry("https://[::1]:8443"), path: "spec.endpoints[0].address", reason: /loopback/ },
  { label: "HTTPRoute pseudo-header match", plural: "httproutes", document: NAME_FIELDS[13]!.document(":path"), path: "spec.rules[0].matches[0].headers[0].name", reason: /RFC 9110 token/ },
].map((c) => ({
  class: CLASS,
  name: `PUT ${c.label}`,
  send: (mesh) => put(mesh, c.plural, c.document as { metadata: { name: string } }),
  expect: refused,
  after: namesField(c.path, c.reason),
}));

// ---- the data plane: an IP DENY at the gateway fails closed --------------------------------

const DENY_IP = "denied_by_policy:istio-system/config-deny-ip";
const ipCase = (label: string, headers: Record<string, string>): HostileCase => ({
  class: CLASS,
  name: `gateway DENY on remoteIpBlocks: ${label}`,
  send: (mesh) => mesh.send("isthmus-gateway", "/config-ip/secret", { host: "mesh.test:8080", headers }),
  expect: { status: 403, reason: DENY_IP },
  handler: "target-v1",
});

const dataPlaneCases: HostileCase[] = [
  ipCase("IPv4 client in the block", { "cf-connecting-ip": "10.66.4.5" }),
  ipCase("IPv4-mapped IPv6 client", { "cf-connecting-ip": "::ffff:10.66.4.5" }),
  ipCase("IPv4-mapped IPv6 client in hex", { "cf-connecting-ip": "::ffff:a42:405" }),
  ipCase("IPv6 client in the block", { "cf-connecting-ip": "2001:db8:66::7" }),
  ipCase("IPv6 client written in full", { "cf-connecting-ip": "2001:0db8:0066:0000:0000:0000:0000:0007" }),
  ipCase("unparsable client address", { "cf-connecting-ip": "not-an-address" }),
  ipCase("a list of addresses", { "cf-connecting-ip": "203.0.113.1, 10.66.4.5" }),
  ipCase("hex form the block parser would read as 10.66.4.5", { "cf-connecting-ip": "0x0a.0x42.4.5" }),
];

const CONFIG = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: config-deny-ip, namespace: istio-system }
spec:
  selector: { matchLabels: { istio: ingressgateway } }
  action: DENY
  rules:
  - from: [{ source: { remoteIpBlocks: ["10.66.0.0/16", "2001:db8:66::/48"] } }]
    to: [{ operation: { paths: ["/config-ip/*"] } }]
`;

const hostile: HostileClass = {
  config: CONFIG,
  cases: [
    ...matrix("header name", NAME_FIELDS, BAD_NAMES, /RFC 9110 token/, 2),
    ...matrix("mesh-owned header", WRITE_FIELDS, MESH_OWNED, /owned by the mesh/, 2),
    ...matrix("header value", VALUE_FIELDS, BAD_VALUES, /visible characters/, 2),
    ...matrix("IP block", BLOCK_FIELDS, BAD_BLOCKS, /must be an IP address or CIDR block/, 2),
    ...jwksCases,
    ...jwksUriCases,
    ...originCases,
    ...annotationCases,
    ...putCases,
    ...dataPlaneCases,
  ],
};

export default hostile;
