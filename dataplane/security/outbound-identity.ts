import { JwtSvidError } from "../../identity/jwt-svid.ts";
import type { OutboundLayer } from "../outbound/call.ts";
import { MESH_ERROR_HEADER } from "../traffic/mesh-error.ts";
import { CREDENTIAL_HEADERS, NONCE_HEADER, PEER_PROOF_HEADER, PEER_SVID_HEADER, PROOF_HEADER, SVID_HEADER } from "./credential-headers.ts";
import { destinationIdentity } from "./destination-identity.ts";
import { IdentityUnavailableMeshError, PeerIdentityMismatchError } from "./errors.ts";
import { meshTrust, ownCredentials } from "./isolate.ts";
import { IdentityUnavailableError, identityPeer } from "./mesh-peer.ts";
import { peerPolicy } from "./peer-authentication.ts";
import { boundPath, checkResponseProof, requestProof } from "./proofs.ts";
import { TrustBundleUnavailableError } from "./trust.ts";
import { ProofError } from "./workload-key.ts";

/**
 * Outbound stack, identity slot (per attempt, endpoint known). For an endpoint inside the
 * mesh whose policy is not DISABLE, it sends this workload's JWT-SVID for the endpoint's
 * SPIFFE ID, a fresh nonce, and — in proof-of-possession mode — a request proof; then it
 * checks the answer: the callee's JWT-SVID (audience = this workload) must name the
 * identity meant, and its answer proof, signed with the key that SVID confirms, must be
 * bound to this request. Anything else fails the request: 502 `peer_identity_mismatch`
 * (UPE) with the reason. Mesh error answers (status >= 400 with `x-isthmus-error`) that the
 * callee produced before it could authenticate the request are passed on unproven: they
 * carry no service data.
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
  const nonce = crypto.randomUUID();
  const headers = new Headers(request.headers);
  for (const name of CREDENTIAL_HEADERS) headers.delete(name);
  headers.set(SVID_HEADER, svid.token);
  headers.set(NONCE_HEADER, nonce);
  if (policy.proofOfPossession) headers.set(PROOF_HEADER, await requestProof(await ownCredentials.workloadKey(), request, svid.token));
  const response = await next(new Request(request, { headers }), call);

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
    await checkResponseProof(answerProof, { jti: svid.jti, method: request.method, path: boundPath(request.url), nonce }, answer.keyThumbprint);
  } catch (error) {
    await response.body?.cancel();
    if (error instanceof JwtSvidError) throw new PeerIdentityMismatchError(`answer_${error.code}`, `the callee's JWT-SVID was refused: ${error.message}`);
    if (error instanceof ProofError) throw new PeerIdentityMismatchError(`answer_${error.code}`, `the callee's answer proof was refused: ${error.message}`);
    throw error;
  }
  const verified = new Response(response.body, response);
  verified.headers.delete(PEER_SVID_HEADER);
  verified.headers.delete(PEER_PROOF_HEADER);
  return verified;
};

function portOf(request: Request): number | undefined {
  const { port } = new URL(request.url);
  return port ? Number(port) : undefined;
}
