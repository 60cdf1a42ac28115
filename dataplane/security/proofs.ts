// The two per-request proofs of mutual authentication, both signed with a workload key
// (workload-key.ts) whose thumbprint a CA-signed JWT-SVID confirms (`cnf.jkt`):
// - the request proof (proof-of-possession mode, RFC 9449 DPoP in shape): `htm` (method),
//   `htu` (the normalized path), `hth` (the host), `htq` (hash of the query), `hbd` (hash of
//   the body, where the callee asks for it), `iat`, `jti`, `ath` = hash of the SVID it
//   accompanies; it shows the sender holds the key the SVID names, so a captured SVID alone
//   is useless, and a captured proof is good for this one request only;
// - the response proof: `req` = hash of the caller's SVID `jti`, the method, the path and
//   the request nonce, and `iat`; it shows the answer comes from the holder of the
//   callee's key, for this very request.
import { proofRequest, type ProofRequest } from "./proof-request.ts";
import { ProofError, sha256Base64url, signProof, verifyProof, type WorkloadKey } from "./workload-key.ts";
import type { PeerKeys } from "./peer-keys.ts";
import type { ReplayCache } from "./replay-cache.ts";

export const REQUEST_PROOF_TYP = "isthmus-pop+jwt";
export const RESPONSE_PROOF_TYP = "isthmus-answer+jwt";

/** How long a proof is accepted after its `iat` (and the replay cache keeps its `jti`). */
export const PROOF_WINDOW_SECONDS = 10;
/** Tolerated clock difference for a proof's `iat` in the future. */
export const PROOF_SKEW_SECONDS = 2;

const CLAIM_NAMES: Record<string, string> = { htm: "method", hth: "host", htu: "path", htq: "query", hbd: "body" };

/** The request parts as a proof's claims carry them (the query hashed: it may be long). */
async function boundClaims(parts: ProofRequest): Promise<Record<string, string>> {
  const claims: Record<string, string> = { htm: parts.method, hth: parts.host, htu: parts.path, htq: await sha256Base64url(parts.query) };
  if (parts.bodyDigest !== undefined) claims.hbd = parts.bodyDigest;
  return claims;
}

/** A request proof for `request` (or its parts, see `proofRequest`) carrying `svid`. */
export async function requestProof(key: WorkloadKey, request: Request | ProofRequest, svid: string, nowMs = Date.now()): Promise<string> {
  const parts = request instanceof Request ? await proofRequest(request) : request;
  return signProof(key, REQUEST_PROOF_TYP, {
    ...(await boundClaims(parts)),
    iat: Math.floor(nowMs / 1000),
    jti: crypto.randomUUID(),
    ath: await sha256Base64url(svid),
  });
}

/**
 * Checks a request proof against the request and the verified SVID's key thumbprint;
 * a proof seen before within its window (in the isolate's `requestReplays`) is a replay.
 * Throws ProofError with the reason.
 */
export async function checkRequestProof(
  proof: string,
  request: Request | ProofRequest,
  svid: string,
  thumbprint: string,
  nowMs: number,
  isolate: { requestReplays: ReplayCache; peerKeys: PeerKeys },
): Promise<void> {
  const claims = await verifyProof(proof, REQUEST_PROOF_TYP, thumbprint, isolate.peerKeys);
  // Every part this request has must be the proof's (the body digest where the callee asks for one).
  const actual = await boundClaims(request instanceof Request ? await proofRequest(request) : request);
  const differs = Object.keys(actual).find((claim) => claims[claim] !== actual[claim]);
  if (differs) throw new ProofError("proof_request_mismatch", `proof is for another request (its ${CLAIM_NAMES[differs]} differs)`);
  if (claims.ath !== (await sha256Base64url(svid))) throw new ProofError("proof_mismatch", "proof is for another SVID (ath)");
  rememberProof(claims, nowMs, isolate.requestReplays);
}

/**
 * Checks a request proof's `iat` window and records its `jti`; a `jti` seen before within
 * its window is a replay. Throws ProofError with the reason.
 */
export function rememberProof(claims: Record<string, unknown>, nowMs: number, cache: ReplayCache): void {
  const iat = checkFresh(claims, nowMs);
  if (typeof claims.jti !== "string" || claims.jti.length === 0 || claims.jti.length > 128) {
    throw new ProofError("proof_malformed", "proof has no jti");
  }
  if (!cache.remember(claims.jti, (iat + PROOF_WINDOW_SECONDS + PROOF_SKEW_SECONDS) * 1000)) {
    throw new ProofError("proof_replayed", "proof was already used (replay within the window)");
  }
}

/** What the callee's answer is bound to. */
export interface AnswerBinding {
  /** The caller's SVID `jti`. */
  jti: string;
  method: string;
  path: string;
  nonce: string;
}

async function bindingHash(binding: AnswerBinding): Promise<string> {
  return sha256Base64url(JSON.stringify([binding.jti, binding.method, binding.path, binding.nonce]));
}

/** The callee's response proof for one request. */
export async function responseProof(key: WorkloadKey, binding: AnswerBinding, nowMs = Date.now()): Promise<string> {
  return signProof(key, RESPONSE_PROOF_TYP, { req: await bindingHash(binding), iat: Math.floor(nowMs / 1000) });
}

/** Checks a response proof: signed by the key `thumbprint` names, for this request, fresh. */
export async function checkResponseProof(proof: string, binding: AnswerBinding, thumbprint: string, keys: PeerKeys, nowMs = Date.now()): Promise<void> {
  const claims = await verifyProof(proof, RESPONSE_PROOF_TYP, thumbprint, keys);
  if (claims.req !== (await bindingHash(binding))) throw new ProofError("proof_mismatch", "answer is bound to another request");
  checkFresh(claims, nowMs);
}

function checkFresh(claims: Record<string, unknown>, nowMs: number): number {
  const iat = claims.iat;
  if (typeof iat !== "number" || !Number.isFinite(iat)) throw new ProofError("proof_malformed", "proof has no iat");
  const now = nowMs / 1000;
  if (iat > now + PROOF_SKEW_SECONDS || iat < now - PROOF_WINDOW_SECONDS - PROOF_SKEW_SECONDS) {
    throw new ProofError("proof_stale", `proof iat is outside the ${PROOF_WINDOW_SECONDS} s window`);
  }
  return iat;
}
