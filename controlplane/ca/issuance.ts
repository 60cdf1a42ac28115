// Credentials for attested workloads: JWT-SVIDs, X509-SVIDs from CSRs, and serving
// certificates for the gateway. Each takes the store and a getter for the unsealed signer,
// called only once the request has passed its checks.
import type * as x509 from "@peculiar/x509";
import { calculateJwkThumbprint, type JWK } from "jose";
import { signJwtSvid } from "../../identity/jwt-svid-sign";
import type { JwtSvidRequest, JwtSvidResult } from "./api";
import { CaError } from "./errors";
import { workloadIdOf } from "./identities";
import { hashJoinToken } from "./join-token";
import type { IssuedLeaf } from "./leaf-template";
import type { CaSigner, JwtSigner } from "./lifecycle";
import { issueServingLeaf, type ServingCertificateRequest } from "./serving-certificate";
import type { CaStore, IdentityRow } from "./store";
import { checkRequestedIdentity, CsrError, issueLeaf, parseCsr } from "./x509-svid";

/** How a caller proved who it is: a join token, or the props of the binding it came through. */
export type Attestation =
  | { kind: "join-token"; token: string }
  | { kind: "binding"; namespace: string; serviceAccount: string };

/** The caller's identity; a single-use token is only checked here and spent by `consume`. */
export interface Attested {
  identity: IdentityRow;
  consume: () => void;
}

/**
 * Resolves the caller's identity. A binding's first call records its identity; a join token
 * must be known, unexpired, unused if single-use, and its identity unrevoked.
 */
export async function attest(store: CaStore, trustDomain: string, attestation: Attestation): Promise<Attested> {
  if (attestation.kind === "binding") {
    const spiffeId = workloadIdOf(trustDomain, attestation.namespace, attestation.serviceAccount);
    let identity = store.identity(spiffeId);
    if (!identity) {
      identity = { spiffe_id: spiffeId, namespace: attestation.namespace, service_account: attestation.serviceAccount, created_at: Date.now(), revoked_at: null, attestation: "binding" };
      store.insertIdentity(identity);
    }
    if (identity.revoked_at) throw new CaError(403, "identity_revoked", `identity ${spiffeId} is revoked`);
    return { identity, consume: () => {} };
  }
  const invalid = () => new CaError(401, "invalid_join_token", "join token is not valid (unknown, revoked, expired or already used)");
  if (!attestation.token) throw new CaError(401, "unauthenticated", "a join token is required: Authorization: Bearer <join token>");
  const hash = await hashJoinToken(attestation.token);
  const holder = store.joinTokenHolder(hash);
  if (!holder) throw invalid();
  const { token, identity } = holder;
  if (token.expires_at !== null && token.expires_at <= Date.now()) throw invalid();
  if (token.single_use && token.used_at !== null) throw invalid();
  if (!identity) throw invalid();
  if (identity.revoked_at) throw new CaError(403, "identity_revoked", `identity ${identity.spiffe_id} is revoked`);
  return {
    identity,
    consume: () => {
      if (token.single_use && !store.consumeJoinToken(hash, Date.now())) throw invalid();
    },
  };
}

/** JWT-SVID lifetimes: the default and the most a request may ask for, in seconds. */
export interface JwtSvidLimits {
  defaultTtl: number;
  maxTtl: number;
}

/**
 * Signs a JWT-SVID for the attested caller. The request is checked before a key is unsealed;
 * `recordedExp` (latest exp per kid, in seconds) spares the store a write per token.
 */
export async function issueJwtSvid(
  store: CaStore,
  attested: Attested,
  input: JwtSvidRequest,
  limits: JwtSvidLimits,
  signer: () => Promise<JwtSigner>,
  recordedExp: Map<string, number>,
): Promise<JwtSvidResult> {
  const { identity, consume } = attested;
  const ttl = input.ttlSeconds ?? limits.defaultTtl;
  if (ttl > limits.maxTtl) {
    throw new CaError(400, "invalid_request", `ttlSeconds ${ttl} exceeds the maximum of ${limits.maxTtl}`, [{ path: "ttlSeconds", message: `at most ${limits.maxTtl}` }]);
  }
  const jkt = input.publicKey ? await thumbprint(input.publicKey) : undefined;
  const { kid, key } = await signer();
  consume();
  const iat = Math.floor(Date.now() / 1000);
  const exp = iat + ttl;
  const audience = Array.isArray(input.audience) && input.audience.length === 1 ? input.audience[0] : input.audience;
  const token = await signJwtSvid(key, kid, { sub: identity.spiffe_id, aud: audience, exp, iat, jti: crypto.randomUUID(), ...(jkt ? { cnf: { jkt } } : {}) });
  if ((recordedExp.get(kid) ?? 0) < exp) {
    store.recordJwt(kid, exp * 1000);
    recordedExp.set(kid, exp);
  }
  store.recordIssuance(identity.spiffe_id, "jwt-svid", iat * 1000);
  return { token, expiresAt: new Date(exp * 1000).toISOString(), spiffeId: identity.spiffe_id };
}

/** The `cnf.jkt` of the workload's public JWK; a 400 CaError for a private or unusable key. */
async function thumbprint(publicKey: NonNullable<JwtSvidRequest["publicKey"]>): Promise<string> {
  if ("d" in publicKey) throw new CaError(400, "invalid_request", "publicKey must be a public JWK (it has a private member d)", [{ path: "publicKey.d", message: "not allowed" }]);
  try {
    return await calculateJwkThumbprint(publicKey as JWK, "sha256");
  } catch (err) {
    throw new CaError(400, "invalid_request", `publicKey is not a usable JWK: ${(err as Error).message}`, [{ path: "publicKey", message: (err as Error).message }]);
  }
}

/** Signs an X509-SVID for the CSR if it asks for no other identity; the token is spent only then. */
export async function issueX509Svid(
  store: CaStore,
  attested: Attested,
  csr: Uint8Array | string,
  ttlSeconds: number,
  signer: () => Promise<CaSigner>,
): Promise<{ chain: string; spiffeId: string; expiresAt: string }> {
  const { identity, consume } = attested;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 60 || ttlSeconds > 7 * 86_400) {
    throw new CaError(400, "invalid_request", "ttlSeconds must be an integer from 60 to 604800", [{ path: "ttlSeconds", message: "60..604800" }]);
  }
  const bytes = typeof csr === "string" ? new TextEncoder().encode(csr) : csr;
  const issuer = await signer();
  let leaf: IssuedLeaf;
  try {
    const request = await parseCsr(bytes);
    checkRequestedIdentity(request, identity.spiffe_id);
    consume();
    leaf = await issueLeaf({ csr: request, spiffeId: identity.spiffe_id, issuer: issuer.authority, ttlSeconds, now: new Date() });
  } catch (err) {
    if (err instanceof CsrError) throw new CaError(400, err.code, err.message);
    throw err;
  }
  store.recordLeaf(issuer.id, leaf.notAfter.getTime());
  store.recordIssuance(identity.spiffe_id, "x509-svid", Date.now());
  return { chain: pemChain(leaf.pem, issuer), spiffeId: identity.spiffe_id, expiresAt: leaf.notAfter.toISOString() };
}

/** Signs a serving certificate for the CSR's key and the requested host names and addresses. */
export async function issueServingCertificate(
  store: CaStore,
  input: ServingCertificateRequest,
  defaultTtl: number,
  signer: () => Promise<CaSigner>,
): Promise<{ chain: string; expiresAt: string }> {
  const issuer = await signer();
  let leaf: x509.X509Certificate;
  try {
    const csr = await parseCsr(new TextEncoder().encode(input.csr));
    leaf = await issueServingLeaf({ publicKey: csr.publicKey, dnsNames: input.dnsNames, ipAddresses: input.ipAddresses ?? [], issuer: issuer.authority, ttlSeconds: input.ttlSeconds ?? defaultTtl, now: new Date() });
  } catch (err) {
    if (err instanceof CsrError) throw new CaError(400, err.code, err.message);
    throw err;
  }
  store.recordLeaf(issuer.id, leaf.notAfter.getTime());
  return { chain: pemChain(leaf.toString("pem"), issuer), expiresAt: leaf.notAfter.toISOString() };
}

/** The PEM chain a leaf is served with, leaf first, one newline after each certificate. */
function pemChain(leafPem: string, issuer: CaSigner): string {
  return [leafPem, ...issuer.chain].map((p) => p.trim() + "\n").join("");
}
