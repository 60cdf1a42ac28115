// Key agreement between two workloads, the way TLS does it: asymmetric crypto once per pair
// of isolates, symmetric per request. Besides its workload key (whose thumbprint its
// JWT-SVIDs confirm in `cnf.jkt`), each isolate makes an ECDH P-256 key pair and signs the
// public half once with its workload key: the key attestation. A verified SVID plus an
// attestation signed by the key that SVID confirms make the ECDH key speak for the SVID's
// subject. Caller and callee then derive the same pair key
//   K = HKDF-SHA-256(ECDH(own private, peer public),
//                    info = caller SPIFFE ID, callee SPIFFE ID, caller key id, callee key id)
// and prove each request and each answer with HMAC-SHA-256 under K (pair-proofs.ts).
import { base64urlDecode, base64urlEncode } from "../../identity/base64url.ts";
import type { PeerKeys } from "./peer-keys.ts";
import { jwkThumbprint, ProofError, signProof, verifyProof, type PublicJwk, type WorkloadKey } from "./workload-key.ts";

export const ATTESTATION_TYP = "isthmus-key+jwt";

const ECDH_P256 = { name: "ECDH", namedCurve: "P-256" } as const;

/** The isolate's key-agreement key: private half not extractable, public half attested. */
export interface AgreementKey {
  privateKey: CryptoKey;
  publicJwk: PublicJwk;
  /** RFC 7638 thumbprint of the public key. */
  kid: string;
  /** The public key signed by the workload key (compact JWS, `typ: isthmus-key+jwt`). */
  attestation: string;
}

/** A peer's key-agreement key, taken from an attestation whose signature verified. */
export interface AttestedKey {
  /** Thumbprint of the workload key that signed the attestation. */
  signer: string;
  kid: string;
  publicKey: CryptoKey;
}

/** Makes the isolate's ECDH key pair and its attestation, signed once by `workload`. */
export async function generateAgreementKey(workload: WorkloadKey, nowMs = Date.now()): Promise<AgreementKey> {
  const pair = (await crypto.subtle.generateKey(ECDH_P256, false, ["deriveBits"])) as CryptoKeyPair;
  const jwk = (await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey;
  const publicJwk: PublicJwk = { kty: "EC", crv: "P-256", x: jwk.x!, y: jwk.y! };
  const attestation = await signProof(workload, ATTESTATION_TYP, { ecdh: publicJwk, iat: Math.floor(nowMs / 1000) });
  return { privateKey: pair.privateKey, publicJwk, kid: await jwkThumbprint(publicJwk), attestation };
}

/**
 * The key an attestation names, if it is signed by the workload key whose thumbprint is
 * `thumbprint` (a verified SVID's `cnf.jkt`). The signature is checked once per attestation
 * and isolate (a peer sends the same one for the life of its isolate; kept in `keys`);
 * throws ProofError `attestation_<reason>`.
 */
export async function verifyAttestation(token: string, thumbprint: string, keys: PeerKeys): Promise<AttestedKey> {
  const known = keys.attestations.get(token);
  if (known) {
    if (known.signer !== thumbprint) throw new ProofError("attestation_key_mismatch", "key attestation is signed by a key the SVID does not confirm (cnf.jkt)");
    return known;
  }
  let claims: Record<string, unknown>;
  try {
    claims = await verifyProof(token, ATTESTATION_TYP, thumbprint, keys);
  } catch (error) {
    if (!(error instanceof ProofError)) throw error;
    const code = error.code === "proof_key_mismatch" ? "attestation_key_mismatch" : error.code === "proof_bad_signature" ? "attestation_bad_signature" : "attestation_malformed";
    throw new ProofError(code, error.message.replace(/^proof/, "key attestation"));
  }
  const ecdh = claims.ecdh as Record<string, unknown> | undefined;
  if (!ecdh || ecdh.kty !== "EC" || ecdh.crv !== "P-256" || typeof ecdh.x !== "string" || typeof ecdh.y !== "string" || "d" in ecdh) {
    throw new ProofError("attestation_malformed", "key attestation names no public P-256 ECDH key");
  }
  const publicJwk: PublicJwk = { kty: "EC", crv: "P-256", x: ecdh.x, y: ecdh.y };
  let publicKey: CryptoKey;
  try {
    publicKey = await crypto.subtle.importKey("jwk", publicJwk, ECDH_P256, false, []);
  } catch {
    throw new ProofError("attestation_malformed", "key attestation names a key that is not on P-256");
  }
  const attested: AttestedKey = { signer: thumbprint, kid: await jwkThumbprint(publicJwk), publicKey };
  keys.attestations.set(token, attested);
  return attested;
}

/** Who a pair key is for: the caller's and the callee's SPIFFE IDs. */
export interface PairParties {
  caller: string;
  callee: string;
}

/**
 * The HMAC-SHA-256 key this isolate (`own`, playing `role`) shares with the peer whose
 * attested key is `peer`, for the call from `parties.caller` to `parties.callee`. Both
 * identities and both key ids enter the derivation, so a key is good for one direction
 * between one pair of identities and isolates only. Derived once per isolate (kept in `keys`).
 */
export function pairKey(own: AgreementKey, peer: AttestedKey, parties: PairParties, role: "caller" | "callee", keys: PeerKeys): Promise<CryptoKey> {
  const { pairKeys } = keys;
  const [callerKid, calleeKid] = role === "caller" ? [own.kid, peer.kid] : [peer.kid, own.kid];
  const info = JSON.stringify(["isthmus-pair-key/v1", parties.caller, parties.callee, callerKid, calleeKid]);
  let key = pairKeys.get(info);
  if (!key) {
    key = derive(own.privateKey, peer.publicKey, info);
    pairKeys.set(info, key);
    key.catch(() => pairKeys.delete(info));
  }
  return key;
}

async function derive(privateKey: CryptoKey, publicKey: CryptoKey, info: string): Promise<CryptoKey> {
  // The Workers types spell the member `$public`; WebCrypto (workerd and Node) reads `public`.
  const ecdh = { name: "ECDH", public: publicKey } as unknown as Parameters<typeof crypto.subtle.deriveBits>[0];
  const shared = await crypto.subtle.deriveBits(ecdh, privateKey, 256);
  const hkdf = await crypto.subtle.importKey("raw", shared, "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new TextEncoder().encode(info) },
    hkdf,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign", "verify"],
  );
}

/** base64url HMAC-SHA-256 under `key` of the JSON array `parts`. */
export async function macOf(key: CryptoKey, parts: readonly unknown[]): Promise<string> {
  return base64urlEncode(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(JSON.stringify(parts))));
}

/** Whether `tag` is the MAC of `parts` under `key` (compared in constant time by WebCrypto). */
export async function macMatches(key: CryptoKey, parts: readonly unknown[], tag: string): Promise<boolean> {
  const bytes = base64urlDecode(tag);
  if (!bytes || bytes.length !== 32) return false;
  return crypto.subtle.verify("HMAC", key, bytes, new TextEncoder().encode(JSON.stringify(parts)));
}
