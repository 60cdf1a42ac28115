// Hostile inputs against the areas that already held before issue #14 — API tokens, roles,
// CSRs, JWT-SVIDs, identity headers, path forms — so the matrix covers them too. Every
// name this class creates starts with `held-`. Where the runner's "nothing stored" check
// (revisions, snapshot, endpoints) cannot see a write (tokens, identities, CA state,
// issuance), the case checks that store itself in `after`.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { rmSync } from "node:fs";
import { expect } from "vitest";
import { base64urlEncode } from "../../../identity/base64url.ts";
import { opensslCsr, scratchDir } from "../../support/openssl.ts";
import { spiffe, type SecurityMesh } from "../mesh.ts";
import type { HostileCase, HostileClass } from "./case.ts";

x509.cryptoProvider.set(crypto);

const DENY_ADMIN = "denied_by_policy:default/held-deny-admin";
const TARGET = spiffe("target");
const CSR_ID = spiffe("held-csr");

/** What setup minted: API tokens by role, join tokens, CSRs, and the state cases compare against. */
const minted = {
  admin: "",
  viewer: "",
  editor: "",
  dataplane: "",
  revoked: "",
  editorId: "",
  joinToken: "",
  csrJoinToken: "",
  revokedJoinToken: "",
  victimJoinTokens: 0,
  caState: "",
  /** The CA's issuance counters after setup. */
  issued: "",
  /** A JWT-SVID for target that held-revokee got before its identity was revoked. */
  revokedSvid: "",
  csrs: {} as Record<string, string>,
};

// ---- the control API ---------------------------------------------------------------------

interface Call {
  method: string;
  path: string;
  contentType?: string;
  body?: string;
}

const json = (value: unknown) => ({ contentType: "application/json", body: JSON.stringify(value) });
const yaml = (text: string) => ({ contentType: "application/yaml", body: text });

const HELD_POLICY = "/v1/namespaces/default/authorizationpolicies/held-deny-admin";
const PUT_POLICY = "/v1/namespaces/default/authorizationpolicies/held-put";
const VICTIM = "/v1/identities/default/held-victim";
const denyNothing = (name: string) => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: ${name} }
spec:
  selector: { matchLabels: { app: held-nobody } }
  action: DENY
`;

/** Control-API calls a token must not be able to make, each with a body that would succeed for the admin. */
const calls = {
  snapshot: { method: "GET", path: "/v1/snapshot" },
  readPolicy: { method: "GET", path: HELD_POLICY },
  revisions: { method: "GET", path: "/v1/revisions" },
  identities: { method: "GET", path: "/v1/identities" },
  ca: { method: "GET", path: "/v1/ca" },
  listTokens: { method: "GET", path: "/v1/tokens" },
  apply: { method: "POST", path: "/v1/apply", ...yaml(denyNothing("held-apply")) },
  put: { method: "PUT", path: PUT_POLICY, ...yaml(denyNothing("held-put")) },
  delete: { method: "DELETE", path: HELD_POLICY },
  rollback: { method: "POST", path: "/v1/rollback", ...json({ revision: 1 }) },
  register: { method: "POST", path: "/v1/registry/endpoints", ...json({ service: "held-registered", address: "worker://held-registered" }) },
  mintToken: { method: "POST", path: "/v1/tokens", ...json({ name: "held-escalated", role: "admin" }) },
  revokeToken: { method: "DELETE", path: "/v1/tokens/{editor}" },
  createIdentity: { method: "POST", path: "/v1/identities", ...json({ namespace: "default", serviceAccount: "held-created" }) },
  revokeIdentity: { method: "POST", path: `${VICTIM}/revoke` },
  deleteIdentity: { method: "DELETE", path: VICTIM },
  joinToken: { method: "POST", path: `${VICTIM}/join-tokens`, ...json({}) },
  rotate: { method: "POST", path: "/v1/ca/rotate", ...json({ what: "jwt" }) },
  bootstrap: { method: "POST", path: "/v1/ca/bootstrap" },
  root: { method: "PUT", path: "/v1/ca/root", ...json({ certificate: "held", privateKey: "held" }) },
  intermediate: { method: "POST", path: "/v1/ca/intermediate", ...json({ certificate: "held", privateKey: "held", rootCertificate: "held" }) },
} satisfies Record<string, Call>;
type CallName = keyof typeof calls;

function callApi(mesh: SecurityMesh, call: Call, authorization: string | undefined): Promise<Response> {
  const headers = new Headers();
  // The harness adds the admin token when no Authorization is set: "none" sends an empty one.
  headers.set("authorization", authorization ?? "");
  if (call.contentType) headers.set("content-type", call.contentType);
  return mesh.control(call.path.replace("{editor}", minted.editorId), { method: call.method, headers, body: call.body });
}

async function admin<T>(mesh: SecurityMesh, path: string, init: RequestInit = {}): Promise<T> {
  const response = await mesh.control(path, init);
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

const adminJson = <T>(mesh: SecurityMesh, method: string, path: string, body?: unknown) =>
  admin<T>(mesh, path, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });

/** What a refused call might have written outside revisions, snapshot and endpoints. */
async function unchangedBeyondRevisions(mesh: SecurityMesh, call: CallName): Promise<void> {
  const tokens = (await admin<{ items: { id: string; name: string }[] }>(mesh, "/v1/tokens")).items;
  expect(tokens.map((t) => t.name), "a token was minted").not.toContain("held-escalated");
  expect(tokens.map((t) => t.id), "the editor token was revoked").toContain(minted.editorId);
  expect((await mesh.control("/v1/identities/default/held-created")).status, "an identity was created").toBe(404);
  const victim = await admin<{ revokedAt: string | null; activeJoinTokens: number }>(mesh, VICTIM);
  expect(victim, "the victim identity changed").toMatchObject({ revokedAt: null, activeJoinTokens: minted.victimJoinTokens });
  if (call === "rotate" || call === "root" || call === "intermediate" || call === "bootstrap") expect(await caState(mesh), "the CA changed").toBe(minted.caState);
}

async function caState(mesh: SecurityMesh): Promise<string> {
  const ca = await admin<{ authorities: { subject: string; notAfter: string; state: string }[]; jwtKeys: { kid: string; state: string }[]; bundleSequence: number }>(mesh, "/v1/ca");
  return JSON.stringify({ authorities: ca.authorities.map((a) => [a.subject, a.notAfter, a.state]), keys: ca.jwtKeys.map((k) => [k.kid, k.state]), sequence: ca.bundleSequence });
}

function apiCase(klass: string, name: string, call: CallName, authorization: () => string | undefined, status: 401 | 403): HostileCase {
  return {
    class: klass,
    name: `${name}: ${calls[call].method} ${calls[call].path}`,
    send: (mesh) => callApi(mesh, calls[call], authorization()),
    expect: { status, reason: status === 401 ? "unauthenticated" : "forbidden" },
    after: (mesh) => unchangedBeyondRevisions(mesh, call),
  };
}

// ---- tokens ------------------------------------------------------------------------------

/** Authorization values that must not authenticate. */
const badCredentials: [string, () => string | undefined][] = [
  ["no Authorization", () => undefined],
  ["Bearer without a token", () => "Bearer"],
  ["Basic scheme with the admin token", () => `Basic ${btoa(`admin:${minted.admin}`)}`],
  ["Token scheme", () => `Token ${minted.admin}`],
  ["the token without a scheme", () => minted.admin],
  ["Bearer glued to the token", () => `Bearer${minted.admin}`],
  ["two tokens", () => `Bearer ${minted.admin} ${minted.admin}`],
  ["two Bearer values joined", () => `Bearer ${minted.admin}, Bearer ${minted.admin}`],
  ["a tab and a second word after the token", () => `Bearer ${minted.admin}\tadmin`],
  ["the token truncated by one character", () => `Bearer ${minted.admin.slice(0, -1)}`],
  ["the token with one character appended", () => `Bearer ${minted.admin}A`],
  ["the token upper-cased", () => `Bearer ${minted.admin.toUpperCase()}`],
  ["the token percent-encoded", () => `Bearer ${encodeURIComponent(`${minted.admin}\r\n`)}`],
  ["garbage", () => "Bearer !!!!"],
  ["a 16 KiB garbage token", () => `Bearer ${"A".repeat(16 * 1024)}`],
  ["a revoked token", () => `Bearer ${minted.revoked}`],
  ["an unknown token of the right shape", () => `Bearer isth_${base64urlEncode(crypto.getRandomValues(new Uint8Array(32)))}`],
  ["a join token used as an API token", () => `Bearer ${minted.joinToken}`],
];

/** Credentials also tried on every write route. */
const WRITE_CREDENTIALS = new Set(["no Authorization", "Bearer without a token", "a revoked token", "an unknown token of the right shape", "a join token used as an API token"]);

function svidRequest(authorization: string | undefined, kind: "jwt" | "x509"): (mesh: SecurityMesh) => Promise<Response> {
  return (mesh) => {
    const headers = new Headers({ authorization: authorization ?? "" });
    if (kind === "jwt") {
      headers.set("content-type", "application/json");
      return mesh.control("/v1/svids/jwt", { method: "POST", headers, body: JSON.stringify({ audience: TARGET }) });
    }
    headers.set("content-type", "application/pkcs10");
    return mesh.control("/v1/svids/x509", { method: "POST", headers, body: minted.csrs.valid });
  };
}

const tokenCases: HostileCase[] = [
  ...badCredentials.flatMap(([name, credential]) => [apiCase("tokens", name, "snapshot", credential, 401), apiCase("tokens", name, "apply", credential, 401)]),
  ...badCredentials
    .filter(([name]) => WRITE_CREDENTIALS.has(name))
    .flatMap(([name, credential]) =>
      (["readPolicy", "put", "delete", "rollback", "mintToken", "createIdentity", "rotate"] as const).map((call) => apiCase("tokens", name, call, credential, 401)),
    ),
  ...(
    [
      ["an editor API token used as a join token (JWT-SVID)", () => `Bearer ${minted.editor}`, "jwt"],
      ["an admin API token used as a join token (JWT-SVID)", () => `Bearer ${minted.admin}`, "jwt"],
      ["a dataplane API token used as a join token (X509-SVID)", () => `Bearer ${minted.dataplane}`, "x509"],
      ["a revoked API token used as a join token (JWT-SVID)", () => `Bearer ${minted.revoked}`, "jwt"],
      ["an unknown join token (X509-SVID)", () => `Bearer ${base64urlEncode(crypto.getRandomValues(new Uint8Array(32)))}`, "x509"],
    ] as const
  ).map(
    ([name, credential, kind]): HostileCase => ({
      class: "tokens",
      name,
      send: (mesh) => svidRequest(credential(), kind)(mesh),
      expect: { status: 401, reason: "invalid_join_token" },
      after: (mesh) => issuedNothing(mesh),
    }),
  ),
  { class: "tokens", name: "no join token (JWT-SVID)", send: svidRequest(undefined, "jwt"), expect: { status: 401, reason: "unauthenticated" }, after: (mesh) => issuedNothing(mesh) },
  { class: "tokens", name: "Basic scheme for the join token (JWT-SVID)", send: (mesh) => svidRequest(`Basic ${minted.csrJoinToken}`, "jwt")(mesh), expect: { status: 401, reason: "unauthenticated" }, after: (mesh) => issuedNothing(mesh) },
];

/**
 * The CA's issuance counters have not moved since setup. Only for cases that run before the
 * first case with a handler (the runner's invocation reads get JWT-SVIDs).
 */
async function issuedNothing(mesh: SecurityMesh): Promise<void> {
  const identity = await admin<{ lastIssuedAt: string | null }>(mesh, "/v1/identities/default/held-csr");
  expect(identity.lastIssuedAt, "an SVID was issued to held-csr").toBeNull();
  const ca = await admin<{ issued: Record<string, number> }>(mesh, "/v1/ca");
  expect(JSON.stringify(ca.issued), "the CA issued something").toBe(minted.issued);
}

// ---- roles -------------------------------------------------------------------------------

const WRITES: CallName[] = ["apply", "put", "delete", "rollback", "mintToken", "revokeToken", "listTokens", "createIdentity", "revokeIdentity", "deleteIdentity", "joinToken", "rotate", "bootstrap", "root", "intermediate"];
const ADMIN_ONLY: CallName[] = ["mintToken", "revokeToken", "listTokens", "createIdentity", "revokeIdentity", "deleteIdentity", "joinToken", "rotate", "bootstrap", "root", "intermediate"];

const roleCases: HostileCase[] = [
  ...WRITES.map((call) => apiCase("roles", "viewer", call, () => `Bearer ${minted.viewer}`, 403)),
  apiCase("roles", "viewer", "register", () => `Bearer ${minted.viewer}`, 403),
  ...WRITES.map((call) => apiCase("roles", "dataplane", call, () => `Bearer ${minted.dataplane}`, 403)),
  ...(["readPolicy", "revisions", "identities", "ca"] as const).map((call) => apiCase("roles", "dataplane (reads snapshots only)", call, () => `Bearer ${minted.dataplane}`, 403)),
  ...ADMIN_ONLY.map((call) => apiCase("roles", "editor", call, () => `Bearer ${minted.editor}`, 403)),
];

// ---- CSRs --------------------------------------------------------------------------------

// WebCrypto parameter types as @cloudflare/workers-types names them (no DOM library here).
const EC: SubtleCryptoGenerateKeyAlgorithm & SubtleCryptoSignAlgorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };

async function makeCsr(options: { sans?: x509.JsonGeneralName[]; algorithm?: SubtleCryptoGenerateKeyAlgorithm; signer?: CryptoKeyPair } = {}): Promise<string> {
  const algorithm = options.algorithm ?? EC;
  const keys = (await crypto.subtle.generateKey(algorithm, true, ["sign", "verify"])) as CryptoKeyPair;
  const extensions = options.sans ? [new x509.SubjectAlternativeNameExtension(options.sans)] : [];
  const signed = options.signer ? { publicKey: keys.publicKey, privateKey: options.signer.privateKey } : keys;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: "O=held", keys: signed, signingAlgorithm: algorithm, extensions });
  return csr.toString("pem");
}

async function makeCsrs(): Promise<Record<string, string>> {
  const valid = await makeCsr({ sans: [{ type: "url", value: CSR_ID }] });
  const der = Buffer.from(valid.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
  const flipped = Buffer.from(der);
  flipped[flipped.length - 5] ^= 0x01;
  const otherSigner = (await crypto.subtle.generateKey(EC, true, ["sign", "verify"])) as CryptoKeyPair;
  const rsa = (bits: number): SubtleCryptoGenerateKeyAlgorithm => ({ name: "RSASSA-PKCS1-v1_5", modulusLength: bits, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" });
  const dir = scratchDir();
  const secp256k1 = opensslCsr(dir, "held-k1", { san: `URI:${CSR_ID}`, key: "ec-secp256k1" }).csrPem;
  rmSync(dir, { recursive: true, force: true });
  return {
    valid,
    badSignature: `-----BEGIN CERTIFICATE REQUEST-----\n${flipped.toString("base64")}\n-----END CERTIFICATE REQUEST-----\n`,
    otherSigner: await makeCsr({ sans: [{ type: "url", value: CSR_ID }], signer: otherSigner }),
    truncated: valid.slice(0, Math.floor(valid.length / 2)),
    truncatedDer: valid.replace(/^(-----BEGIN CERTIFICATE REQUEST-----\n)([\s\S]+?)(\n-----END)/, (_m, begin: string, body: string, end: string) => `${begin}${body.slice(0, body.length - 40)}${end}`),
    rsa512: await makeCsr({ algorithm: rsa(512), sans: [{ type: "url", value: CSR_ID }] }),
    rsa1024: await makeCsr({ algorithm: rsa(1024), sans: [{ type: "url", value: CSR_ID }] }),
    p521: await makeCsr({ algorithm: { name: "ECDSA", namedCurve: "P-521", hash: "SHA-512" }, sans: [{ type: "url", value: CSR_ID }] }),
    ed25519: await makeCsr({ algorithm: { name: "Ed25519" }, sans: [{ type: "url", value: CSR_ID }] }),
    secp256k1,
    anotherId: await makeCsr({ sans: [{ type: "url", value: TARGET }] }),
    foreignDomain: await makeCsr({ sans: [{ type: "url", value: "spiffe://evil.example/ns/default/sa/held-csr" }] }),
    idWithPath: await makeCsr({ sans: [{ type: "url", value: `${CSR_ID}/extra` }] }),
    twoUris: await makeCsr({ sans: [{ type: "url", value: CSR_ID }, { type: "url", value: TARGET }] }),
    sameUriTwice: await makeCsr({ sans: [{ type: "url", value: CSR_ID }, { type: "url", value: CSR_ID }] }),
    dns: await makeCsr({ sans: [{ type: "dns", value: "target.default.svc.cluster.local" }] }),
    uriAndDns: await makeCsr({ sans: [{ type: "url", value: CSR_ID }, { type: "dns", value: "admin.mesh.test" }] }),
    ip: await makeCsr({ sans: [{ type: "ip", value: "127.0.0.1" }] }),
    email: await makeCsr({ sans: [{ type: "email", value: "admin@mesh.test" }] }),
    httpsUri: await makeCsr({ sans: [{ type: "url", value: "https://mesh.test/ns/default/sa/held-csr" }] }),
  };
}

function csrCase(name: string, body: () => string | Uint8Array, status: number, reason: string, init: { contentType?: string; query?: string; token?: () => string } = {}): HostileCase {
  return {
    class: "csr",
    name,
    send: (mesh) =>
      mesh.control(`/v1/svids/x509${init.query ?? ""}`, {
        method: "POST",
        headers: { authorization: `Bearer ${(init.token ?? (() => minted.csrJoinToken))()}`, "content-type": init.contentType ?? "application/pkcs10" },
        body: body(),
      }),
    expect: { status, reason },
    after: (mesh) => issuedNothing(mesh),
  };
}

const csr = (name: string) => () => minted.csrs[name]!;

// Not here because the CA rightly accepts it: a CSR asking for basicConstraints CA:true gets
// a leaf with critical CA:false, as every leaf (controlplane/ca/x509-svid.test.ts).

const csrCases: HostileCase[] = [
  csrCase("not PEM (text)", () => "hello, please sign me", 400, "csr_malformed"),
  csrCase("an empty body", () => "", 400, "csr_malformed"),
  csrCase("a certificate instead of a CSR", () => "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", 400, "csr_malformed"),
  csrCase("PEM truncated in the middle", csr("truncated"), 400, "csr_malformed"),
  csrCase("PEM whose DER is cut short", csr("truncatedDer"), 400, "csr_malformed"),
  csrCase("PEM with a body that is not base64", () => "-----BEGIN CERTIFICATE REQUEST-----\n!!!!\n-----END CERTIFICATE REQUEST-----\n", 400, "csr_malformed"),
  csrCase("DER garbage", () => crypto.getRandomValues(new Uint8Array(512)), 400, "csr_malformed"),
  csrCase("a bit flipped in the signature", csr("badSignature"), 400, "csr_bad_signature"),
  csrCase("signed by another key than the one it carries", csr("otherSigner"), 400, "csr_bad_signature"),
  csrCase("RSA-512", csr("rsa512"), 400, "csr_weak_key"),
  csrCase("RSA-1024", csr("rsa1024"), 400, "csr_weak_key"),
  csrCase("EC P-521", csr("p521"), 400, "csr_weak_key"),
  csrCase("Ed25519", csr("ed25519"), 400, "csr_weak_key"),
  csrCase("EC secp256k1 (openssl)", csr("secp256k1"), 400, "csr_weak_key"),
  csrCase("asking for another workload's SPIFFE ID", csr("anotherId"), 400, "csr_identity_mismatch"),
  csrCase("asking for its own ID in a foreign trust domain", csr("foreignDomain"), 400, "csr_identity_mismatch"),
  csrCase("asking for its own ID with a path appended", csr("idWithPath"), 400, "csr_identity_mismatch"),
  csrCase("an https URI SAN", csr("httpsUri"), 400, "csr_identity_mismatch"),
  csrCase("two URI SANs (its own and another)", csr("twoUris"), 400, "csr_invalid_san"),
  csrCase("its own URI SAN twice", csr("sameUriTwice"), 400, "csr_invalid_san"),
  csrCase("a DNS SAN", csr("dns"), 400, "csr_invalid_san"),
  csrCase("its own URI SAN and a DNS SAN", csr("uriAndDns"), 400, "csr_invalid_san"),
  csrCase("an IP SAN", csr("ip"), 400, "csr_invalid_san"),
  csrCase("an email SAN", csr("email"), 400, "csr_invalid_san"),
  csrCase("a 17 KiB body", () => `${minted.csrs.valid}${"#".repeat(17 * 1024)}`, 413, "too_large"),
  csrCase("a 1 MiB body", () => "A".repeat(1024 * 1024), 413, "too_large"),
  csrCase("a JSON content type", csr("valid"), 415, "unsupported_media_type", { contentType: "application/json" }),
  csrCase("ttlSeconds beyond a week", csr("valid"), 400, "invalid_request", { query: "?ttlSeconds=604801" }),
  csrCase("ttlSeconds not a number", csr("valid"), 400, "invalid_request", { query: "?ttlSeconds=1e9x" }),
  csrCase("ttlSeconds negative", csr("valid"), 400, "invalid_request", { query: "?ttlSeconds=-60" }),
  csrCase("a valid CSR with a revoked identity's join token", csr("valid"), 403, "identity_revoked", { token: () => minted.revokedJoinToken }),
];

// ---- JWT-SVIDs straight to a meshed service ----------------------------------------------

function claims(over: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { sub: spiffe("test-client"), aud: TARGET, iat: now, exp: now + 300, jti: crypto.randomUUID(), ...over };
}

const segment = (token: string, index: number) => token.split(".")[index]!;
const decoded = (token: string, index: number) => JSON.parse(Buffer.from(segment(token, index), "base64url").toString()) as Record<string, unknown>;
const encoded = (value: unknown) => base64urlEncode(JSON.stringify(value));

async function hmac(secret: string, input: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return base64urlEncode(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(input)));
}

/** A real SVID for target from the mesh CA, with its header, payload and kid, and the CA's public JWK. */
async function realSvid(mesh: SecurityMesh) {
  const token = await mesh.svid(TARGET);
  const header = decoded(token, 0);
  const bundle = await admin<{ keys: { kid?: string }[] }>(mesh, "/v1/trust-bundle");
  return { token, header, payload: decoded(token, 1), kid: header.kid as string, publicJwk: JSON.stringify(bundle.keys.find((k) => k.kid === header.kid)) };
}

function svidCase(name: string, reason: string, svid: (mesh: SecurityMesh) => Promise<string>, handler: "target-v1" | "front-v1" | "other-v1" = "target-v1"): HostileCase {
  return {
    class: "svid",
    name,
    send: async (mesh) => mesh.send(handler, "/held/secret", { headers: { "x-isthmus-svid": await svid(mesh) } }),
    expect: { status: 401, reason },
    handler,
  };
}

const svidCases: HostileCase[] = [
  svidCase("alg none, no signature", "alg_not_allowed", async (mesh) => {
    const real = await realSvid(mesh);
    return `${encoded({ ...real.header, alg: "none" })}.${segment(real.token, 1)}.`;
  }),
  svidCase("alg none with the real signature", "alg_not_allowed", async (mesh) => {
    const real = await realSvid(mesh);
    return `${encoded({ ...real.header, alg: "none" })}.${segment(real.token, 1)}.${segment(real.token, 2)}`;
  }),
  svidCase("HS256 keyed with the CA's public JWK", "alg_not_allowed", async (mesh) => {
    const real = await realSvid(mesh);
    const head = encoded({ alg: "HS256", kid: real.kid, typ: "JWT" });
    return `${head}.${segment(real.token, 1)}.${await hmac(real.publicJwk, `${head}.${segment(real.token, 1)}`)}`;
  }),
  svidCase("RS256 in the header of an ES256 token", "alg_not_allowed", async (mesh) => {
    const real = await realSvid(mesh);
    return `${encoded({ ...real.header, alg: "RS256" })}.${segment(real.token, 1)}.${segment(real.token, 2)}`;
  }),
  svidCase("an embedded jwk in the header", "malformed", async (mesh) => {
    const real = await realSvid(mesh);
    return mesh.mint(claims(), { ...real.header, kid: "test-authority", jwk: JSON.parse(real.publicJwk) });
  }),
  svidCase("wrong audience (a token for front replayed to target)", "wrong_audience", (mesh) => mesh.svid(spiffe("front"))),
  svidCase("a token another workload got for other, replayed to target", "wrong_audience", (mesh) => mesh.svid(spiffe("other"), { sa: "held-replayer" })),
  svidCase("a token for target replayed to other", "wrong_audience", (mesh) => mesh.svid(TARGET), "other-v1"),
  svidCase("audience with a trailing slash", "wrong_audience", (mesh) => mesh.svid(`${TARGET}/`)),
  svidCase("expired an hour ago", "expired", (mesh) => mesh.mint(claims({ exp: Math.floor(Date.now() / 1000) - 3600 }))),
  svidCase("not valid for another hour", "not_yet_valid", (mesh) => mesh.mint(claims({ nbf: Math.floor(Date.now() / 1000) + 3600 }))),
  svidCase("issued an hour in the future", "not_yet_valid", (mesh) => mesh.mint(claims({ iat: Math.floor(Date.now() / 1000) + 3600 }))),
  svidCase("exp as a string", "malformed", (mesh) => mesh.mint(claims({ exp: "9999999999" }))),
  svidCase("no exp", "malformed", (mesh) => mesh.mint(claims({ exp: undefined }))),
  svidCase("sub not a SPIFFE ID", "malformed", (mesh) => mesh.mint(claims({ sub: "admin" }))),
  svidCase("another trust domain", "foreign_trust_domain", (mesh) => mesh.mint(claims({ sub: "spiffe://evil.example/ns/default/sa/front" }))),
  svidCase("another trust domain that starts with ours", "foreign_trust_domain", (mesh) => mesh.mint(claims({ sub: "spiffe://cluster.local.evil.example/ns/default/sa/front" }))),
  svidCase("bad signature (payload re-pointed to another sub)", "bad_signature", async (mesh) => {
    const real = await realSvid(mesh);
    return `${segment(real.token, 0)}.${encoded({ ...real.payload, sub: spiffe("admin") })}.${segment(real.token, 2)}`;
  }),
  svidCase("bad signature (exp extended)", "bad_signature", async (mesh) => {
    const real = await realSvid(mesh);
    return `${segment(real.token, 0)}.${encoded({ ...real.payload, exp: (real.payload.exp as number) + 86_400 })}.${segment(real.token, 2)}`;
  }),
  svidCase("signed by the test authority but naming the CA's kid", "bad_signature", async (mesh) => {
    const real = await realSvid(mesh);
    return mesh.mint(claims(), { alg: "ES256", kid: real.kid, typ: "JWT" });
  }),
  svidCase("signature truncated", "bad_signature", async (mesh) => {
    const token = await mesh.svid(TARGET);
    return token.slice(0, -8);
  }),
  svidCase("signature removed", "bad_signature", async (mesh) => {
    const token = await mesh.svid(TARGET);
    return token.slice(0, token.lastIndexOf(".") + 1);
  }),
  svidCase("two segments", "malformed", async (mesh) => {
    const token = await mesh.svid(TARGET);
    return token.slice(0, token.lastIndexOf("."));
  }),
  svidCase("four segments", "malformed", async (mesh) => `${await mesh.svid(TARGET)}.AAAA`),
  svidCase("payload not JSON", "malformed", async (mesh) => {
    const token = await mesh.svid(TARGET);
    return `${segment(token, 0)}.${base64urlEncode("not json")}.${segment(token, 2)}`;
  }),
  svidCase("missing kid", "malformed", (mesh) => mesh.mint(claims(), { alg: "ES256", typ: "JWT" })),
  svidCase("empty kid", "malformed", (mesh) => mesh.mint(claims(), { alg: "ES256", kid: "", typ: "JWT" })),
  svidCase("unknown kid", "unknown_kid", (mesh) => mesh.mint(claims(), { alg: "ES256", kid: "held-no-such-key", typ: "JWT" })),
  svidCase("typ not JWT", "malformed", (mesh) => mesh.mint(claims(), { alg: "ES256", kid: "test-authority", typ: "dpop+jwt" })),
  svidCase("a revoked identity's token", "revoked", async () => minted.revokedSvid),
  svidCase("9 KiB of garbage", "oversized_credential", async () => "a".repeat(9 * 1024)),
  svidCase("an empty value", "malformed", async () => " "),
];

// ---- forged identity headers, no SVID ----------------------------------------------------

function forgedCase(name: string, headers: (mesh: SecurityMesh) => Promise<Record<string, string>>, reason = "no_identity", handler: "target-v1" | "front-v1" | "other-v1" = "target-v1"): HostileCase {
  return {
    class: "identity-headers",
    name,
    send: async (mesh) => mesh.send(handler, "/held/whoami", { headers: await headers(mesh) }),
    expect: { status: 401, reason },
    handler,
  };
}

const ADMIN_ID = spiffe("admin");
const identityCases: HostileCase[] = [
  forgedCase("x-isthmus-peer", async () => ({ "x-isthmus-peer": ADMIN_ID })),
  forgedCase("x-spiffe-id", async () => ({ "x-spiffe-id": ADMIN_ID })),
  forgedCase("x-forwarded-client-cert", async () => ({ "x-forwarded-client-cert": `By=${TARGET};URI=${ADMIN_ID}` })),
  forgedCase("x-forwarded-client-cert at front", async () => ({ "x-forwarded-client-cert": `By=${spiffe("front")};URI=${ADMIN_ID}` }), "no_identity", "front-v1"),
  forgedCase("x-isthmus-peer at other", async () => ({ "x-isthmus-peer": ADMIN_ID }), "no_identity", "other-v1"),
  forgedCase("a valid SVID in x-isthmus-peer-svid (the answer's header)", async (mesh) => ({ "x-isthmus-peer-svid": await mesh.svid(TARGET) })),
  forgedCase("a valid SVID in x-isthmus-peer", async (mesh) => ({ "x-isthmus-peer": await mesh.svid(TARGET) })),
  forgedCase("a valid SVID in Authorization: Bearer", async (mesh) => ({ authorization: `Bearer ${await mesh.svid(TARGET)}` })),
  forgedCase("a proof without an SVID", async () => ({ "x-isthmus-proof": "mac.AAAA.BBBB" })),
  forgedCase("a key attestation and nonce without an SVID", async () => ({ "x-isthmus-key": "a.b.c", "x-isthmus-nonce": crypto.randomUUID() })),
  forgedCase("every forged identity header at once", async () => ({
    "x-isthmus-peer": ADMIN_ID,
    "x-spiffe-id": ADMIN_ID,
    "x-forwarded-client-cert": `URI=${ADMIN_ID}`,
    "x-isthmus-peer-proof": "mac.x",
    "x-isthmus-peer-key": "a.b.c",
  })),
  forgedCase("X-Isthmus-Svid spelled in capitals, with a front token", async (mesh) => ({ "X-ISTHMUS-SVID": await mesh.svid(spiffe("front")) }), "wrong_audience"),
  forgedCase("a forged peer header beside another service's SVID", async (mesh) => ({ "x-isthmus-svid": await mesh.svid(spiffe("front")), "x-isthmus-peer": ADMIN_ID }), "wrong_audience"),
];

// ---- path forms against a DENY on /admin at target ---------------------------------------

function pathCase(path: string, status: 400 | 403, reason: string, via: "gateway" | "direct" = "gateway", method = "GET"): HostileCase {
  return {
    class: "paths",
    name: `${via} ${method} ${path}`,
    send: async (mesh) =>
      via === "gateway"
        ? mesh.send("isthmus-gateway", path, { method })
        : mesh.send("target-v1", path, { method, headers: { "x-isthmus-svid": await mesh.svid(TARGET) } }),
    expect: { status, reason },
    handler: "target-v1",
  };
}

// Not here because they are other paths, as in Istio, and reach the service: `/ADMIN` (paths
// are case-sensitive) and `/admin;x=1` (no matrix parameters; the service sees `/admin;x=1`).
const DENIED_FORMS = [
  "/admin",
  "/admin/",
  "/admin/x",
  "//admin",
  "///admin",
  "/./admin",
  "/admin/.",
  "/%61dmin",
  "/%61%64%6D%69%6E",
  "/adm%69n",
  "/foo/../admin",
  "/foo/bar/../../admin",
  "/../admin",
  "/admin%2F",
  "/admin%2fx",
  "/%2e/admin",
  "/%2E%2E/admin",
  "/foo/%2e%2e/admin",
  "/foo%2f..%2fadmin",
  "/foo/..%2Fadmin",
  "/%2fadmin",
  "/admin/x/..",
  "/\\admin",
  "/%5cadmin",
  "/foo%5c..%5cadmin",
  "/foo\\..\\admin",
  "/admin?x=1",
  "/admin#fragment",
  "/admin/;x=1",
  "/x/.%2e/admin",
  // The runtime's URL parser resolves the dot segment before the mesh sees the NUL.
  "/%00/../admin",
];
const INVALID_FORMS: [string, string][] = [
  ["/admin%00", "null_byte"],
  ["/%c0%ae%c0%ae/admin", "overlong_utf8"],
  ["/foo/%c0%af../admin", "overlong_utf8"],
  ["/%e0%80%ae%e0%80%ae/admin", "overlong_utf8"],
  ["/%252e%252e/admin", "double_encoding"],
  ["/foo%252fadmin", "double_encoding"],
  ["/%zzadmin", "invalid_percent_encoding"],
  ["/%u0061dmin", "invalid_percent_encoding"],
  ["/admin%", "invalid_percent_encoding"],
];

const pathCases: HostileCase[] = [
  ...DENIED_FORMS.map((path) => pathCase(path, 403, DENY_ADMIN)),
  ...INVALID_FORMS.map(([path, reason]) => pathCase(path, 400, reason)),
  pathCase("/admin", 403, DENY_ADMIN, "gateway", "POST"),
  pathCase("/admin", 403, DENY_ADMIN, "gateway", "DELETE"),

  ...["//admin", "/%61dmin", "/foo/..%2Fadmin", "/%5cadmin"].map((path) => pathCase(path, 403, DENY_ADMIN, "direct")),
  pathCase("/%00admin", 400, "null_byte", "direct"),
  pathCase("/%c0%aeadmin", 400, "overlong_utf8", "direct"),
];

// ---- the class ---------------------------------------------------------------------------

const held: HostileClass = {
  config: `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: held-deny-admin }
spec:
  selector: { matchLabels: { app: target } }
  action: DENY
  rules: [{ to: [{ operation: { paths: ["/admin", "/admin/*"] } }] }]
`,
  async setup(mesh) {
    const token = async (name: string, role: string) => adminJson<{ id: string; token: string }>(mesh, "POST", "/v1/tokens", { name, role });
    const identity = async (serviceAccount: string) => (await adminJson<{ joinToken: string }>(mesh, "POST", "/v1/identities", { namespace: "default", serviceAccount })).joinToken;
    minted.admin = (await token("held-admin", "admin")).token;
    minted.viewer = (await token("held-viewer", "viewer")).token;
    const editor = await token("held-editor", "editor");
    [minted.editor, minted.editorId] = [editor.token, editor.id];
    minted.dataplane = (await adminJson<{ token: string }>(mesh, "POST", "/v1/tokens", { name: "held-dataplane", role: "dataplane", namespace: "default", serviceAccount: "held" })).token;
    const revoked = await token("held-revoked", "editor");
    await adminJson(mesh, "DELETE", `/v1/tokens/${revoked.id}`);
    minted.revoked = revoked.token;
    minted.joinToken = await identity("held-tokens");
    minted.csrJoinToken = await identity("held-csr");
    await identity("held-victim");
    minted.victimJoinTokens = (await admin<{ activeJoinTokens: number }>(mesh, VICTIM)).activeJoinTokens;
    // A revoked identity: its join token and an SVID it got before the revocation.
    minted.revokedSvid = await mesh.svid(TARGET, { sa: "held-revokee" });
    minted.revokedJoinToken = await identity("held-csr-revokee");
    await adminJson(mesh, "POST", "/v1/identities/default/held-revokee/revoke");
    await adminJson(mesh, "POST", "/v1/identities/default/held-csr-revokee/revoke");
    const { version } = await admin<{ version: number }>(mesh, "/v1/snapshot");
    for (const worker of ["target-v1", "front-v1", "other-v1"]) await mesh.settle(worker, version);
    // The test client's identity exists before any case, so only a refused request could add one.
    await mesh.svid(TARGET);
    minted.csrs = await makeCsrs();
    minted.issued = JSON.stringify((await admin<{ issued: Record<string, number> }>(mesh, "/v1/ca")).issued);
    minted.caState = await caState(mesh);
  },
  cases: [...tokenCases, ...roleCases, ...csrCases, ...svidCases, ...identityCases, ...pathCases],
};

export default held;
