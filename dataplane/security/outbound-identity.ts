import { JwtSvidError } from "../../identity/jwt-svid.ts";
import type { OutboundLayer } from "../outbound/call.ts";
import { MESH_ERROR_HEADER } from "../traffic/mesh-error.ts";
import { BoundedMap } from "./bounded-map.ts";
import { CREDENTIAL_HEADERS, KEY_HEADER, NONCE_HEADER, PEER_KEY_HEADER, PEER_PROOF_HEADER, PEER_SVID_HEADER, PROOF_HEADER, SVID_HEADER } from "./credential-headers.ts";
import { destinationIdentity } from "./destination-identity.ts";
import { IdentityUnavailableMeshError, PeerIdentityMismatchError } from "./errors.ts";
import { meshTrust, ownCredentials } from "./isolate.ts";
import { pairKey, verifyAttestation } from "./key-agreement.ts";
import { IdentityUnavailableError, identityPeer } from "./mesh-peer.ts";
import { checkMacResponseProof, isMacProof, macRequestProof, type HeldPairKey } from "./pair-proofs.ts";
import { peerPolicy } from "./peer-authentication.ts";
import { boundPath, checkResponseProof, requestProof } from "./proofs.ts";
import { TrustBundleUnavailableError } from "./trust.ts";
import { ProofError } from "./workload-key.ts";

/**
 * Outbound stack, identity slot (per attempt, endpoint known). For an endpoint inside the
 * mesh whose policy is not DISABLE, it sends this workload's JWT-SVID for the endpoint's
 * SPIFFE ID, its key attestation, a fresh nonce, and — in proof-of-possession mode — a
 * request proof (a MAC with the pair key once one is shared with the callee, else signed);
 * then it checks the answer: the callee's JWT-SVID (audience = this workload) must name the
 * identity meant, and its answer proof must be bound to this request and made by that
 * identity: a MAC with the pair key derived from the callee's attestation, signed by the key
 * the SVID confirms, or signed by that key itself. Anything else fails the request: 502
 * `peer_identity_mismatch` (UPE) with the reason. Mesh error answers (status >= 400 with
 * `x-isthmus-error`) that the callee produced before it could authenticate the request are
 * passed on unproven: they carry no service data.
 */
export const outboundIdentity: OutboundLayer = async (request, call, next) => {
  const service = call.destination?.service;
  const endpoint = call.endpoint;
  if (!service || !endpoint) return next(request, call);
  const destination = destinationIdentity(call.mesh, service, endpoint);
  const port = call.destination?.port ?? portOf(request);
  const policy = peerPolicy(call.mesh, destination, port);
  if (!destination.internal || policy.mode === "DISABLE") return next(request, call);

  let peer;
  try {
    peer = identityPeer(call.env);
  } catch (error) {
    if (error instanceof IdentityUnavailableError) throw new IdentityUnavailableMeshError(error.code, error.message);
    throw error;
  }
  let svid;
  try {
    svid = await ownCredentials.svidFor(destination.spiffeId, peer, call.waitUntil);
  } catch (error) {
    throw new IdentityUnavailableMeshError("svid_unavailable", `no JWT-SVID for ${destination.spiffeId}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const own = await ownCredentials.agreementKey();
  // Per endpoint: the isolates behind two endpoints of one identity (v1, v2) hold different keys.
  const pairId = `${svid.spiffeId} ${destination.spiffeId} ${endpoint.key}`;
  // A MAC proof can only be resent when the request has no body to replay.
  const held = policy.proofOfPossession && request.body === null ? pairs.get(pairId) : undefined;
  const send = async (pair: HeldPairKey | undefined) => {
    const nonce = crypto.randomUUID();
    const headers = new Headers(request.headers);
    for (const name of CREDENTIAL_HEADERS) headers.delete(name);
    headers.set(SVID_HEADER, svid.token);
    headers.set(KEY_HEADER, own.attestation);
    headers.set(NONCE_HEADER, nonce);
    if (policy.proofOfPossession) {
      headers.set(PROOF_HEADER, pair ? await macRequestProof(pair, request, svid.jti) : await requestProof(await ownCredentials.workloadKey(), request, svid.token));
    }
    return { nonce, response: await next(new Request(request, { headers }), call) };
  };
  let { nonce, response } = await send(held);
  if (held && (await refusedForPairKey(response))) {
    // The callee isolate does not hold this pair key (another or a restarted isolate): prove with a signature once more.
    pairs.delete(pairId);
    await response.body?.cancel();
    ({ nonce, response } = await send(undefined));
  }

  const answerSvid = response.headers.get(PEER_SVID_HEADER);
  const answerProof = response.headers.get(PEER_PROOF_HEADER);
  if (!answerSvid || !answerProof) {
    if (response.status >= 400 && response.headers.has(MESH_ERROR_HEADER)) return response;
    await response.body?.cancel();
    throw new PeerIdentityMismatchError("answer_missing", `${endpoint.address} answered without proving ${destination.spiffeId}`);
  }
  let verifier;
  try {
    verifier = await meshTrust.verifierFor(call.mesh.snapshot.trustDomain, peer, call.mesh.snapshot.revokedIdentities, call.waitUntil);
  } catch (error) {
    if (error instanceof TrustBundleUnavailableError) throw new IdentityUnavailableMeshError(error.code, error.message);
    throw error;
  }
  try {
    const answer = await verifier.verify(answerSvid, svid.spiffeId);
    if (answer.spiffeId !== destination.spiffeId) {
      throw new PeerIdentityMismatchError("wrong_peer", `${endpoint.address} answered as ${answer.spiffeId}, not ${destination.spiffeId}`);
    }
    if (!answer.keyThumbprint) throw new PeerIdentityMismatchError("answer_unbound", "the callee's JWT-SVID confirms no key (cnf.jkt)");
    const binding = { jti: svid.jti, method: request.method, path: boundPath(request.url), nonce };
    if (isMacProof(answerProof)) {
      const attestation = response.headers.get(PEER_KEY_HEADER);
      if (!attestation) throw new PeerIdentityMismatchError("answer_attestation_missing", `the callee's MAC answer comes without its key attestation (${PEER_KEY_HEADER})`);
      const calleeKey = await verifyAttestation(attestation, answer.keyThumbprint);
      const key = await pairKey(own, calleeKey, { caller: svid.spiffeId, callee: answer.spiffeId }, "caller");
      await checkMacResponseProof(answerProof, binding, key);
      if (pairs.get(pairId)?.calleeKid !== calleeKey.kid) pairs.set(pairId, { key, calleeKid: calleeKey.kid });
    } else {
      await checkResponseProof(answerProof, binding, answer.keyThumbprint);
    }
  } catch (error) {
    await response.body?.cancel();
    if (error instanceof JwtSvidError) throw new PeerIdentityMismatchError(`answer_${error.code}`, `the callee's JWT-SVID was refused: ${error.message}`);
    if (error instanceof ProofError) throw new PeerIdentityMismatchError(`answer_${error.code}`, `the callee's answer proof was refused: ${error.message}`);
    throw error;
  }
  const verified = new Response(response.body, response);
  verified.headers.delete(PEER_SVID_HEADER);
  verified.headers.delete(PEER_PROOF_HEADER);
  verified.headers.delete(PEER_KEY_HEADER);
  return verified;
};

// The pair key last shared with each callee endpoint (`caller callee endpoint`), for MAC request proofs.
const pairs = new BoundedMap<string, HeldPairKey>(1000);

/** Whether the callee refused the request because its isolate does not hold the pair key. */
async function refusedForPairKey(response: Response): Promise<boolean> {
  if (response.status !== 401 || response.headers.get(MESH_ERROR_HEADER) !== "unauthenticated") return false;
  const body = (await response.clone().json().catch(() => null)) as { error?: { reason?: unknown } } | null;
  return body?.error?.reason === "proof_pair_unknown";
}

function portOf(request: Request): number | undefined {
  const { port } = new URL(request.url);
  return port ? Number(port) : undefined;
}
