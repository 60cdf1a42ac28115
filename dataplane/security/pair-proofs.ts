// The per-request proofs made with a pair key (key-agreement.ts) instead of a signature:
// - the request proof (proof-of-possession mode): `mac.<callee key id>.<iat>.<jti>.<tag>`,
//   tag = HMAC_K("isthmus-pop/v2", method, host, normalized path, query, body digest (or
//   ""), iat, jti, the caller SVID's jti).
//   Only the holders of the caller's or the callee's ECDH private key can make it, and the
//   caller's was attested by the workload key its SVID confirms; the callee key id says which
//   callee isolate's key it was made for;
// - the answer proof: `mac.<tag>`, tag = HMAC_K("isthmus-answer/v1", caller SVID jti, method,
//   normalized path, nonce), bound to this request as the signed answer proof is.
// The labels keep a request tag from ever passing as an answer tag and back.
import { macMatches, macOf } from "./key-agreement.ts";
import { proofRequest, type ProofRequest } from "./proof-request.ts";
import { rememberProof, type AnswerBinding } from "./proofs.ts";
import type { ReplayCache } from "./replay-cache.ts";
import { ProofError } from "./workload-key.ts";

/** How a proof made with a pair key starts (a signed proof is a JWS, `ey...`). */
export const MAC_PROOF_PREFIX = "mac.";

/** Whether `proof` is made with a pair key rather than signed. */
export function isMacProof(proof: string): boolean {
  return proof.startsWith(MAC_PROOF_PREFIX);
}

/** A pair key as the caller holds it: the key and the callee isolate's key id it is shared with. */
export interface HeldPairKey {
  key: CryptoKey;
  calleeKid: string;
}

/** What a request tag is made over: the request's parts, then the proof's own. */
function requestParts(parts: ProofRequest, iat: number, jti: string, svidJti: string): unknown[] {
  return ["isthmus-pop/v2", parts.method, parts.host, parts.path, parts.query, parts.bodyDigest ?? "", iat, jti, svidJti];
}

/** A request proof for `request` (or its parts, see `proofRequest`) made with the pair key, bound to the caller's SVID `jti`. */
export async function macRequestProof(pair: HeldPairKey, request: Request | ProofRequest, svidJti: string, nowMs = Date.now()): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  const jti = crypto.randomUUID();
  const parts = request instanceof Request ? await proofRequest(request) : request;
  const tag = await macOf(pair.key, requestParts(parts, iat, jti, svidJti));
  return `${MAC_PROOF_PREFIX}${pair.calleeKid}.${iat}.${jti}.${tag}`;
}

/**
 * Checks a request proof made with a pair key: made for this isolate's key (`ownKid`), by
 * the pair key `key()` derives, for this request and SVID, fresh and not replayed.
 * Throws ProofError with the reason.
 */
export async function checkMacRequestProof(
  proof: string,
  request: Request | ProofRequest,
  svidJti: string,
  ownKid: string,
  key: () => Promise<CryptoKey>,
  nowMs: number,
  cache: ReplayCache,
): Promise<void> {
  const parts = proof.slice(MAC_PROOF_PREFIX.length).split(".");
  if (parts.length !== 4 || !/^\d{1,12}$/.test(parts[1]!)) throw new ProofError("proof_malformed", "MAC proof is not mac.<kid>.<iat>.<jti>.<tag>");
  const [kid, iatText, jti, tag] = parts as [string, string, string, string];
  if (kid !== ownKid) throw new ProofError("proof_pair_unknown", "MAC proof is for another isolate's key; send a signed proof");
  const iat = Number(iatText);
  const bound = request instanceof Request ? await proofRequest(request) : request;
  if (!(await macMatches(await key(), requestParts(bound, iat, jti, svidJti), tag))) {
    throw new ProofError("proof_mac_mismatch", "MAC proof does not verify for this request, SVID and pair key");
  }
  rememberProof({ iat, jti }, nowMs, cache);
}

/** The callee's answer proof for one request, made with the pair key. */
export async function macResponseProof(key: CryptoKey, binding: AnswerBinding): Promise<string> {
  return `${MAC_PROOF_PREFIX}${await macOf(key, answerParts(binding))}`;
}

/** Checks an answer proof made with the pair key against this request. Throws ProofError. */
export async function checkMacResponseProof(proof: string, binding: AnswerBinding, key: CryptoKey): Promise<void> {
  const tag = proof.slice(MAC_PROOF_PREFIX.length);
  if (!(await macMatches(key, answerParts(binding), tag))) {
    throw new ProofError("proof_mac_mismatch", "answer MAC does not verify: another pair key or another request");
  }
}

function answerParts(binding: AnswerBinding): unknown[] {
  return ["isthmus-answer/v1", binding.jti, binding.method, binding.path, binding.nonce];
}
