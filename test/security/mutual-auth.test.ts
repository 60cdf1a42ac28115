// Mutual authentication through real Workers: the bad-input matrix against a STRICT
// workload (each case refused with its reason code, the handler never invoked), mutual
// answers detecting an impostor behind a binding, proof-of-possession replay, spoofed
// identity headers from outside, and the verified caller as the handler sees it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { base64urlEncode } from "../../identity/base64url.ts";
import { generateAgreementKey, pairKey, verifyAttestation } from "../../dataplane/security/key-agreement.ts";
import { checkMacResponseProof, macRequestProof } from "../../dataplane/security/pair-proofs.ts";
import { proofRequest } from "../../dataplane/security/proof-request.ts";
import { requestProof } from "../../dataplane/security/proofs.ts";
import { sessionTags } from "../../dataplane/security/session.ts";
import { generateWorkloadKey, signProof } from "../../dataplane/security/workload-key.ts";
import { BASE_CONFIG } from "./config.ts";
import { spiffe, startSecurityMesh, type SecurityMesh } from "./mesh.ts";
import { PeerKeys } from "../../dataplane/security/peer-keys.ts";

// One isolate's caches of peer keys (imported keys, attestations, pair keys).
const keys = new PeerKeys();
const REFRESH_MS = 300;
let mesh: SecurityMesh;
const TARGET = spiffe("target");
const GATEWAY_ID = spiffe("istio-ingressgateway-service-account", "istio-system");

beforeAll(async () => {
  mesh = await startSecurityMesh({ refreshMs: REFRESH_MS });
  const version = await mesh.apply(BASE_CONFIG);
  await mesh.settle("isthmus-gateway", version);
  await mesh.settle("target-v1", version);
});
afterAll(() => mesh?.dispose());

async function json(response: Response): Promise<any> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`not JSON (${response.status}): ${text}`);
  }
}

/** Straight to target as the test client (a valid JWT-SVID from the real CA). */
async function asClient(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return mesh.send("target-v1", path, { headers: { "x-isthmus-svid": await mesh.svid(TARGET), ...headers } });
}

async function invocations(): Promise<number> {
  const response = await asClient("/invocations");
  expect(response.status).toBe(200);
  return (await json(response)).invocations;
}

function claims(over: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { sub: spiffe("test-client"), aud: TARGET, iat: now, exp: now + 300, jti: crypto.randomUUID(), ...over };
}

function withPayload(token: string, payload: Record<string, unknown>): string {
  const [header, , signature] = token.split(".");
  return `${header}.${base64urlEncode(JSON.stringify(payload))}.${signature}`;
}

function payloadOf(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString());
}

/** A test client isolate: a workload key, its attested ECDH key, and a JWT-SVID for target confirming the workload key. */
async function pairClient(sa = "test-client", ttlSeconds?: number) {
  const workload = await generateWorkloadKey();
  const agreement = await generateAgreementKey(workload);
  const svid = await mesh.svid(TARGET, { sa, publicKey: workload.publicJwk, ttlSeconds });
  return { workload, agreement, svid, jti: payloadOf(svid).jti as string, spiffeId: spiffe(sa) };
}

/**
 * Sends `path` to target with the client's SVID, attestation and a nonce (and `extra`); checks
 * the MAC answer as a mesh caller would and returns the pair key it derived.
 */
async function exchange(client: Awaited<ReturnType<typeof pairClient>>, path: string, extra: Record<string, string> = {}) {
  const nonce = crypto.randomUUID();
  const response = await mesh.send("target-v1", path, { headers: { "x-isthmus-svid": client.svid, "x-isthmus-key": client.agreement.attestation, "x-isthmus-nonce": nonce, ...extra } });
  expect(response.status, await response.clone().text()).toBe(200);
  const proof = response.headers.get("x-isthmus-peer-proof")!;
  expect(proof.startsWith("mac.")).toBe(true);
  const answerSvid = payloadOf(response.headers.get("x-isthmus-peer-svid")!);
  expect(answerSvid.sub).toBe(TARGET);
  const calleeKey = await verifyAttestation(response.headers.get("x-isthmus-peer-key")!, answerSvid.cnf.jkt, keys);
  const key = await pairKey(client.agreement, calleeKey, { caller: client.spiffeId, callee: TARGET }, "caller", keys);
  await checkMacResponseProof(proof, { jti: client.jti, method: "GET", path, nonce }, key);
  await expect(checkMacResponseProof(proof, { jti: client.jti, method: "GET", path, nonce: "another" }, key)).rejects.toThrow(/MAC/);
  return { key, calleeKid: calleeKey.kid, body: await json(response) };
}

async function hmac(secret: string, input: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return base64urlEncode(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(input)));
}

describe("mutual authentication through Workers", () => {
  it("gateway -> target: the caller is verified, the handler reads it from the context, credentials never reach it", async () => {
    const response = await mesh.send("isthmus-gateway", "/whoami");
    const body = await json(response);
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(body.peer).toMatchObject({ principal: GATEWAY_ID, namespace: "istio-system", serviceAccount: "istio-ingressgateway-service-account" });
    for (const name of ["x-isthmus-svid", "x-isthmus-nonce", "x-isthmus-proof"]) expect(body.headers[name]).toBeUndefined();
    // The caller consumed the callee's answer.
    expect(response.headers.get("x-isthmus-peer-svid")).toBeNull();
    // Again, now within the session: the same, and neither session header shows.
    const again = await mesh.send("isthmus-gateway", "/whoami");
    const againBody = await json(again);
    expect(againBody.peer.principal).toBe(GATEWAY_ID);
    expect(againBody.headers["x-isthmus-session"]).toBeUndefined();
    expect(again.headers.get("x-isthmus-peer-session")).toBeNull();
  });

  it("service -> service: front calls target through env.MESH, target sees front", async () => {
    const body = await json(await mesh.send("isthmus-gateway", "/front/call?url=http://target:9080/whoami"));
    expect(body.status, JSON.stringify(body)).toBe(200);
    expect(JSON.parse(body.body).peer.principal).toBe(spiffe("front"));
  });

  it("a callee impersonated behind a wrong binding is detected by the caller (502 peer_identity_mismatch, UPE)", async () => {
    const response = await mesh.send("isthmus-gateway", "/victim/secret");
    const body = await json(response);
    expect(response.status).toBe(502);
    expect(body.error).toMatchObject({ code: "peer_identity_mismatch", reason: "answer_missing", flags: "UPE" });
    const viaFront = await json(await mesh.send("isthmus-gateway", "/front/call?url=http://victim:9080/secret"));
    expect(viaFront).toMatchObject({ status: 502, error: "peer_identity_mismatch" });
  });

  it("refuses every case of the bad-input matrix with its reason, and the handler never runs", async () => {
    const before = await invocations();
    const realForTarget = await mesh.svid(TARGET);
    const realForFront = await mesh.svid(spiffe("front"));
    const [realHeader, realPayload] = realForTarget.split(".");
    const kid = JSON.parse(Buffer.from(realHeader!, "base64url").toString()).kid;
    const bundle = await json(await mesh.control("/v1/trust-bundle"));
    const publicJwk = JSON.stringify(bundle.keys.find((k: { kid?: string }) => k.kid === kid));
    const hsHeader = base64urlEncode(JSON.stringify({ alg: "HS256", kid, typ: "JWT" }));
    const noneHeader = base64urlEncode(JSON.stringify({ alg: "none", kid, typ: "JWT" }));
    const revokedToken = await mesh.svid(TARGET, { sa: "revokee" });
    expect((await mesh.send("target-v1", "/as-revokee", { headers: { "x-isthmus-svid": revokedToken } })).status).toBe(200);
    const revoke = await mesh.control("/v1/identities/default/revokee/revoke", { method: "POST" });
    expect(revoke.status, await revoke.text()).toBeLessThan(300);
    const afterRevoke = ((await (await mesh.control("/v1/snapshot")).json()) as { version: number }).version;
    await mesh.settle("target-v1", afterRevoke);
    const counted = await invocations();

    const cases: { name: string; headers: Record<string, string>; reason: string }[] = [
      { name: "no token", headers: {}, reason: "no_identity" },
      { name: "expired", headers: { "x-isthmus-svid": await mesh.mint(claims({ exp: Math.floor(Date.now() / 1000) - 3600 })) }, reason: "expired" },
      { name: "not yet valid", headers: { "x-isthmus-svid": await mesh.mint(claims({ nbf: Math.floor(Date.now() / 1000) + 3600 })) }, reason: "not_yet_valid" },
      { name: "wrong audience (token for front replayed to target)", headers: { "x-isthmus-svid": realForFront }, reason: "wrong_audience" },
      { name: "foreign trust domain", headers: { "x-isthmus-svid": await mesh.mint(claims({ sub: "spiffe://evil.example/ns/default/sa/front" })) }, reason: "foreign_trust_domain" },
      { name: "unknown kid", headers: { "x-isthmus-svid": await mesh.mint(claims(), { alg: "ES256", kid: "no-such-key", typ: "JWT" }) }, reason: "unknown_kid" },
      {
        name: "tampered payload",
        headers: { "x-isthmus-svid": withPayload(realForTarget, { ...JSON.parse(Buffer.from(realPayload!, "base64url").toString()), sub: spiffe("admin") }) },
        reason: "bad_signature",
      },
      { name: "alg none", headers: { "x-isthmus-svid": `${noneHeader}.${realPayload}.` }, reason: "alg_not_allowed" },
      { name: "HS256 with the public key as secret", headers: { "x-isthmus-svid": `${hsHeader}.${realPayload}.${await hmac(publicJwk, `${hsHeader}.${realPayload}`)}` }, reason: "alg_not_allowed" },
      { name: "revoked identity", headers: { "x-isthmus-svid": revokedToken }, reason: "revoked" },
      { name: "spoofed peer header without a token", headers: { "x-isthmus-peer": spiffe("admin"), "x-spiffe-id": spiffe("admin") }, reason: "no_identity" },
      { name: "oversized identity header", headers: { "x-isthmus-svid": "a".repeat(9000) }, reason: "oversized_credential" },
      { name: "garbage token", headers: { "x-isthmus-svid": "not.a.jwt" }, reason: "malformed" },
    ];
    const outcomes: string[] = [];
    for (const c of cases) {
      const response = await mesh.send("target-v1", "/secret", { headers: c.headers });
      const body = await json(response);
      outcomes.push(`${c.name}: ${response.status} ${body.error?.reason}`);
      expect(response.status, c.name).toBe(401);
      expect(response.headers.get("x-isthmus-error"), c.name).toBe("unauthenticated");
      expect(body.error.reason, c.name).toBe(c.reason);
      expect(body.error.flags, c.name).toBe("UAEX");
    }
    const after = await invocations();
    // Only the two /invocations reads ran the handler.
    expect(after).toBe(counted + 1);
    expect(counted).toBe(before + 2);
    console.log(`bad-input matrix: ${cases.length} cases refused with their reason codes, handler invoked 0 times\n  ${outcomes.join("\n  ")}`);
  });

  it("strips identity headers spoofed from outside at the gateway, which re-originates identity as itself", async () => {
    const response = await mesh.send("isthmus-gateway", "/spoof", {
      headers: { "x-isthmus-svid": await mesh.svid(TARGET), "x-isthmus-peer": spiffe("admin"), "x-spiffe-id": spiffe("admin"), "x-forwarded-client-cert": "By=spiffe://x" },
    });
    const body = await json(response);
    expect(response.status).toBe(200);
    expect(body.peer.principal).toBe(GATEWAY_ID);
    expect(body.headers["x-isthmus-peer"]).toBeUndefined();
    expect(body.headers["x-spiffe-id"]).toBeUndefined();
    expect(body.headers["x-forwarded-client-cert"]).toBeUndefined();
  });
});

describe("pair keys (asymmetric once per pair of isolates, a MAC per request)", () => {
  it("a caller that sends its key attestation gets an answer MAC it can check with the pair key", async () => {
    const client = await pairClient();
    const first = await exchange(client, "/pair/one");
    expect(first.body.peer.principal).toBe(spiffe("test-client"));
    expect(first.body.headers["x-isthmus-key"]).toBeUndefined();
    const second = await exchange(client, "/pair/two");
    expect(second.calleeKid).toBe(first.calleeKid);
  });

  it("refuses a tampered attestation, one signed by another key, and garbage, before the handler runs", async () => {
    const before = await invocations();
    const client = await pairClient();
    const intruder = await generateWorkloadKey();
    const [header, , signature] = client.agreement.attestation.split(".");
    const swappedKey = (await generateAgreementKey(intruder)).publicJwk;
    const cases: { name: string; attestation: string; reason: string }[] = [
      { name: "tampered", attestation: `${header}.${base64urlEncode(JSON.stringify({ ecdh: swappedKey, iat: 1 }))}.${signature}`, reason: "attestation_bad_signature" },
      { name: "signed by another key", attestation: (await generateAgreementKey(intruder)).attestation, reason: "attestation_key_mismatch" },
      { name: "signed by another key with the SVID key in its header", attestation: await forgedHeader(client.workload.publicJwk, intruder, swappedKey), reason: "attestation_bad_signature" },
      { name: "garbage", attestation: "not.an.attestation", reason: "attestation_malformed" },
    ];
    for (const c of cases) {
      const response = await mesh.send("target-v1", "/pair/secret", { headers: { "x-isthmus-svid": client.svid, "x-isthmus-key": c.attestation, "x-isthmus-nonce": "n" } });
      const body = await json(response);
      expect(response.status, c.name).toBe(401);
      expect(body.error.reason, c.name).toBe(c.reason);
    }
    // Only the /invocations reads ran the handler.
    expect(await invocations()).toBe(before + 1);
  });
});

/** An attestation whose header names `claimed` but which `signer` signed. */
async function forgedHeader(claimed: unknown, signer: Awaited<ReturnType<typeof generateWorkloadKey>>, ecdh: unknown): Promise<string> {
  const real = await signProof(signer, "isthmus-key+jwt", { ecdh, iat: 1 });
  const [, payload, signature] = real.split(".");
  return `${base64urlEncode(JSON.stringify({ alg: "ES256", typ: "isthmus-key+jwt", jwk: claimed }))}.${payload}.${signature}`;
}

describe("sessions (bearer mode, over a service binding)", () => {
  const TAPPED = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: tapped }
spec:
  hosts: [tapped]
  location: MESH_INTERNAL
  ports: [{ number: 9080, name: http, protocol: HTTP }]
  resolution: STATIC
  endpoints:
  - { address: "worker://tap", labels: { app: target, version: v1 }, serviceAccount: target }
---
apiVersion: networking.istio.io/v1
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
  - match: [{ uri: { prefix: /tapped/ } }]
    rewrite: { uri: / }
    route: [{ destination: { host: tapped } }]
  - route: [{ destination: { host: target } }]
`;
  beforeAll(async () => {
    const version = await mesh.apply(TAPPED);
    for (const worker of ["isthmus-gateway", "front-v1"]) await mesh.settle(worker, version);
  });

  /** A session header for `client` after one full exchange with target, and the tag target answers with. */
  async function session(client: Awaited<ReturnType<typeof pairClient>>) {
    const { key } = await exchange(client, "/session/open");
    const tags = await sessionTags(key);
    return { header: `${tags.id}.${tags.callerTag}`, tags };
  }
  const withSession = (header: string) => mesh.send("target-v1", "/session/secret", { headers: { "x-isthmus-session": header } });

  it("after one full exchange a mesh caller sends only the session header; a request with a body carries the full credentials beside it", async () => {
    await mesh.send("tap", "/__tap");
    const sent: { method?: string; body?: string }[] = [{}, {}, { method: "POST", body: "amount=1" }, {}];
    for (const [i, init] of sent.entries()) {
      const response = await mesh.send("isthmus-gateway", `/tapped/session/${i}`, init);
      const body = await json(response);
      expect(response.status, JSON.stringify(body)).toBe(200);
      expect(body.peer.principal).toBe(GATEWAY_ID);
      expect(Object.keys(body.headers).filter((name) => name.startsWith("x-isthmus-") && name !== "x-isthmus-source-workload")).toEqual([]);
      for (const name of ["x-isthmus-peer-session", "x-isthmus-peer-svid", "x-isthmus-peer-proof", "x-isthmus-peer-key"]) expect(response.headers.get(name), name).toBeNull();
    }
    const seen = (await json(await mesh.send("tap", "/__tap"))) as string[][];
    const full = ["x-isthmus-key", "x-isthmus-nonce", "x-isthmus-svid"];
    expect(seen).toHaveLength(4);
    expect(seen[0]).toEqual(expect.arrayContaining(full));
    expect(seen[0]).not.toContain("x-isthmus-session");
    for (const i of [1, 3]) {
      expect(seen[i], `request ${i}`).toContain("x-isthmus-session");
      for (const name of [...full, "x-isthmus-proof"]) expect(seen[i], `request ${i}`).not.toContain(name);
    }
    expect(seen[2]).toEqual(expect.arrayContaining([...full, "x-isthmus-session"]));
  });

  it("the callee accepts its session without an SVID and answers with its tag; forged, unknown and malformed sessions are refused and the handler never runs", async () => {
    const client = await pairClient();
    const { header, tags } = await session(client);
    const accepted = await withSession(header);
    const body = await json(accepted);
    expect(accepted.status, JSON.stringify(body)).toBe(200);
    expect(body.peer.principal).toBe(spiffe("test-client"));
    expect(body.headers["x-isthmus-session"]).toBeUndefined();
    expect(accepted.headers.get("x-isthmus-peer-session")).toBe(tags.calleeTag);

    const before = await invocations();
    const other = await session(await pairClient());
    const cases: [string, string, string][] = [
      ["the callee's tag played back", `${tags.id}.${tags.calleeTag}`, "session_mismatch"],
      ["another client's tag on this session", `${tags.id}.${other.tags.callerTag}`, "session_mismatch"],
      ["an id nobody opened", `AAAAAAAAAAAAAAAAAAAAAA.${tags.callerTag}`, "session_unknown"],
      ["garbage", "garbage", "session_malformed"],
      ["oversized", `${tags.id}.${"A".repeat(300)}`, "session_malformed"],
    ];
    for (const [name, value, reason] of cases) {
      const response = await withSession(value);
      const refused = await json(response);
      expect(response.status, name).toBe(401);
      expect(refused.error, name).toMatchObject({ code: "unauthenticated", reason, flags: "UAEX" });
      expect(response.headers.get("x-isthmus-peer-session"), name).toBeNull();
    }
    // Only the /invocations reads ran the handler (the other client's exchange ran it once).
    expect(await invocations()).toBe(before + 2);
  });

  it("an impostor behind a binding never completes the exchange, so it never gets a session", async () => {
    for (let i = 0; i < 3; i++) {
      const body = await json(await mesh.send("isthmus-gateway", `/victim/again/${i}`));
      expect(body.error).toMatchObject({ code: "peer_identity_mismatch", reason: "answer_missing" });
    }
  });

  it("a caller whose session the callee isolate does not hold makes the full exchange again (two isolates behind one binding)", async () => {
    const version = await mesh.apply(`apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: twin }
spec:
  hosts: [twin]
  location: MESH_INTERNAL
  ports: [{ number: 9080, name: http, protocol: HTTP }]
  resolution: STATIC
  endpoints:
  - { address: "worker://twin", labels: { app: twin, version: v1 } }
`);
    for (const worker of ["isthmus-gateway", "front-v1", "twin-v1", "twin-v2"]) await mesh.settle(worker, version);
    const seen = mesh.logs.length;
    for (let i = 0; i < 6; i++) {
      const body = await json(await mesh.send("isthmus-gateway", `/front/call?url=http://twin:9080/session-round/${i}`));
      expect(body.status, JSON.stringify(body)).toBe(200);
      expect(JSON.parse(body.body).peer.principal).toBe(spiffe("front"));
    }
    expect(mesh.logs.slice(seen).filter((line) => line.includes('"reason":"session_unknown"')).length).toBeGreaterThan(0);
  });

  it("revoking the caller ends its session within a snapshot refresh", async () => {
    const client = await pairClient("session-revokee");
    const { header } = await session(client);
    expect((await withSession(header)).status).toBe(200);
    const revoke = await mesh.control("/v1/identities/default/session-revokee/revoke", { method: "POST" });
    expect(revoke.status, await revoke.text()).toBeLessThan(300);
    const version = ((await (await mesh.control("/v1/snapshot")).json()) as { version: number }).version;
    await mesh.settle("target-v1", version);
    const refused = await withSession(header);
    expect(refused.status).toBe(401);
    expect((await json(refused)).error.reason).toBe("revoked");
  });

  it("a session ends when the earlier of the two JWT-SVIDs it was made from expires", async () => {
    // The shortest JWT-SVID the CA issues: 10 s.
    const shortLived = await pairClient("session-short", 10);
    const { header } = await session(shortLived);
    expect((await withSession(header)).status).toBe(200);
    const expiresAtMs = (payloadOf(shortLived.svid).exp as number) * 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAtMs - Date.now()) + 50));
    const expired = await withSession(header);
    expect(expired.status).toBe(401);
    expect((await json(expired)).error.reason).toBe("session_expired");
  }, 20_000);
});

describe("proof-of-possession mode", () => {
  const POP = `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: target-pop
  annotations: { "isthmus.io/proof-of-possession": "true" }
spec:
  selector: { matchLabels: { app: target } }
  mtls: { mode: STRICT }
`;
  beforeAll(async () => {
    const version = await mesh.apply(POP);
    await mesh.settle("target-v1", version);
    await mesh.settle("isthmus-gateway", version);
  });
  afterAll(async () => {
    const version = await mesh.remove("default/peerauthentications/target-pop");
    await mesh.settle("target-v1", version);
  });

  it("mesh callers send proofs on their own: gateway -> target still works", async () => {
    const response = await mesh.send("isthmus-gateway", "/pop/ok");
    expect(response.status, await response.clone().text()).toBe(200);
  });

  it("refuses a bearer-only SVID, accepts a fresh proof once and refuses its replay", async () => {
    const before = await invocations().catch(() => null);
    expect(before).toBeNull(); // /invocations as a bearer is itself refused now
    const key = await generateWorkloadKey();
    const svid = await mesh.svid(TARGET, { publicKey: key.publicJwk });
    const bearer = await json(await mesh.send("target-v1", "/pop/secret", { headers: { "x-isthmus-svid": svid } }));
    expect(bearer.error.reason).toBe("proof_missing");
    const proof = await requestProof(key, new Request("http://mesh.test:8080/pop/secret"), svid);
    const first = await mesh.send("target-v1", "/pop/secret", { headers: { "x-isthmus-svid": svid, "x-isthmus-proof": proof } });
    expect(first.status, await first.clone().text()).toBe(200);
    const replay = await mesh.send("target-v1", "/pop/secret", { headers: { "x-isthmus-svid": svid, "x-isthmus-proof": proof } });
    expect(replay.status).toBe(401);
    expect((await json(replay)).error.reason).toBe("proof_replayed");
    const otherPath = await requestProof(key, new Request("http://mesh.test:8080/pop/other"), svid);
    const moved = await mesh.send("target-v1", "/pop/secret", { headers: { "x-isthmus-svid": svid, "x-isthmus-proof": otherPath } });
    expect((await json(moved)).error.reason).toBe("proof_request_mismatch");
    const stolen = await mesh.svid(TARGET, { publicKey: (await generateWorkloadKey()).publicJwk });
    const wrongKey = await mesh.send("target-v1", "/pop/secret", { headers: { "x-isthmus-svid": stolen, "x-isthmus-proof": await requestProof(key, new Request("http://mesh.test:8080/pop/secret"), stolen) } });
    expect((await json(wrongKey)).error.reason).toBe("proof_key_mismatch");
  });

  it("after one signed proof, a MAC proof with the pair key is accepted once; replays, other paths, queries and hosts, other keys and missing attestations are refused", async () => {
    const client = await pairClient();
    const signed = await requestProof(client.workload, new Request("http://mesh.test:8080/pop/first"), client.svid);
    const { key, calleeKid } = await exchange(client, "/pop/first", { "x-isthmus-proof": signed });
    const withMac = async (path: string, proof: string, attestation: string | null = client.agreement.attestation) => {
      const headers: Record<string, string> = { "x-isthmus-svid": client.svid, "x-isthmus-proof": proof };
      if (attestation) headers["x-isthmus-key"] = attestation;
      return mesh.send("target-v1", path, { headers });
    };
    const proof = await macRequestProof({ key, calleeKid }, new Request("http://mesh.test:8080/pop/mac"), client.jti);
    const first = await withMac("/pop/mac", proof);
    expect(first.status, await first.clone().text()).toBe(200);
    expect((await json(first)).peer.principal).toBe(spiffe("test-client"));
    const refusals: [string, Response][] = [
      ["proof_replayed", await withMac("/pop/mac", proof)],
      ["proof_mac_mismatch", await withMac("/pop/elsewhere", await macRequestProof({ key, calleeKid }, new Request("http://mesh.test:8080/pop/mac"), client.jti))],
      ["proof_mac_mismatch", await withMac("/pop/mac?admin=1", await macRequestProof({ key, calleeKid }, new Request("http://mesh.test:8080/pop/mac"), client.jti))],
      ["proof_mac_mismatch", await withMac("/pop/mac", await macRequestProof({ key, calleeKid }, new Request("http://target/pop/mac"), client.jti))],
      ["attestation_missing", await withMac("/pop/mac", await macRequestProof({ key, calleeKid }, new Request("http://mesh.test:8080/pop/mac"), client.jti), null)],
      ["proof_pair_unknown", await withMac("/pop/mac", await macRequestProof({ key, calleeKid: "another-isolate" }, new Request("http://mesh.test:8080/pop/mac"), client.jti))],
    ];
    // Another client's pair key, with this client's SVID and attestation: not the pair key target derives.
    const other = await pairClient();
    const otherPair = await exchange(other, "/pop/other", { "x-isthmus-proof": await requestProof(other.workload, new Request("http://mesh.test:8080/pop/other"), other.svid) });
    refusals.push(["proof_mac_mismatch", await withMac("/pop/mac", await macRequestProof(otherPair, new Request("http://mesh.test:8080/pop/mac"), client.jti))]);
    for (const [reason, response] of refusals) {
      expect(response.status, reason).toBe(401);
      expect((await json(response)).error.reason).toBe(reason);
    }
  });

  it("binds host and query, and the body where isthmus.io/pop-body-digest asks: mesh callers comply, a proof moved to another body is refused", async () => {
    const version = await mesh.apply(POP.replace('"isthmus.io/proof-of-possession": "true"', '"isthmus.io/proof-of-possession": "true", "isthmus.io/pop-body-digest": "true"'));
    await mesh.settle("target-v1", version);
    await mesh.settle("isthmus-gateway", version);
    const viaGateway = await mesh.send("isthmus-gateway", "/pop/pay?to=alice", { method: "POST", body: "amount=1", host: "Mesh.Test.:8080" });
    expect(viaGateway.status, await viaGateway.clone().text()).toBe(200);
    const key = await generateWorkloadKey();
    const svid = await mesh.svid(TARGET, { publicKey: key.publicJwk });
    const proven = new Request("http://mesh.test:8080/pop/pay?to=alice", { method: "POST", body: "amount=1" });
    const proof = async () => requestProof(key, await proofRequest(proven.clone(), { bodyDigest: true }), svid);
    const send = async (init: { body: string; host?: string; path?: string }) =>
      mesh.send("target-v1", init.path ?? "/pop/pay?to=alice", { method: "POST", body: init.body, host: init.host, headers: { "x-isthmus-svid": svid, "x-isthmus-proof": await proof() } });
    // The host in another spelling is the same host.
    const accepted = await send({ body: "amount=1", host: "MESH.test.:8080" });
    expect(accepted.status, await accepted.clone().text()).toBe(200);
    for (const moved of [{ body: "amount=1000" }, { body: "amount=1", path: "/pop/pay?to=mallory" }, { body: "amount=1", host: "other.test:8080" }]) {
      const refused = await send(moved);
      expect(refused.status, JSON.stringify(moved)).toBe(401);
      expect((await json(refused)).error.reason, JSON.stringify(moved)).toBe("proof_request_mismatch");
    }
  });

  it("a mesh caller whose pair key the callee isolate does not hold falls back to a signed proof (two isolates behind one binding)", async () => {
    const version = await mesh.apply(`apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: twin }
spec:
  hosts: [twin]
  location: MESH_INTERNAL
  ports: [{ number: 9080, name: http, protocol: HTTP }]
  resolution: STATIC
  endpoints:
  - { address: "worker://twin", labels: { app: twin, version: v1 } }
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: twin-pop
  annotations: { "isthmus.io/proof-of-possession": "true" }
spec:
  selector: { matchLabels: { app: twin } }
  mtls: { mode: STRICT }
`);
    for (const worker of ["isthmus-gateway", "front-v1", "twin-v1", "twin-v2"]) await mesh.settle(worker, version);
    const seen = mesh.logs.length;
    for (let i = 0; i < 6; i++) {
      const body = await json(await mesh.send("isthmus-gateway", `/front/call?url=http://twin:9080/round/${i}`));
      expect(body.status, JSON.stringify(body)).toBe(200);
      expect(JSON.parse(body.body).peer.principal).toBe(spiffe("front"));
    }
    // Each isolate refused a MAC proof made for the other's key at least once, and the caller recovered.
    expect(mesh.logs.slice(seen).filter((line) => line.includes('"reason":"proof_pair_unknown"')).length).toBeGreaterThan(0);
  });
});

describe("PeerAuthentication modes", () => {
  it("PERMISSIVE accepts a request without identity (marked none) but still refuses a bad token; DISABLE ignores tokens", async () => {
    let version = await mesh.apply(`apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: target-mode }
spec:
  selector: { matchLabels: { app: target } }
  mtls: { mode: PERMISSIVE }
`);
    await mesh.settle("target-v1", version);
    const plain = await mesh.send("target-v1", "/permissive");
    const plainBody = await json(plain);
    expect(plain.status).toBe(200);
    expect(plainBody.peer).toEqual({});
    const bad = await mesh.send("target-v1", "/permissive", { headers: { "x-isthmus-svid": "not.a.jwt" } });
    expect(bad.status).toBe(401);
    version = await mesh.apply(`apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: target-mode }
spec:
  selector: { matchLabels: { app: target } }
  mtls: { mode: DISABLE }
`);
    await mesh.settle("target-v1", version);
    await mesh.settle("isthmus-gateway", version);
    const ignored = await mesh.send("target-v1", "/disabled", { headers: { "x-isthmus-svid": "not.a.jwt" } });
    expect(ignored.status).toBe(200);
    // The gateway sees the callee is DISABLE and sends no identity (Istio's auto mTLS).
    const viaGateway = await json(await mesh.send("isthmus-gateway", "/disabled"));
    expect(viaGateway.peer).toEqual({});
    version = await mesh.remove("default/peerauthentications/target-mode");
    await mesh.settle("target-v1", version);
    await mesh.settle("isthmus-gateway", version);
    expect((await mesh.send("target-v1", "/strict-again")).status).toBe(401);
  });
});
