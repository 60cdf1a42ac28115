// Issue #14 classes 4 (one host, normalized once), 5 (rewrites do not escape policy) and
// 9 (proof-of-possession covers the request). Hosts, names and the PoP policy are this
// file's own: *.edge.example, edge-* resources, front-v1 under proof-of-possession.
import { generateWorkloadKey, type WorkloadKey } from "../../../dataplane/security/workload-key.ts";
import { proofRequest } from "../../../dataplane/security/proof-request.ts";
import { requestProof } from "../../../dataplane/security/proofs.ts";
import { spiffe, type RawInit, type SecurityMesh } from "../mesh.ts";
import type { HostileCase, HostileClass } from "./case.ts";

const config = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: edge-deny-admin-hosts, namespace: istio-system }
spec:
  selector: { matchLabels: { istio: ingressgateway } }
  action: DENY
  rules:
  - to: [{ operation: { hosts: [admin.edge.example, "*.internal.edge.example"] } }]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: edge-deny-admin-header, namespace: istio-system }
spec:
  selector: { matchLabels: { istio: ingressgateway } }
  action: DENY
  rules:
  - when: [{ key: "request.headers[host]", values: [hdr-admin.edge.example, "hdr-admin.edge.example:8080"] }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: edge-rewrites }
spec:
  hosts: [rewrite.edge.example]
  gateways: [test-gateway]
  http:
  - match: [{ uri: { prefix: /app } }]
    rewrite: { uri: / }
    route: [{ destination: { host: other } }]
  - match: [{ uri: { prefix: /svc } }]
    rewrite: { uri: /v2/ }
    route: [{ destination: { host: other } }]
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: edge-pop
  annotations: { "isthmus.io/proof-of-possession": "true", "isthmus.io/pop-body-digest": "true" }
spec:
  selector: { matchLabels: { app: front } }
  mtls: { mode: STRICT }
`;

const host = (name: string, form: string, reason: string): HostileCase => ({
  class: "host",
  name: `${name}: Host ${JSON.stringify(form)}`,
  send: (mesh) => mesh.send("isthmus-gateway", "/edge-host", { host: form }),
  expect: { status: 403, reason },
  handler: "target-v1",
});
const denied = (form: string) => host("edge DENY by hosts", form, "denied_by_policy:istio-system/edge-deny-admin-hosts");
const deniedByHeader = (form: string) => host("edge DENY by request.headers[host]", form, "denied_by_policy:istio-system/edge-deny-admin-header");

const malformed = (form: string, reason: string, note?: string): HostileCase => ({
  class: "host",
  name: `malformed Host ${JSON.stringify(form.length > 40 ? `${form.slice(0, 20)}...(${form.length})` : form)}`,
  send: (mesh) => mesh.send("isthmus-gateway", "/edge-host", { host: form }),
  expect: { status: 400, reason },
  handler: "target-v1",
  note,
});

const rewrite = (path: string, method = "GET"): HostileCase => ({
  class: "rewrite",
  name: `${method} ${path} (prefix rewrite to / or /v2/)`,
  send: (mesh) => mesh.send("isthmus-gateway", path, { host: "rewrite.edge.example", method }),
  expect: { status: 400, reason: "rewrite_escapes_prefix" },
  handler: "other-v1",
});

// One client key for the proof-of-possession cases; every case makes a fresh proof.
let client: Promise<WorkloadKey> | undefined;
const FRONT = spiffe("front");
const POP_HOST = "pop.edge.example";

interface Proven {
  /** The request the proof is made for. */
  proven: { method?: string; host?: string; path: string; body?: string };
  /** The request sent with it. */
  sent: RawInit & { path: string };
}

const pop = (name: string, { proven, sent }: Proven, reason = "proof_request_mismatch"): HostileCase => ({
  class: "pop",
  name,
  async send(mesh: SecurityMesh) {
    const key = await (client ??= generateWorkloadKey());
    const svid = await mesh.svid(FRONT, { publicKey: key.publicJwk });
    const request = new Request(`http://${proven.host ?? POP_HOST}${proven.path}`, { method: proven.method ?? "GET", body: proven.body });
    const proof = await requestProof(key, await proofRequest(request, { bodyDigest: proven.body !== undefined }), svid);
    const { path, ...init } = sent;
    return mesh.send("front-v1", path, { host: POP_HOST, ...init, headers: { ...init.headers, "x-isthmus-svid": svid, "x-isthmus-proof": proof } });
  },
  expect: { status: 401, reason },
  handler: "front-v1",
});

const cases: HostileCase[] = [
  // Class 4: every spelling of one host meets the host-based DENY at the edge.
  denied("admin.edge.example"),
  denied("ADMIN.edge.example"),
  denied("Admin.Edge.Example"),
  denied("admin.edge.example."),
  denied("ADMIN.EDGE.EXAMPLE."),
  denied("admin.edge.example:8080"),
  denied("admin.edge.example.:8080"),
  denied("ADMIN.edge.example.:8080"),
  denied("admin.edge.example:80"),
  denied("admin.edge.example.:80"),
  denied("admin.edge.example:080"),
  denied("x.internal.edge.example"),
  denied("X.INTERNAL.edge.example."),
  denied("x.internal.edge.example.:8080"),
  deniedByHeader("hdr-admin.edge.example"),
  deniedByHeader("HDR-admin.edge.example."),
  deniedByHeader("hdr-admin.edge.example.:8080"),
  deniedByHeader("hdr-admin.edge.example:80"),
  // Hosts no layer could read: 400 bad_host before any of them runs.
  malformed("admin.edge.example..", "empty_label", "a second trailing dot is not a spelling of the host"),
  malformed(".admin.edge.example", "empty_label"),
  malformed("admin..edge.example", "empty_label"),
  malformed(".", "empty_label"),
  malformed("..", "empty_label"),
  malformed("::1", "empty_label", "an IPv6 address without brackets"),
  malformed("admin.edge.example:", "invalid_port"),
  malformed("admin.edge.example:0", "invalid_port"),
  malformed("admin.edge.example:65536", "invalid_port"),
  malformed("admin.edge.example:99999", "invalid_port"),
  malformed("admin.edge.example:0008080", "invalid_port", "more than five digits, though it reads as 8080"),
  malformed("admin.edge.example:http", "invalid_port"),
  malformed("admin.edge.example:80:80", "invalid_port"),
  malformed("[::1]:", "invalid_port"),
  malformed("[::1]:70000", "invalid_port"),
  malformed("[::1", "ip_literal"),
  malformed("[::1]x", "ip_literal"),
  malformed("[v1.x]", "ip_literal"),
  malformed("[admin.edge.example]", "ip_literal"),
  malformed(`${"a".repeat(60)}.${"b".repeat(60)}.${"c".repeat(60)}.${"d".repeat(60)}.edge.example`, "too_long"),
  // Class 5: a prefix rewrite must not resolve a dot segment policy never saw.
  rewrite("/app../api"),
  rewrite("/app../x/../api"),
  rewrite("/app.."),
  rewrite("/app."),
  rewrite("/app./api"),
  rewrite("/app../api?x=1"),
  rewrite("/app../api", "POST"),
  rewrite("/app%2e%2e/api"),
  rewrite("/app%2E%2E/api"),
  rewrite("/app.%2e/api"),
  rewrite("/app..%2fapi"),
  rewrite("/app..%5Capi"),
  rewrite("/app..\\api"),
  rewrite("/app..//api"),
  rewrite("/x/../app../api"),
  rewrite("/svc../admin"),
  rewrite("/svc%2e%2e/admin"),
  // Class 9: a request proof is good for the request it was made for only.
  {
    class: "pop",
    name: "bearer SVID without a proof",
    send: async (mesh) => mesh.send("front-v1", "/pop/a", { host: POP_HOST, headers: { "x-isthmus-svid": await mesh.svid(FRONT) } }),
    expect: { status: 401, reason: "proof_missing" },
    handler: "front-v1",
  },
  pop("GET proof sent with DELETE", { proven: { path: "/pop/a" }, sent: { path: "/pop/a", method: "DELETE" } }),
  pop("proof for /pop/a sent to /pop/admin", { proven: { path: "/pop/a" }, sent: { path: "/pop/admin" } }),
  pop("proof for ?id=1 sent with ?id=2", { proven: { path: "/pop/a?id=1" }, sent: { path: "/pop/a?id=2" } }),
  pop("proof without a query sent with one", { proven: { path: "/pop/a" }, sent: { path: "/pop/a?admin=true" } }),
  pop("proof with a query sent without it", { proven: { path: "/pop/a?dry=1" }, sent: { path: "/pop/a" } }),
  pop("proof for another host", { proven: { host: "other.edge.example", path: "/pop/a" }, sent: { path: "/pop/a" } }),
  pop("proof for another port of the host", { proven: { host: `${POP_HOST}:8443`, path: "/pop/a" }, sent: { path: "/pop/a" } }),
  pop("proof for one body sent with another", {
    proven: { method: "POST", path: "/pop/pay", body: "amount=1" },
    sent: { path: "/pop/pay", method: "POST", body: "amount=1000" },
  }),
  pop("proof without a body digest to a callee that asks for one", {
    proven: { method: "POST", path: "/pop/pay" },
    sent: { path: "/pop/pay", method: "POST", body: "amount=1000" },
  }),
];

export default { config, cases } satisfies HostileClass;
