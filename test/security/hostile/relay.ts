// Issue #14 classes 6 (trust material: OIDC discovery, JWKS failures), 7 (callers relay only
// authenticated answers), 8 (nothing gets around the mesh: identity headers straight at a
// meshed Worker) and 10 (concurrent requests stay apart). Names are this file's own:
// relay-* resources, *.relay.example hosts, the relay-idp-* issuers. The impostor Worker
// (test/fixtures/impostor) sits behind the victim service's binding and answers whatever a
// case asks of it; no Set-Cookie, header or body of its answers may reach the client.
import { expect } from "vitest";
import { base64urlEncode } from "../../../identity/base64url.ts";
import { IMPOSTOR_MARK } from "../../fixtures/impostor/mark.ts";
import { spiffe, type RawInit, type SecurityMesh } from "../mesh.ts";
import type { HostileCase, HostileClass } from "./case.ts";

const JWKS_SECRET = "relay-secret-path";
const config = `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata:
  name: relay-jwks
  namespace: istio-system
  annotations: { isthmus.io/allow-private-addresses: "true" }
spec:
  selector: { matchLabels: { istio: ingressgateway } }
  jwtRules:
  - issuer: https://relay-idp-1.relay.example
    jwksUri: http://127.0.0.1:1/${JWKS_SECRET}/jwks.json
  - issuer: https://relay-idp-2.relay.example
    jwksUri: http://127.0.0.1:9/${JWKS_SECRET}/tenant-42/keys
    fromHeaders: [{ name: x-relay-token }]
    fromParams: [relay_token]
`;

// ---- 7: the impostor's answers, through the gateway and through a meshed caller -----------

const answerPath = (query: string) => `/answer?${query}`;

/** The client must see the mesh's own refusal and nothing of the impostor's answer. */
function nothingRelayed(response: Response, body: string): void {
  expect(response.headers.get("set-cookie"), "a Set-Cookie reached the client").toBeNull();
  expect(response.headers.get("x-impostor"), "an impostor header reached the client").toBeNull();
  expect(body, "the impostor's body reached the client").not.toContain(IMPOSTOR_MARK);
  for (const name of ["x-isthmus-peer-svid", "x-isthmus-peer-proof", "x-isthmus-peer-key"]) expect(response.headers.get(name), name).toBeNull();
  expect(response.headers.get("x-isthmus-error")).toBe("peer_identity_mismatch");
}

const viaGateway = (name: string, query: string, reason: string, init: RawInit = {}): HostileCase => ({
  class: "relay",
  name: `gateway -> impostor: ${name}`,
  send: (mesh) => mesh.send("isthmus-gateway", `/victim${answerPath(query)}`, init),
  expect: { status: 502, reason },
  after: (_mesh, response, body) => nothingRelayed(response, body),
});

const viaFront = (name: string, how: "relay" | "relay-global", query: string, reason: string): HostileCase => ({
  class: "relay",
  name: `gateway -> front -> impostor (${how === "relay" ? "env.MESH.fetch" : "plain fetch"}), front passes the answer on: ${name}`,
  send: (mesh) => mesh.send("isthmus-gateway", `/front/${how}?url=${encodeURIComponent(`http://victim:9080${answerPath(query)}`)}`),
  expect: { status: 502, reason },
  after: (_mesh, response, body) => nothingRelayed(response, body),
});

const relayCases: HostileCase[] = [
  viaGateway("a plain 200 with a Set-Cookie and a body", "status=200", "answer_missing"),
  viaGateway("a redirect to elsewhere with a Set-Cookie", "status=302&header=location:https://evil.relay.example/", "answer_missing"),
  viaGateway("a 204 that only sets a cookie", "status=204", "answer_missing"),
  viaGateway("a 200 claiming to be a mesh error", "status=200&error=unauthenticated", "answer_missing"),
  viaGateway("a 403 posing as the mesh's authz_denied", "status=403&error=authz_denied&reason=denied_by_policy:default/x", "answer_unauthenticated"),
  viaGateway("a 401 posing as the callee refusing the caller", "status=401&error=unauthenticated&reason=revoked", "answer_unauthenticated"),
  viaGateway("a 503 posing as identity_unavailable", "status=503&error=identity_unavailable", "answer_unauthenticated"),
  viaGateway("a 400 posing as path_invalid", "status=400&error=path_invalid", "answer_unauthenticated"),
  viaGateway("a 429 posing as rate_limited, with Retry-After", "status=429&error=rate_limited&header=retry-after:1", "answer_unauthenticated"),
  viaGateway("a 502 posing as the caller's own peer_identity_mismatch", "status=502&error=peer_identity_mismatch&reason=answer_missing", "answer_unauthenticated"),
  viaGateway("a mesh error code carrying markup", `status=403&error=${encodeURIComponent("<script>x</script>")}`, "answer_unauthenticated"),
  viaGateway("several Set-Cookies on a claimed 401", "status=401&error=unauthenticated&header=set-cookie:admin=1&header=set-cookie:role=root", "answer_unauthenticated"),
  viaGateway("an answer SVID without a proof", "status=200&svid=1", "answer_missing"),
  viaGateway("an answer proof without an SVID", "status=200&proof=sig.v1.AAAA", "answer_missing"),
  viaGateway("a claimed 403 with an answer SVID but no proof", "status=403&error=authz_denied&svid=1", "answer_unauthenticated"),
  viaGateway("an unsigned answer SVID with a proof", "status=200&svid=1&proof=sig.v1.AAAA", "answer_alg_not_allowed"),
  viaGateway("the caller's own SVID echoed back as the answer", "status=200&svid=copy&proof=sig.v1.AAAA", "answer_wrong_audience"),
  viaGateway("the caller's own SVID echoed back with a MAC proof and a garbage attestation", "status=200&svid=copy&proof=mac.v1.AAAA&key=1", "answer_wrong_audience"),
  viaGateway("a POST answered with a claimed 401", "status=401&error=unauthenticated", "answer_unauthenticated", { method: "POST", headers: { "content-type": "text/plain" }, body: "hello" }),
  viaFront("a plain 200 with a Set-Cookie", "relay", "status=200", "answer_missing"),
  viaFront("a 403 posing as the mesh's refusal", "relay", "status=403&error=authz_denied", "answer_unauthenticated"),
  viaFront("a plain 200 with a Set-Cookie", "relay-global", "status=200", "answer_missing"),
  viaFront("a 401 posing as the mesh's refusal", "relay-global", "status=401&error=unauthenticated", "answer_unauthenticated"),
];

// ---- 6: trust material --------------------------------------------------------------------

/** A JWT naming `iss` with a signature nobody can check until the JWKS is fetched. */
function unverifiable(iss: string, kid = "relay-kid"): string {
  const header = base64urlEncode(JSON.stringify({ alg: "ES256", kid, typ: "JWT" }));
  const payload = base64urlEncode(JSON.stringify({ iss, sub: "mallory", exp: Math.floor(Date.now() / 1000) + 600 }));
  return `${header}.${payload}.${base64urlEncode("not-a-signature")}`;
}

const jwksCase = (name: string, path: string, headers: Record<string, string>): HostileCase => ({
  class: "trust-material",
  name: `JWKS fetch fails, the client learns neither the URI nor why: ${name}`,
  send: (mesh) => mesh.send("isthmus-gateway", path, { host: "jwks.relay.example", headers }),
  expect: { status: 401, reason: "jwks_unavailable" },
  handler: "target-v1",
  after(_mesh, _response, body) {
    for (const leak of [JWKS_SECRET, "127.0.0.1", "tenant-42", "jwks.json", "ECONNREFUSED", "connect"]) expect(body).not.toContain(leak);
  },
});

const oidcCase = (name: string, headers: Record<string, string>): HostileCase => ({
  class: "trust-material",
  name: `OIDC discovery never takes its issuer from the request: ${name}`,
  send: (mesh) => mesh.control("/.well-known/openid-configuration", { headers: { authorization: "", ...headers } }),
  // The test control plane has no ISTHMUS_PUBLIC_URL: discovery is refused, not made up from the Host.
  expect: { status: 404, reason: "oidc_not_configured" },
  after(_mesh, _response, body) {
    expect(body).not.toContain("evil");
    expect(body).not.toContain("control.test");
  },
});

const trustCases: HostileCase[] = [
  jwksCase("Authorization: Bearer, issuer 1", "/relay/jwks", { authorization: `Bearer ${unverifiable("https://relay-idp-1.relay.example")}` }),
  jwksCase("issuer 1, another kid", "/relay/jwks", { authorization: `Bearer ${unverifiable("https://relay-idp-1.relay.example", "rotated")}` }),
  jwksCase("fromHeaders, issuer 2", "/relay/jwks", { "x-relay-token": unverifiable("https://relay-idp-2.relay.example") }),
  jwksCase("fromParams, issuer 2", `/relay/jwks?relay_token=${unverifiable("https://relay-idp-2.relay.example")}`, {}),
  oidcCase("a hostile Host", { host: "evil.relay.example" }),
  oidcCase("X-Forwarded-Host and X-Forwarded-Proto", { "x-forwarded-host": "evil.relay.example", "x-forwarded-proto": "https" }),
  oidcCase("Forwarded", { forwarded: "host=evil.relay.example;proto=https" }),
];

// ---- 8: identity headers straight at a meshed Worker, around the gateway ------------------

const bypass = (name: string, worker: "target-v1" | "other-v1", headers: (mesh: SecurityMesh) => Promise<Record<string, string>>, reason: string): HostileCase => ({
  class: "bypass",
  name: `straight to ${worker}, around the gateway: ${name}`,
  send: async (mesh) => mesh.send(worker, "/relay-bypass", { host: `${worker}.relay.example`, headers: await headers(mesh) }),
  expect: { status: 401, reason },
  handler: worker,
});

const bypassCases: HostileCase[] = [
  bypass("the standalone sidecar's peer header naming the gateway", "target-v1", async () => ({ "x-isthmus-peer": spiffe("istio-ingressgateway-service-account", "istio-system") }), "no_identity"),
  bypass("x-spiffe-id and x-forwarded-client-cert", "target-v1", async () => ({ "x-spiffe-id": spiffe("front"), "x-forwarded-client-cert": `By=${spiffe("target")};URI=${spiffe("front")}` }), "no_identity"),
  bypass("an answer SVID presented as a request header", "other-v1", async (mesh) => ({ "x-isthmus-peer-svid": await mesh.svid(spiffe("other")) }), "no_identity"),
  bypass("a real SVID meant for another workload", "other-v1", async (mesh) => ({ "x-isthmus-svid": await mesh.svid(spiffe("target")) }), "wrong_audience"),
];

// ---- 10: concurrent requests stay apart ---------------------------------------------------

const concurrencyCases: HostileCase[] = [
  {
    class: "concurrency",
    name: "20 impostor answers at once through the gateway: each refused, no cookie or body leaks into any",
    async send(mesh) {
      const all = await Promise.all(Array.from({ length: 20 }, (_, i) => mesh.send("isthmus-gateway", `/victim${answerPath(i % 2 ? "status=200" : "status=401&error=unauthenticated")}`)));
      for (const response of all.slice(1)) nothingRelayed(response, await response.text());
      return all[0]!;
    },
    expect: { status: 502, reason: "answer_unauthenticated" },
    after: (_mesh, response, body) => nothingRelayed(response, body),
  },
  {
    class: "concurrency",
    name: "an impostor answer relayed by plain fetch while front serves honest requests at once: only it is refused, each honest call gets its own answer",
    async send(mesh) {
      const hostile = mesh.send("isthmus-gateway", `/front/relay-global?url=${encodeURIComponent(`http://victim:9080${answerPath("status=200")}`)}`);
      const honest = await Promise.all(
        Array.from({ length: 6 }, (_, i) => mesh.send("isthmus-gateway", `/front/relay-global?url=${encodeURIComponent(`http://other:9080/relay-honest-${i}`)}`)),
      );
      for (const [i, response] of honest.entries()) {
        expect(response.status).toBe(200);
        const body = (await response.json()) as { service: string; path: string; peer: { principal?: string } };
        expect(body).toMatchObject({ service: "other", path: `/relay-honest-${i}`, peer: { principal: spiffe("front") } });
      }
      return hostile;
    },
    expect: { status: 502, reason: "answer_missing" },
    after: (_mesh, response, body) => nothingRelayed(response, body),
  },
];

export default { config, cases: [...relayCases, ...trustCases, ...bypassCases, ...concurrencyCases] } satisfies HostileClass;
