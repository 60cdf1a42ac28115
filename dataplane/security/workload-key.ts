// The workload's own key: an ES256 key pair made in the isolate, never leaving it. Its
// public JWK goes to the CA with each JWT-SVID request, so every SVID this isolate holds
// carries `cnf.jkt` = the key's RFC 7638 thumbprint; proofs signed with the key are then
// attributable to the SVID's subject (the SVID says which key speaks for it).
import { base64urlDecode, base64urlEncode } from "../../identity/base64url.ts";
import type { PeerKeys } from "./peer-keys.ts";

const ES256 = { name: "ECDSA", hash: "SHA-256" } as const;
const P256 = { name: "ECDSA", namedCurve: "P-256" } as const;

/** A public EC P-256 JWK, as carried in a proof's header. */
export interface PublicJwk {
  kty: "EC";
  crv: "P-256";
  x: string;
  y: string;
}

/** The isolate's key pair, its public JWK and thumbprint. */
export interface WorkloadKey {
  privateKey: CryptoKey;
  publicJwk: PublicJwk;
  thumbprint: string;
}

/** Why a proof JWS was refused. */
export type ProofFailure = "proof_malformed" | "proof_key_mismatch" | "proof_bad_signature";

/** Why a key attestation (key-agreement.ts) was refused. */
export type AttestationFailure = "attestation_missing" | "attestation_malformed" | "attestation_key_mismatch" | "attestation_bad_signature";

/** A refused proof or key attestation; `code` is the reason. */
export class ProofError extends Error {
  constructor(
    readonly code: ProofFailure | AttestationFailure | "proof_stale" | "proof_replayed" | "proof_mismatch" | "proof_request_mismatch" | "proof_mac_mismatch" | "proof_pair_unknown",
    message: string,
  ) {
    super(message);
    this.name = "ProofError";
  }
}

/** Makes a fresh key pair; the private key is not extractable. */
export async function generateWorkloadKey(): Promise<WorkloadKey> {
  const pair = (await crypto.subtle.generateKey(P256, false, ["sign", "verify"])) as CryptoKeyPair;
  const jwk = (await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey;
  const publicJwk: PublicJwk = { kty: "EC", crv: "P-256", x: jwk.x!, y: jwk.y! };
  return { privateKey: pair.privateKey, publicJwk, thumbprint: await jwkThumbprint(publicJwk) };
}

/** RFC 7638 SHA-256 thumbprint of an EC key (members crv, kty, x, y in that order). */
export async function jwkThumbprint(jwk: PublicJwk): Promise<string> {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return base64urlEncode(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonical)));
}

/** base64url(SHA-256(text)), the `ath` form of RFC 9449. */
export async function sha256Base64url(text: string): Promise<string> {
  return base64urlEncode(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/** Signs `claims` as a compact JWS whose header names `typ` and carries the public JWK. */
export async function signProof(key: WorkloadKey, typ: string, claims: Record<string, unknown>): Promise<string> {
  const header = base64urlEncode(JSON.stringify({ alg: "ES256", typ, jwk: key.publicJwk }));
  const payload = base64urlEncode(JSON.stringify(claims));
  const signature = await crypto.subtle.sign(ES256, key.privateKey, new TextEncoder().encode(`${header}.${payload}`));
  return `${header}.${payload}.${base64urlEncode(signature)}`;
}

// A peer's proofs reuse its key for the SVID's life: its thumbprint and imported key are kept
// in the isolate's PeerKeys rather than recomputed per request.
async function cachedThumbprint(jwk: PublicJwk, keys: PeerKeys): Promise<string> {
  const id = `${jwk.x}.${jwk.y}`;
  let thumbprint = keys.thumbprints.get(id);
  if (thumbprint === undefined) {
    thumbprint = await jwkThumbprint(jwk);
    keys.thumbprints.set(id, thumbprint);
  }
  return thumbprint;
}

/**
 * Verifies a proof JWS of type `typ` signed by the key whose thumbprint is `thumbprint`
 * (from a verified SVID's `cnf.jkt`); returns its claims. Only ES256 and a public P-256
 * JWK in the header are accepted. `keys` are the isolate's caches of peer keys.
 */
export async function verifyProof(token: string, typ: string, thumbprint: string, keys: PeerKeys): Promise<Record<string, unknown>> {
  const parts = token.split(".");
  if (parts.length !== 3) throw new ProofError("proof_malformed", "proof is not a compact JWS");
  const header = decodeObject(parts[0]!);
  if (header.alg !== "ES256") throw new ProofError("proof_malformed", `proof alg ${JSON.stringify(header.alg)} is not ES256`);
  if (header.typ !== typ) throw new ProofError("proof_malformed", `proof typ must be ${typ}`);
  const jwk = header.jwk as Record<string, unknown> | undefined;
  if (!jwk || jwk.kty !== "EC" || jwk.crv !== "P-256" || typeof jwk.x !== "string" || typeof jwk.y !== "string" || "d" in jwk) {
    throw new ProofError("proof_malformed", "proof header has no public P-256 jwk");
  }
  const publicJwk: PublicJwk = { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y };
  if ((await cachedThumbprint(publicJwk, keys)) !== thumbprint) {
    throw new ProofError("proof_key_mismatch", "proof is signed by a key the SVID does not confirm (cnf.jkt)");
  }
  const signature = base64urlDecode(parts[2]!);
  if (!signature || signature.length !== 64) throw new ProofError("proof_bad_signature", "proof signature is not an ES256 signature");
  let key = keys.imported.get(thumbprint);
  if (!key) {
    key = crypto.subtle.importKey("jwk", publicJwk, P256, false, ["verify"]);
    keys.imported.set(thumbprint, key);
  }
  const valid = await crypto.subtle.verify(ES256, await key, signature, new TextEncoder().encode(`${parts[0]}.${parts[1]}`));
  if (!valid) throw new ProofError("proof_bad_signature", "proof signature does not verify");
  return decodeObject(parts[1]!);
}

function decodeObject(part: string): Record<string, unknown> {
  const bytes = base64urlDecode(part);
  if (!bytes) throw new ProofError("proof_malformed", "proof part is not base64url");
  try {
    const value = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new ProofError("proof_malformed", "proof part is not a JSON object");
}
