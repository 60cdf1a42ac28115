import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { calculateJwkThumbprint } from "jose";
import { createServer, request } from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { base64urlDecode } from "../../identity/base64url";
import { JwtSvidError, JwtSvidVerifier } from "../../identity/jwt-svid";
import { parseTrustBundle, x509AuthoritiesPem } from "../../identity/trust-bundle";
import { startCaMesh, type CaMesh } from "../../test/support/ca-mesh";
import { opensslCa, opensslCsr, opensslSign, opensslVerify, pemBlocks, scratchDir } from "../../test/support/openssl";

const TD = "example.org";
const REVIEWS = `spiffe://${TD}/ns/default/sa/reviews`;
const dir = scratchDir();
let mesh: CaMesh;
/** Every body the CA answered with, to check that no key material ever leaves it. */
const answers: string[] = [];

beforeAll(async () => {
  mesh = await startCaMesh("ca-main", { ISTHMUS_PUBLIC_URL: "https://mesh.example.org" });
});
afterAll(async () => {
  await mesh?.dispose();
});

async function call(path: string, init: RequestInit & { auth?: string | null; json?: unknown } = {}) {
  const { json, ...rest } = init;
  const res = await mesh.api(path, json === undefined ? rest : { method: "POST", ...rest, body: JSON.stringify(json), headers: { "content-type": "application/json" } });
  const text = await res.text();
  answers.push(text);
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body, headers: res.headers };
}

async function identity(serviceAccount: string, extra: Record<string, unknown> = {}) {
  const r = await call("/v1/identities", { json: { namespace: "default", serviceAccount, ...extra } });
  expect(r.status).toBe(201);
  return r.body as { spiffeId: string; joinToken: string };
}

async function csrFor(token: string, csrPem: string | Uint8Array, contentType = "application/pkcs10") {
  return call("/v1/svids/x509", { method: "POST", auth: token, body: csrPem, headers: { "content-type": contentType } });
}

async function bundle() {
  return parseTrustBundle((await call("/v1/trust-bundle", { auth: null })).body, TD);
}

describe("CA bootstrap and state", () => {
  it("bootstraps once and reports its state without key material", async () => {
    expect((await call("/v1/ca")).body).toMatchObject({ trustDomain: TD, bootstrapped: false });
    const first = await call("/v1/ca/bootstrap", { method: "POST" });
    expect(first.status).toBe(201);
    expect((await call("/v1/ca/bootstrap", { method: "POST" })).status).toBe(200);
    const ca = (await call("/v1/ca")).body;
    expect(ca).toMatchObject({ trustDomain: TD, bootstrapped: true, keyProtection: "generated-dev-key", bundleSequence: 2 });
    expect(ca.authorities).toHaveLength(1);
    expect(ca.authorities[0]).toMatchObject({ role: "root", source: "generated", state: "active", issuing: true });
    expect(ca.authorities[0].secondsToExpiry).toBeGreaterThan(9.9 * 365 * 86_400);
    expect(ca.jwtKeys).toHaveLength(1);
    expect(ca.findings.map((f: { code: string }) => f.code)).toEqual(["ca_wrapping_key_generated"]);
  });

  it("serves the SPIFFE bundle, JWKS and OIDC discovery without auth", async () => {
    const doc = (await call("/.well-known/spiffe-bundle", { auth: null })).body;
    expect(doc.spiffe_sequence).toBeGreaterThan(0);
    expect(doc.spiffe_refresh_hint).toBe(60);
    const x5 = doc.keys.filter((k: { use: string }) => k.use === "x509-svid");
    expect(x5).toHaveLength(1);
    expect(x5[0].kid).toBeUndefined();
    expect(x5[0].x5c).toHaveLength(1);
    const jw = doc.keys.filter((k: { use: string }) => k.use === "jwt-svid");
    expect(jw[0]).toMatchObject({ kty: "EC", crv: "P-256" });
    const jwks = (await call("/.well-known/jwks.json", { auth: null })).body;
    expect(jwks.keys).toEqual([{ ...jw[0], use: "sig", alg: "ES256" }]);
    // From ISTHMUS_PUBLIC_URL, never from the Host the request names.
    const oidc = (await call("/.well-known/openid-configuration", { auth: null, headers: { host: "evil.example", "x-forwarded-host": "evil.example" } })).body;
    expect(oidc).toMatchObject({ issuer: "https://mesh.example.org", jwks_uri: "https://mesh.example.org/.well-known/jwks.json" });
  });

  it("requires an admin token for identities and CA operations", async () => {
    expect((await call("/v1/identities", { auth: null, json: { namespace: "default", serviceAccount: "x" } })).status).toBe(401);
    expect((await call("/v1/ca/rotate", { auth: "nope", json: { what: "jwt" } })).status).toBe(401);
    expect((await call("/v1/ca", { auth: null })).status).toBe(401);
  });
});

describe("identities and join tokens", () => {
  it("creates an identity once, lists it without secrets, refuses bad names", async () => {
    const created = await identity("details");
    expect(created.spiffeId).toBe(`spiffe://${TD}/ns/default/sa/details`);
    expect(created.joinToken).toMatch(/^isthmus-jt\.[A-Za-z0-9_-]{43}$/);
    expect((await call("/v1/identities", { json: { namespace: "default", serviceAccount: "details" } })).status).toBe(409);
    const list = await call("/v1/identities");
    expect(list.body.items.find((i: { spiffeId: string }) => i.spiffeId === created.spiffeId)).toMatchObject({ activeJoinTokens: 1, revokedAt: null });
    expect(JSON.stringify(list.body)).not.toContain(created.joinToken);
    expect((await call("/v1/identities/default/details")).body.spiffeId).toBe(created.spiffeId);
    expect((await call("/v1/identities/default/nobody")).status).toBe(404);
    const bad = await call("/v1/identities", { json: { namespace: "..", serviceAccount: "x" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe("namespace");
    expect((await call("/v1/identities", { json: { namespace: "a", serviceAccount: "b", extra: 1 } })).status).toBe(400);
  });

  it("single-use tokens work once; expiring tokens stop; new tokens can be minted", async () => {
    const { joinToken } = await identity("once", { singleUse: true });
    const jwt = (t: string) => call("/v1/svids/jwt", { auth: t, json: { audience: REVIEWS } });
    expect((await jwt(joinToken)).status).toBe(200);
    const again = await jwt(joinToken);
    expect(again.status).toBe(401);
    expect(again.body.error.code).toBe("invalid_join_token");

    const minted = await call("/v1/identities/default/once/join-tokens", { method: "POST", json: { ttlSeconds: 1 } });
    expect(minted.status).toBe(201);
    expect((await jwt(minted.body.joinToken)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1200));
    expect((await jwt(minted.body.joinToken)).status).toBe(401);
    const plain = await call("/v1/identities/default/once/join-tokens", { method: "POST" });
    expect(plain.status).toBe(201);
    expect((await jwt(plain.body.joinToken)).status).toBe(200);
  });

  it("a CSR refused for cause does not burn a single-use token", async () => {
    const { joinToken } = await identity("once-x509", { singleUse: true });
    const garbage = await csrFor(joinToken, "not a csr");
    expect(garbage.status).toBe(400);
    const ok = await csrFor(joinToken, opensslCsr(dir, "once", { san: `URI:spiffe://${TD}/ns/default/sa/once-x509` }).csrPem);
    expect(ok.status).toBe(200);
  });

  it("revocation stops issuance at once and reaches verifiers through the bundle", async () => {
    const { joinToken, spiffeId } = await identity("ratings");
    const issued = await call("/v1/svids/jwt", { auth: joinToken, json: { audience: REVIEWS } });
    const verifier = new JwtSvidVerifier({ bundle: await bundle() });
    expect((await verifier.verify(issued.body.token, REVIEWS)).spiffeId).toBe(spiffeId);
    const seqBefore = (await bundle()).sequence;

    const revoked = await call("/v1/identities/default/ratings/revoke", { method: "POST" });
    expect(revoked.body.revokedAt).toBeTruthy();
    const refused = await call("/v1/svids/jwt", { auth: joinToken, json: { audience: REVIEWS } });
    expect([refused.status, refused.body.error.code]).toEqual([403, "identity_revoked"]);
    expect((await call("/v1/identities/default/ratings/join-tokens", { method: "POST" })).status).toBe(409);

    const after = await bundle();
    expect(after.revoked).toContain(spiffeId);
    expect(after.sequence).toBe(seqBefore + 1);
    expect((await call("/v1/ca")).body.revoked).toContain(spiffeId);
    verifier.setBundle(after);
    await expect(verifier.verify(issued.body.token, REVIEWS)).rejects.toMatchObject({ code: "revoked" });
    expect((await call("/v1/identities/default/ratings", { method: "DELETE" })).status).toBe(200);
  });

  it("puts revoked identities into the next config snapshot, for data planes that never fetch the bundle", async () => {
    const { spiffeId } = await identity("snapshot-revoked");
    const before = await call("/v1/snapshot");
    expect(before.body.revokedIdentities).not.toContain(spiffeId);
    await call("/v1/identities/default/snapshot-revoked/revoke", { method: "POST" });
    const after = await call(`/v1/snapshot?since=${before.body.version}`);
    expect(after.status).toBe(200);
    expect(after.body.revokedIdentities).toContain(spiffeId);
  });

  it("reports the CA's own findings at /v1/analyze beside the resource findings", async () => {
    const r = await call("/v1/analyze");
    expect(r.status).toBe(200);
    // This mesh runs without ISTHMUS_CA_WRAPPING_KEY, which must never pass unseen.
    expect(r.body.findings.map((f: { code: string }) => f.code)).toContain("ca_wrapping_key_generated");
  });
});

describe("JWT-SVIDs", () => {
  let token: string;
  beforeAll(async () => {
    token = (await identity("productpage-jwt")).joinToken;
  });

  it("issues an ES256 token with sub, aud, exp, iat, jti and kid that verifies against the bundle", async () => {
    const r = await call("/v1/svids/jwt", { auth: token, json: { audience: REVIEWS } });
    expect(r.status).toBe(200);
    const [h, p] = r.body.token.split(".").slice(0, 2).map((part: string) => JSON.parse(new TextDecoder().decode(base64urlDecode(part)!)));
    expect(h).toMatchObject({ alg: "ES256", typ: "JWT" });
    expect(typeof h.kid).toBe("string");
    expect(p).toMatchObject({ sub: `spiffe://${TD}/ns/default/sa/productpage-jwt`, aud: REVIEWS });
    expect(p.exp - p.iat).toBe(300);
    expect(p.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(r.body.expiresAt).getTime()).toBe(p.exp * 1000);
    const verifier = new JwtSvidVerifier({ bundle: await bundle() });
    await expect(verifier.verify(r.body.token, REVIEWS)).resolves.toMatchObject({ spiffeId: p.sub });
    await expect(verifier.verify(r.body.token, "spiffe://example.org/ns/default/sa/other")).rejects.toBeInstanceOf(JwtSvidError);
  });

  it("binds the token to a workload key with cnf.jkt, and refuses private JWKs", async () => {
    const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign"])) as CryptoKeyPair;
    const pub = await crypto.subtle.exportKey("jwk", pair.publicKey);
    const r = await call("/v1/svids/jwt", { auth: token, json: { audience: [REVIEWS], publicKey: pub } });
    const verified = await new JwtSvidVerifier({ bundle: await bundle() }).verify(r.body.token, REVIEWS);
    expect(verified.keyThumbprint).toBe(await calculateJwkThumbprint(pub as never, "sha256"));
    const priv = await crypto.subtle.exportKey("jwk", pair.privateKey);
    const refused = await call("/v1/svids/jwt", { auth: token, json: { audience: REVIEWS, publicKey: priv } });
    expect([refused.status, refused.body.error.details[0].path]).toEqual([400, "publicKey.d"]);
  });

  it("refuses missing or bad join tokens, missing audience and too long lifetimes", async () => {
    expect((await call("/v1/svids/jwt", { auth: null, json: { audience: REVIEWS } })).body.error.code).toBe("unauthenticated");
    expect((await call("/v1/svids/jwt", { auth: "isthmus-jt.forged", json: { audience: REVIEWS } })).status).toBe(401);
    const noAud = await call("/v1/svids/jwt", { auth: token, json: {} });
    expect([noAud.status, noAud.body.error.details[0].path]).toEqual([400, "audience"]);
    const long = await call("/v1/svids/jwt", { auth: token, json: { audience: REVIEWS, ttlSeconds: 86_400 } });
    expect([long.status, long.body.error.message]).toEqual([400, "ttlSeconds 86400 exceeds the maximum of 3600"]);
  });
});

describe("issuance accounting", () => {
  it("counts credentials by type, per identity's last issuance, and in /metrics", async () => {
    const { joinToken } = await identity("accounting");
    const before = (await call("/v1/ca")).body.issued;
    expect((await call("/v1/identities/default/accounting")).body.lastIssuedAt).toBeNull();
    for (let i = 0; i < 2; i++) expect((await call("/v1/svids/jwt", { auth: joinToken, json: { audience: REVIEWS } })).status).toBe(200);
    const csr = opensslCsr(dir, "accounting", { san: `URI:spiffe://${TD}/ns/default/sa/accounting` });
    expect((await csrFor(joinToken, csr.csrPem)).status).toBe(200);

    const after = (await call("/v1/ca")).body.issued;
    expect(after).toEqual({ "jwt-svid": before["jwt-svid"] + 2, "x509-svid": before["x509-svid"] + 1 });
    const lastIssuedAt = Date.parse((await call("/v1/identities/default/accounting")).body.lastIssuedAt);
    expect(Date.now() - lastIssuedAt).toBeLessThan(60_000);
    const metrics = (await call("/metrics")).body as string;
    expect(metrics).toContain(`isthmus_ca_certificates_issued_total{type="jwt-svid"} ${after["jwt-svid"]}`);
    expect(metrics).toContain(`isthmus_ca_certificates_issued_total{type="x509-svid"} ${after["x509-svid"]}`);
  });
});

describe("X509-SVIDs over REST", () => {
  let token: string;
  const ID = `spiffe://${TD}/ns/default/sa/reviews`;
  beforeAll(async () => {
    token = (await identity("reviews")).joinToken;
  });

  it("signs a CSR; the chain passes openssl verify against the bundle roots and fails against a foreign CA", async () => {
    const r = await csrFor(token, opensslCsr(dir, "rest", { san: `URI:${ID}` }).csrPem);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/pem-certificate-chain");
    expect(r.headers.get("x-isthmus-spiffe-id")).toBe(ID);
    const [leafPem] = pemBlocks(r.body);
    expect(pemBlocks(r.body)).toHaveLength(1);
    const roots = x509AuthoritiesPem(await bundle());
    expect(opensslVerify(dir, "rest", roots, leafPem)).toMatchObject({ ok: true });
    expect(opensslVerify(dir, "rest-foreign", opensslCa(dir, "foreign-rest").certPem, leafPem).ok).toBe(false);
    const leaf = new x509.X509Certificate(leafPem);
    expect(leaf.getExtension(x509.SubjectAlternativeNameExtension)!.names.toJSON()).toEqual([{ type: "url", value: ID }]);
    expect(leaf.getExtension(x509.KeyUsagesExtension)!.usages).toBe(x509.KeyUsageFlags.digitalSignature);
  });

  it("refuses bad CSRs with a 4xx naming the cause", async () => {
    const cases: [string | Uint8Array, string, number, string?][] = [
      [opensslCsr(dir, "mm", { san: "URI:spiffe://example.org/ns/default/sa/admin" }).csrPem, "csr_identity_mismatch", 400],
      [opensslCsr(dir, "weak", { san: `URI:${ID}`, key: "rsa1024" }).csrPem, "csr_weak_key", 400],
      ["\u0000garbage\u00ff", "csr_malformed", 400],
      [opensslCsr(dir, "ct", { san: `URI:${ID}` }).csrPem, "unsupported_media_type", 415, "application/json"],
    ];
    const signed = opensslCsr(dir, "sig", { san: `URI:${ID}` }).csrPem;
    const der = Uint8Array.from(atob(signed.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "")), (c) => c.charCodeAt(0));
    der[der.findIndex((b, i) => b === 0x78 && der[i - 1] === 0x01 && der[i - 2] === 0x0c)] = 0x79;
    cases.push([der, "csr_bad_signature", 400]);
    for (const [body, code, status, type] of cases) {
      const r = await csrFor(token, body, type);
      expect([r.status, r.body.error.code], `${code}: ${r.body.error?.message}`).toEqual([status, code]);
      expect(r.body.error.message.length).toBeGreaterThan(10);
    }
  });

  it("a Node https server trusting the mesh root accepts a mesh client certificate and refuses a foreign one", async () => {
    const serverToken = (await identity("tls-server")).joinToken;
    const serverCsr = opensslCsr(dir, "tls-srv", { san: `URI:spiffe://${TD}/ns/default/sa/tls-server` });
    const serverChain = (await csrFor(serverToken, serverCsr.csrPem)).body as string;
    const clientCsr = opensslCsr(dir, "tls-cli", { san: `URI:${ID}` });
    const clientChain = (await csrFor(token, clientCsr.csrPem)).body as string;
    const rogueCsr = opensslCsr(dir, "tls-rogue", { san: `URI:${ID}` });
    const rogueCert = opensslSign(dir, "tls-rogue", rogueCsr.csrPem, opensslCa(dir, "tls-rogue-ca"));
    const meshRoot = x509AuthoritiesPem(await bundle());

    const peers: string[] = [];
    const server = createServer({ key: serverCsr.keyPem, cert: serverChain, ca: meshRoot, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      peers.push((req.socket as TLSSocket).getPeerCertificate().subjectaltname ?? "");
      res.end("hello");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    const get = (key: string, cert: string) =>
      new Promise<string>((resolve) => {
        const req = request({ host: "127.0.0.1", port, key, cert, ca: meshRoot, checkServerIdentity: () => undefined }, (res) => {
          res.resume();
          res.on("end", () => resolve(`status ${res.statusCode}`));
        });
        req.on("error", (e) => resolve(`error ${e.message}`));
        req.end();
      });
    try {
      expect(await get(clientCsr.keyPem, clientChain)).toBe("status 200");
      expect(peers).toEqual([`URI:${ID}`]);
      expect(await get(rogueCsr.keyPem, rogueCert)).toMatch(/^error/);
      expect(peers).toHaveLength(1);
    } finally {
      server.close();
    }
  });
});

describe("attestation by service binding props (MeshPeer RPC)", () => {
  it("issues credentials to the workload the binding's props name, and nothing without props", async () => {
    const jwt = await (await mesh.peer(`/jwt?aud=${encodeURIComponent(REVIEWS)}`)).json() as { token: string; spiffeId: string };
    expect(jwt.spiffeId).toBe(`spiffe://${TD}/ns/default/sa/productpage`);
    const boundBundle = parseTrustBundle(await (await mesh.peer("/bundle")).json(), TD);
    await expect(new JwtSvidVerifier({ bundle: boundBundle }).verify(jwt.token, REVIEWS)).resolves.toMatchObject({ spiffeId: jwt.spiffeId });

    const csr = opensslCsr(dir, "peer", { san: `URI:spiffe://${TD}/ns/default/sa/productpage` });
    const x = (await (await mesh.peer("/x509", { method: "POST", body: csr.csrPem })).json()) as { chain: string };
    expect(opensslVerify(dir, "peer", x509AuthoritiesPem(boundBundle), pemBlocks(x.chain)[0]).ok).toBe(true);

    const bare = await mesh.peer("/unattested");
    expect((await bare.json<{ error: string }>()).error).toMatch(/^unattested/);

    const listed = (await call("/v1/identities/default/productpage")).body;
    expect(listed.attestation).toBe("binding");
    await call("/v1/identities/default/productpage/revoke", { method: "POST" });
    const refused = await mesh.peer(`/jwt?aud=${encodeURIComponent(REVIEWS)}`);
    expect((await refused.json<{ error: string }>()).error).toMatch(/^identity_revoked/);
  });
});

describe("key material", () => {
  it("never appears in any answer", async () => {
    await call("/v1/ca/rotate", { json: { what: "jwt" } });
    await call("/v1/ca");
    await call("/v1/trust-bundle", { auth: null });
    await call("/.well-known/jwks.json", { auth: null });
    const openapi = await call("/openapi.json");
    expect(openapi.body.paths["/v1/svids/x509"]).toBeTruthy();
    expect(answers.length).toBeGreaterThan(30);
    const hasPrivateMember = (value: unknown): boolean =>
      Array.isArray(value) ? value.some(hasPrivateMember) : typeof value === "object" && value !== null
        ? Object.entries(value).some(([k, v]) => ["d", "p", "q", "dp", "dq", "qi"].includes(k) || hasPrivateMember(v))
        : false;
    for (const text of answers) {
      expect(text).not.toMatch(/PRIVATE KEY/);
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(text);
      } catch {}
      if (parsed && !text.includes('"openapi"')) expect(hasPrivateMember(parsed), text.slice(0, 200)).toBe(false);
    }
  });
});
